"""A small run of tools/bench/bench.py, so the benchmark keeps working (CI runs this, not the
full benchmark): a tiny database, the mix and every action driven for a second."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow  # gunicorn and wrk

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(
    not any((Path(p) / "wrk").exists() for p in os.environ.get("PATH", "").split(":")),
    reason="wrk is not installed (./dev test installs it)",
)
def test_the_benchmark_runs_every_page(tmp_path: Path) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    database = "sqlite" if engine.endswith("sqlite3") else "postgres"
    pg_name = f"gradient_bench_smoke_{os.getpid()}"
    try:
        result = subprocess.run(
            [sys.executable, "tools/bench/bench.py", "--database", database, "--learners", "20",
             "--mentors", "1", "--users", "20", "--mentor-users", "1", "--seconds", "1",
             "--page-seconds", "1", "--runs", "1", "--workdir", str(tmp_path),
             "--pg-database", pg_name, "--fresh", "--smoke"],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
            env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        )  # fmt: skip
    finally:
        if database == "postgres":
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c",
                 f"DROP DATABASE IF EXISTS {pg_name}"],
                capture_output=True,
            )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    mix = [row for row in rows if re.match(r"\| \d+ \|", row)]
    named = [row for row in rows if not re.match(r"\| (\d+|run|action alone|inside|---) ", row)]
    actions = [row for row in named if row.count("|") == 9]
    inside = [row for row in named if row.count("|") == 5]
    assert len(mix) == 1 and len(actions) == 9, rows  # one mix run; nine actions alone
    assert all(re.search(r"\| 0 \|$", row) for row in mix + actions), "requests failed"
    # Each action's time in the worker, inside the mix (from the access log).
    assert {row.split(" | ")[0][2:] for row in inside} >= {"dashboard", "toggle", "skill"}
    assert "toggle response" in result.stdout
