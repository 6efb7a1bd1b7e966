"""tools/bench/load.py, briefly: five users for five seconds against gunicorn, on the database
engine the suite runs on. It must end with no errors and every acknowledged write stored.

The script prepares and drops its own database (a temporary SQLite file, or
gradient_load_<pid> on the suite's PostgreSQL server); the test database is not used."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow  # gunicorn and a load client

ROOT = Path(__file__).resolve().parent.parent


def postgres_server() -> str:
    db = settings.DATABASES["default"]
    user = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"


def test_a_short_load_run_has_no_errors_and_loses_no_writes() -> None:
    command = [sys.executable, "tools/bench/load.py", "--users", "5", "--seconds", "5"]
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        command += ["--database", "postgres", "--postgres-server", postgres_server()]
    else:
        command += ["--database", "sqlite"]
    # The script chooses its own settings and database; none of the suite's may leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)

    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "0 lost writes, 0 unexpected" in result.stdout, output
    assert "errors      0" in result.stdout, output
