"""gunicorn.conf.py: production defaults, each one changeable from the environment."""

import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "gunicorn.conf.py"


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in [n for n in os.environ if n.startswith("GUNICORN_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_it_runs_sync_workers_that_time_out_and_restart(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = load(monkeypatch)

    assert conf["bind"] == "127.0.0.1:8000"
    assert (conf["worker_class"], conf["threads"]) == ("sync", 1)
    assert conf["workers"] == 2 * (os.cpu_count() or 1) + 1
    assert (conf["timeout"], conf["graceful_timeout"]) == (30, 30)
    assert conf["max_requests"] == 5000 and conf["max_requests_jitter"] == 500
    assert conf["accesslog"] == "-"
    assert "%({x-request-id}o)s" in conf["access_log_format"]


def test_the_environment_changes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = load(
        monkeypatch,
        GUNICORN_BIND="0.0.0.0:9000",
        GUNICORN_WORKERS="3",
        GUNICORN_WORKER_CLASS="gthread",
        GUNICORN_THREADS="4",
        GUNICORN_TIMEOUT="60",
        GUNICORN_MAX_REQUESTS="0",
        GUNICORN_ACCESS_LOG="",
    )

    assert conf["bind"] == "0.0.0.0:9000"
    assert (conf["workers"], conf["worker_class"], conf["threads"]) == (3, "gthread", 4)
    assert conf["timeout"] == 60 and conf["max_requests"] == 0
    assert conf["accesslog"] is None


def test_a_number_that_is_not_one_stops_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit, match="GUNICORN_WORKERS must be a whole number, not 'four'"):
        load(monkeypatch, GUNICORN_WORKERS="four")


def test_gunicorn_accepts_it() -> None:
    check = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "-c", str(CONF), "config.wsgi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stderr
