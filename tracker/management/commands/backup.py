"""Back up the database, and with --media the uploaded files, while the site keeps running.

    manage.py backup /var/backups/gradient/2026-11-21.sqlite3 --media     (SQLite)
    manage.py backup /var/backups/gradient/2026-11-21.dump --media        (PostgreSQL)

SQLite: a copy through SQLite's online backup API, one consistent snapshot taken beside
running requests. Copying the file instead could catch a write half-way and would miss
what still sits in the write-ahead log.
PostgreSQL: ``pg_dump --format=custom`` of the database, also one consistent snapshot.
--media: also ``<path>.media.tar.gz``, the files under MEDIA_ROOT, archived after the
database, so every image a backed-up row names is in the archive (uploads write the file
before the row).

``manage.py restore`` reverses both; the helpers both commands share live here.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
# libpq reads these from the environment; OPTIONS keys of the same meaning map onto them.
_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


def media_archive_path(dump: Path) -> Path:
    """Where the media archive of a database backup goes: beside it, same name + suffix."""
    return dump.with_name(dump.name + ".media.tar.gz")


def libpq_env(db: Mapping[str, Any]) -> dict[str, str]:
    """The environment for pg_dump/pg_restore to reach the database `db` describes.

    The password goes in PGPASSWORD, never on the command line, where every user of the
    machine could read it in the process list.
    """
    env = {**os.environ, "PGDATABASE": str(db["NAME"])}
    for key, var in [("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")]:
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    for option, var in _LIBPQ_OPTIONS.items():
        if option in (db.get("OPTIONS") or {}):
            env[var] = str(db["OPTIONS"][option])
    return env


def run_pg_tool(name: str, args: list[str], env: dict[str, str]) -> str:
    """Run pg_dump or pg_restore and return what it printed; on failure, a one-line
    CommandError with the tool's first error."""
    executable = shutil.which(name)
    if executable is None:
        raise CommandError(
            f"{name} is not installed. Install the PostgreSQL client of the server's major "
            "version or newer (Debian: apt-get install postgresql-client)."
        )
    result = subprocess.run(
        [executable, *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        said = next((line for line in lines if "error:" in line), lines[0] if lines else "")
        raise CommandError(f"{name} failed (exit {result.returncode}): {said or 'no message'}")
    return result.stdout


@contextmanager
def writing(path: Path, *, force: bool) -> Iterator[Path]:
    """A temporary file beside `path` that becomes `path` only once it is complete,
    so an interrupted backup never leaves a truncated file under the real name."""
    if path.exists() and not force:
        raise CommandError(f"{path} already exists. Choose another name, or add --force.")
    if not path.parent.is_dir():
        raise CommandError(f"The folder {path.parent} does not exist.")
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    # Readable by the owner only: a backup holds password hashes and live sessions.
    os.close(os.open(partial, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600))
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def sqlite_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change the file, not even by rolling back a journal."""
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)


def sqlite_check(path: Path) -> None:
    """Refuse, in one line, a SQLite file that SQLite finds damaged or cannot read."""
    try:
        with closing(sqlite_read_only(path)) as db:
            result = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise CommandError(f"{path} is damaged: SQLite says {e}.") from None
    if result != "ok":
        first = str(result).splitlines()[0]
        raise CommandError(f"{path} failed SQLite's integrity check: {first}")


def media_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def _regular_files_and_folders(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
    # Links and devices have no place among uploads; leave them out of the archive.
    return member if member.isfile() or member.isdir() else None


def archive_media(root: Path, archive: Path) -> int:
    """Write the files under `root` to a gzipped tar, paths relative to `root`."""
    with tarfile.open(archive, "w:gz") as tar:
        if root.is_dir():
            for child in sorted(root.iterdir()):
                tar.add(child, arcname=child.name, filter=_regular_files_and_folders)
        return sum(1 for member in tar.getmembers() if member.isfile())


class Command(BaseCommand):
    help = (
        "Back up the database while the site runs (SQLite: online backup API; PostgreSQL: "
        "pg_dump --format=custom) to PATH; with --media also MEDIA_ROOT to PATH.media.tar.gz."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the backup file to write")
        parser.add_argument(
            "--media",
            action="store_true",
            help="also archive the uploaded files (MEDIA_ROOT) to PATH.media.tar.gz",
        )
        parser.add_argument(
            "--force", action="store_true", help="overwrite PATH (and its archive) if present"
        )

    def handle(
        self, *args: object, path: Path, media: bool, force: bool, **options: object
    ) -> None:
        path = path.expanduser().resolve()
        archive = media_archive_path(path)
        if media and archive.exists() and not force:
            raise CommandError(f"{archive} already exists. Choose another name, or add --force.")
        with writing(path, force=force) as partial:
            if connection.vendor == "sqlite":
                self._backup_sqlite(partial)
            elif connection.vendor == "postgresql":
                self._backup_postgresql(partial)
            else:
                raise CommandError(f"Backups of {connection.vendor} databases are not supported.")
        size = path.stat().st_size
        self.stdout.write(f"Database ({connection.vendor}) backed up to {path} ({size:,} bytes).")
        if media:
            root = Path(settings.MEDIA_ROOT)
            with writing(archive, force=force) as partial:
                count = archive_media(root, partial)
            self.stdout.write(f"Media: {count} files from {root} archived to {archive}.")

    def _backup_sqlite(self, target: Path) -> None:
        connection.ensure_connection()
        # Django's own connection is the source: that also covers an in-memory database.
        source: sqlite3.Connection = connection.connection
        try:
            with closing(sqlite3.connect(target)) as copy:
                source.backup(copy)  # all pages in one step: a single consistent snapshot
                # One self-contained file, with no write-ahead log beside it.
                copy.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.Error as e:  # a full disk, a locked database
            raise CommandError(f"The backup could not be written: SQLite says {e}.") from None
        sqlite_check(target)

    def _backup_postgresql(self, target: Path) -> None:
        env = libpq_env(connection.settings_dict)
        run_pg_tool("pg_dump", ["--format=custom", "--no-password", f"--file={target}"], env)
