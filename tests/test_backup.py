"""`manage.py backup` and `manage.py restore`, on whichever database the suite runs on:
a backup restored into a fresh database holds every row of every table, and the media
archive brings uploaded images back byte for byte.

The data must be committed (transaction=True): the backup reads it from another
connection (SQLite) or another process (pg_dump)."""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from PIL import Image

from tests.helpers import make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
]  # sqlite3, pg_dump and pg_restore in subprocesses


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
    assert source["tracker_progressevent"] > 50  # the demo history, so there is data to lose
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
        listing = "215; 1259 16390 TABLE public tracker_user gradient\n"
        return subprocess.CompletedProcess(args, 0, listing if "--list" in args else "", "")

    monkeypatch.setattr("tracker.management.commands.backup.subprocess.run", fake_run)
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")

    run("restore", str(backup), target="postgres://gradient:s3cret%21@db.example.com:5433/copy")

    # The archive is read through and listed first, connecting to nothing.
    (read, read_env), (listed, list_env), (args, env) = calls
    assert read == ["/usr/bin/pg_restore", f"--file={os.devnull}", str(backup)]
    assert listed == ["/usr/bin/pg_restore", "--list", str(backup)]
    assert "s3cret!" not in read_env.values() and "s3cret!" not in list_env.values()
    assert args == [
        "/usr/bin/pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
        "--no-password", "--dbname=copy", str(backup),
    ]  # fmt: skip
    assert not any("s3cret" in arg for arg in args)
    assert (env["PGPASSWORD"], env["PGUSER"]) == ("s3cret!", "gradient")
    assert (env["PGHOST"], env["PGPORT"], env["PGDATABASE"]) == ("db.example.com", "5433", "copy")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own backup path")
def test_a_backup_that_cannot_be_written_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: object, **kwargs: object) -> sqlite3.Connection:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(
        "tracker.management.commands.backup.sqlite3",
        SimpleNamespace(connect=full_disk, Error=sqlite3.Error),
    )
    backup = tmp_path / "gradient.sqlite3"
    with pytest.raises(CommandError, match="^The backup could not be written: .* full.$"):
        run("backup", str(backup))
    assert list(tmp_path.iterdir()) == []  # not even the partial file


# -- what is not a whole backup: a one-line error, and the target as it was ------------------


def refused(*args: str, match: str, **options: object) -> str:
    """Run restore, which must refuse with a one-line CommandError matching `match`."""
    with pytest.raises(CommandError, match=match) as refusal:
        run("restore", *args, **options)
    message = str(refusal.value)
    assert "\n" not in message, message
    return message


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def sqlite_backup(tmp_path: Path) -> Path:
    """A SQLite backup of a Gradient database with a few users: made by `backup` when the
    suite runs on SQLite; on PostgreSQL, a file of the same shape made by hand."""
    path = tmp_path / "gradient.sqlite3"
    if connection.vendor == "sqlite":
        for i in range(50):
            make_user(f"learner{i}", bio="x" * 2000)
        run("backup", str(path))
        return path
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE tracker_user (id integer PRIMARY KEY, bio text)")
        db.executemany("INSERT INTO tracker_user (bio) VALUES (?)", [("x" * 2000,)] * 50)
        db.commit()
    return path


def cut(path: Path, size: int) -> None:
    path.write_bytes(path.read_bytes()[:size])


DAMAGE = {
    "cut in half": lambda path: cut(path, path.stat().st_size // 2),
    "cut inside its header": lambda path: cut(path, 60),
    "cut to the last page": lambda path: cut(path, path.stat().st_size - 4096),
    # The first page holds the schema: SQLite cannot read the file at all.
    "its schema overwritten": lambda path: path.write_bytes(
        path.read_bytes()[:100] + b"\xff" * 3996 + path.read_bytes()[4096:]
    ),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_restore_refuses_a_damaged_sqlite_backup(
    tmp_path: Path, sqlite_backup: Path, damage: str
) -> None:
    target = tmp_path / "restored.sqlite3"
    run("restore", str(sqlite_backup), target=str(target))
    before = digest(target)
    DAMAGE[damage](sqlite_backup)

    refused(str(sqlite_backup), target=str(target), force=True, match="truncated|damaged")
    assert digest(target) == before
    fresh = tmp_path / "never-made.sqlite3"
    refused(str(sqlite_backup), target=str(fresh), match="truncated|damaged")
    assert not fresh.exists()


def test_a_refused_restore_prints_one_line_and_exits_1(tmp_path: Path, sqlite_backup: Path) -> None:
    cut(sqlite_backup, sqlite_backup.stat().st_size // 2)
    target = tmp_path / "restored.sqlite3"

    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(sqlite_backup), "--target", str(target)],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr.startswith(f"CommandError: {sqlite_backup} is truncated: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert not target.exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a pg_dump archive needs PostgreSQL to make"
)
@pytest.mark.parametrize("keep", [0.5, 0.95], ids=["cut in half", "cut near its end"])
def test_restore_refuses_a_truncated_postgresql_backup(
    tmp_path: Path, fresh_database: FreshDatabase, keep: float
) -> None:
    make_user("alice")
    backup = tmp_path / "gradient.dump"
    run("backup", str(backup))
    run("restore", str(backup), target=fresh_database.url)
    tables = list(row_counts())
    before = fresh_database.row_counts(tables)
    make_user("bob")
    run("backup", str(backup), force=True)
    cut(backup, int(backup.stat().st_size * keep))

    refused(str(backup), target=fresh_database.url, match="pg_restore failed .*end of file")

    assert fresh_database.row_counts(tables) == before


def not_gradients_sqlite(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE notes (body text)")
        db.commit()


NOT_BACKUPS: dict[str, tuple[Callable[[Path], object], str]] = {
    "a text file": (lambda p: p.write_text("name,status\n"), "neither a SQLite database"),
    "an empty file": (lambda p: p.write_bytes(b""), "neither a SQLite database"),
    "a folder": (lambda p: p.mkdir(), "is not a file"),
    "nothing at all": (lambda p: None, "does not exist"),
    "another program's SQLite database": (not_gradients_sqlite, "not a Gradient backup"),
    "junk behind pg_dump's signature": (
        lambda p: p.write_bytes(b"PGDMP" + b"junk" * 100),
        "pg_restore failed .*file header",
    ),
}


@pytest.mark.parametrize("what", NOT_BACKUPS)
def test_restore_refuses_what_is_not_a_backup(tmp_path: Path, what: str) -> None:
    make, match = NOT_BACKUPS[what]
    path = tmp_path / "gradient.backup"
    make(path)
    target = tmp_path / "restored.sqlite3"
    refused(str(path), target=str(target), match=match)
    assert not target.exists()


def test_restoring_media_refuses_a_truncated_archive(
    tmp_path: Path, media_root: Path, fresh_database: FreshDatabase
) -> None:
    (media_root / "projects").mkdir(parents=True)
    (media_root / "projects" / "chart.png").write_bytes(os.urandom(200_000))
    backup = tmp_path / "gradient.backup"
    run("backup", str(backup), media=True)
    archive = tmp_path / "gradient.backup.media.tar.gz"
    cut(archive, archive.stat().st_size - 10)  # all but the checksum at its end
    for child in (media_root / "projects").iterdir():
        child.unlink()

    refused(str(backup), target=fresh_database.url, media=True, match="cannot be restored")

    assert fresh_database.is_empty()
    assert not any((media_root / "projects").iterdir())
