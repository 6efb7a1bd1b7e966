"""`manage.py backup` and `manage.py restore`, on whichever database the suite runs on:
a backup restored into a fresh database holds every row of every table, and the media
archive brings uploaded images back byte for byte.

The data must be committed (transaction=True): the backup reads it from another
connection (SQLite) or another process (pg_dump)."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from PIL import Image

from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class FreshDatabase:
    """An empty database to restore into: a new SQLite file, or a new PostgreSQL database."""

    url: str  # what `restore --target` takes
    connect_kwargs: dict[str, Any]

    def row_counts(self, tables: Iterable[str]) -> dict[str, int]:
        if connection.vendor == "sqlite":
            with closing(sqlite3.connect(self.connect_kwargs["database"])) as db:
                return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        import psycopg

        with psycopg.connect(**self.connect_kwargs) as db:
            return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}

    def is_empty(self) -> bool:
        if connection.vendor == "sqlite":
            path = Path(self.connect_kwargs["database"])
            if not path.exists():
                return True
            with closing(sqlite3.connect(path)) as db:
                return db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0
        import psycopg

        with psycopg.connect(**self.connect_kwargs) as db:
            sql = "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'"
            return db.execute(sql).fetchone()[0] == 0


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[FreshDatabase]:
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield FreshDatabase(url=str(path), connect_kwargs={"database": str(path)})
        return
    import psycopg

    db = connection.settings_dict
    server = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
    }
    name = f"gradient_restore_{os.getpid()}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    userinfo = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    url = f"postgres://{userinfo}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"
    try:
        yield FreshDatabase(url=url, connect_kwargs={**server, "dbname": name})
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def media_root(tmp_path: Path, settings: Any) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def run(*args: str, **options: object) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_a_restored_backup_has_every_row_of_every_table(
    tmp_path: Path, media_root: Path, fresh_database: FreshDatabase
) -> None:
    run("seed_demo")
    source = row_counts()
    assert source["tracker_progressevent"] > 100  # the demo history, so there is data to lose
    assert "django_migrations" in source and "gradient_cache" in source
    backup = tmp_path / "gradient.backup"

    run("backup", str(backup))
    run("restore", str(backup), target=fresh_database.url)

    assert fresh_database.row_counts(source) == source


def test_backup_refuses_to_write_over_an_existing_file(tmp_path: Path) -> None:
    backup = tmp_path / "gradient.backup"
    backup.write_text("last night's backup")
    with pytest.raises(CommandError, match="already exists"):
        run("backup", str(backup))
    assert backup.read_text() == "last night's backup"
    run("backup", str(backup), force=True)
    assert backup.stat().st_size > 100


def test_restore_refuses_the_live_database_without_force(tmp_path: Path) -> None:
    make_user("alice")
    backup = tmp_path / "gradient.backup"
    run("backup", str(backup))
    make_user("bob")
    with pytest.raises(CommandError, match="live database|already holds tables"):
        run("restore", str(backup))
    assert row_counts()["tracker_user"] == 2


def test_the_media_archive_brings_images_back(
    tmp_path: Path, media_root: Path, fresh_database: FreshDatabase, settings: Any
) -> None:
    chart = media_root / "projects" / "chart.png"
    chart.parent.mkdir(parents=True)
    Image.linear_gradient("L").resize((300, 200)).convert("RGB").save(chart, format="PNG")
    original = chart.read_bytes()
    backup = tmp_path / "gradient.backup"

    out = run("backup", str(backup), media=True)

    archive = tmp_path / "gradient.backup.media.tar.gz"
    assert "1 files" in out
    with tarfile.open(archive) as tar:
        assert tar.getnames() == ["projects", "projects/chart.png"]
    settings.MEDIA_ROOT = tmp_path / "new-media"
    run("restore", str(backup), target=fresh_database.url, media=True)
    restored = tmp_path / "new-media" / "projects" / "chart.png"
    assert restored.read_bytes() == original
    with Image.open(restored) as image:
        assert (image.format, image.size) == ("PNG", (300, 200))


def test_restoring_media_refuses_a_folder_with_files_and_an_archive_leading_out(
    tmp_path: Path, media_root: Path, fresh_database: FreshDatabase
) -> None:
    backup = tmp_path / "gradient.backup"
    run("backup", str(backup), media=True)
    (media_root / "kept.txt").parent.mkdir(parents=True)
    (media_root / "kept.txt").write_text("here before")
    with pytest.raises(CommandError, match="already holds files"):
        run("restore", str(backup), target=fresh_database.url, media=True)

    archive = tmp_path / "gradient.backup.media.tar.gz"
    escape = tmp_path / "escape.txt"
    escape.write_text("written outside MEDIA_ROOT")
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(escape, arcname="../escape-copy.txt")
    with pytest.raises(CommandError, match="cannot be restored"):
        run("restore", str(backup), target=fresh_database.url, media=True, force=True)
    assert not (tmp_path / "escape-copy.txt").exists()
    assert fresh_database.is_empty()  # refused before anything was written


def test_the_postgresql_password_goes_in_the_environment_not_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = tmp_path / "gradient.dump"
    backup.write_bytes(b"PGDMP" + bytes(100))  # what pg_dump's custom format starts with
    calls: list[tuple[list[str], dict[str, str]]] = []

    def fake_run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append((args, kwargs["env"]))
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr("tracker.management.commands.backup.subprocess.run", fake_run)
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")

    run("restore", str(backup), target="postgres://gradient:s3cret%21@db.example.com:5433/copy")

    [(args, env)] = calls
    assert args == [
        "/usr/bin/pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
        "--no-password", "--dbname=copy", str(backup),
    ]  # fmt: skip
    assert not any("s3cret" in arg for arg in args)
    assert (env["PGPASSWORD"], env["PGUSER"]) == ("s3cret!", "gradient")
    assert (env["PGHOST"], env["PGPORT"], env["PGDATABASE"]) == ("db.example.com", "5433", "copy")
