"""Restore a backup made by ``manage.py backup``; the file itself says which kind it is.

    manage.py restore BACKUP [--target TARGET] [--media] [--force]

A SQLite backup is copied with SQLite's backup API into TARGET, a file path or a
``sqlite:///`` URL (default: the configured database). A target that already holds
tables is refused unless --force.
A PostgreSQL backup goes through ``pg_restore --clean --if-exists --no-owner
--single-transaction`` into TARGET, the ``postgres://`` URL of an existing database
(default: the configured one). The configured (live) database is refused unless --force.
In one transaction, a restore that fails half-way leaves the target as it was.
--media also unpacks BACKUP.media.tar.gz into MEDIA_ROOT; a MEDIA_ROOT that already
holds files is refused unless --force (files of the same name are then overwritten).

Every refusal is checked before anything is written: the backup is read to its end
first (SQLite's integrity check; pg_restore into /dev/null), so a truncated or damaged
file, or one that is not a Gradient backup, ends in a one-line error with the target as
it was. Stop the web server before restoring over the live database.
"""

from __future__ import annotations

import gzip
import os
import re
import sqlite3
import tarfile
import zlib
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from .backup import (
    PG_CUSTOM_MAGIC,
    SQLITE_MAGIC,
    libpq_env,
    media_archive_path,
    media_files,
    run_pg_tool,
    sqlite_check,
    sqlite_read_only,
)

_LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


def backup_kind(path: Path) -> str:
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as e:
        raise CommandError(f"{path} cannot be read: {e.strerror}.") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    raise CommandError(f"{path} is neither a SQLite database nor a pg_dump custom-format archive.")


# A table every Gradient database has: a backup without it is some other database's.
_GRADIENT_TABLE = "tracker_user"


def check_sqlite_backup(path: Path) -> None:
    """Refuse a SQLite file that is cut short, damaged, or not a Gradient database."""
    with path.open("rb") as f:
        header = f.read(100)
    # The header gives the page size and count, to be trusted when its two change
    # counters agree (https://www.sqlite.org/fileformat.html#in_header_database_size).
    # A backup is written whole, with no log beside it: a shorter file lost its end.
    page_size = int.from_bytes(header[16:18], "big") if len(header) == 100 else 0
    expected = (page_size if page_size != 1 else 65536) * int.from_bytes(header[28:32], "big")
    size = path.stat().st_size
    if len(header) < 100 or (header[24:28] == header[92:96] and size < expected):
        raise CommandError(
            f"{path} is truncated: {size:,} bytes of a SQLite database that should have "
            f"{max(expected, 100):,}."
        )
    sqlite_check(path)
    with closing(sqlite_read_only(path)) as db:
        found = db.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
            [_GRADIENT_TABLE],
        ).fetchone()[0]
    if not found:
        raise CommandError(
            f"{path} is a SQLite database but not a Gradient backup: it has no "
            f"{_GRADIENT_TABLE} table."
        )


def check_postgres_backup(path: Path) -> None:
    """Refuse a pg_dump archive that is cut short, damaged, or not of a Gradient database,
    before connecting to any database: pg_restore reads it all into /dev/null."""
    env = dict(os.environ)
    run_pg_tool("pg_restore", [f"--file={os.devnull}", str(path)], env)
    listing = run_pg_tool("pg_restore", ["--list", str(path)], env)
    # Entries read like "215; 1259 16390 TABLE public tracker_user postgres".
    if not re.search(rf"^\d+; \d+ \d+ TABLE \S+ {_GRADIENT_TABLE} ", listing, re.MULTILINE):
        raise CommandError(
            f"{path} is a pg_dump archive but not a Gradient backup: it has no "
            f"{_GRADIENT_TABLE} table."
        )


def sqlite_has_tables(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    try:
        with closing(sqlite3.connect(path)) as db:
            return db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    except sqlite3.DatabaseError:
        return True  # not a database, but not empty either: do not write over it unasked


def _address(db: Mapping[str, Any]) -> tuple[str, str, str]:
    host = str(db.get("HOST") or "")
    # A Unix socket and the loopback names all reach the server on this machine.
    if host in _LOCAL_HOSTS or host.startswith("/"):
        host = "localhost"
    return host, str(db.get("PORT") or 5432), str(db["NAME"])


def check_media_archive(archive: Path, root: Path) -> None:
    """Refuse, before anything is written, an archive that is cut short or damaged, or
    that would write outside `root`."""
    try:
        # To the end of the stream, where gzip checks the length and checksum.
        with gzip.open(archive) as stream:
            while stream.read(1 << 20):
                pass
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar.getmembers():
                # The "data" filter refuses absolute paths, "..", links leading out, devices.
                tarfile.data_filter(member, str(root))
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise CommandError(f"--media: {archive} cannot be restored: {e}") from None


def unpack_media(archive: Path, root: Path) -> int:
    """Unpack a media archive into `root`; returns how many files it held."""
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(root, filter="data")
        return sum(1 for member in tar.getmembers() if member.isfile())


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into TARGET (default: the configured "
        "database); with --media also PATH.media.tar.gz into MEDIA_ROOT."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help="a file written by `manage.py backup`")
        parser.add_argument(
            "--target",
            help="SQLite backup: a file path; PostgreSQL backup: the postgres:// URL of an "
            "existing database. Default: the configured database (needs --force).",
        )
        parser.add_argument(
            "--media",
            action="store_true",
            help="also unpack BACKUP.media.tar.gz into MEDIA_ROOT",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="write over a SQLite target that has tables, the live PostgreSQL database, "
            "or a MEDIA_ROOT that has files",
        )

    def handle(
        self,
        *args: object,
        backup: Path,
        target: str | None,
        media: bool,
        force: bool,
        **options: object,
    ) -> None:
        backup = backup.expanduser().resolve()
        if not backup.exists():
            raise CommandError(f"{backup} does not exist.")
        if not backup.is_file():
            raise CommandError(f"{backup} is not a file.")
        kind = backup_kind(backup)
        if kind == "sqlite":
            check_sqlite_backup(backup)
        else:
            check_postgres_backup(backup)
        archive = media_archive_path(backup)
        media_root = Path(settings.MEDIA_ROOT)
        if media:
            if not archive.is_file():
                raise CommandError(f"--media: {archive} does not exist.")
            if media_files(media_root) and not force:
                raise CommandError(
                    f"{media_root} already holds files. Restore into an empty MEDIA_ROOT, "
                    "or add --force to write over files of the same name."
                )
            check_media_archive(archive, media_root)
        if kind == "sqlite":
            path = self._sqlite_target(target)
            if sqlite_has_tables(path) and not force:
                raise CommandError(
                    f"{path} already holds tables. Restore into a new file, or add --force "
                    "to replace its contents (stop the web server first)."
                )
            self._restore_sqlite(backup, path)
            self.stdout.write(f"SQLite backup {backup} restored into {path}.")
        else:
            db = self._postgres_target(target)
            if _address(db) == _address(connection.settings_dict) and not force:
                raise CommandError(
                    f"The target is the live database {db['NAME']!r}. Restore into another "
                    "database, or add --force to replace it (stop the web server first)."
                )
            connection.close()  # hold no connection to a database about to be rebuilt
            run_pg_tool(
                "pg_restore",
                [
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--no-password",
                    f"--dbname={db['NAME']}",
                    str(backup),
                ],
                libpq_env(db),
            )
            self.stdout.write(f"PostgreSQL backup {backup} restored into {db['NAME']!r}.")
        if media:
            count = unpack_media(archive, media_root)
            self.stdout.write(f"Media: {count} files from {archive} restored into {media_root}.")

    def _sqlite_target(self, target: str | None) -> Path:
        if target is None:
            if connection.vendor != "sqlite":
                raise CommandError("This is a SQLite backup: give --target, a file path.")
            name = str(connection.settings_dict["NAME"])
        elif target.startswith("sqlite:"):
            name = str(dj_database_url.parse(target)["NAME"])
        elif "://" in target:
            raise CommandError("This is a SQLite backup: it restores into a SQLite file.")
        else:
            name = target
        if name == ":memory:" or "mode=memory" in name:
            raise CommandError("Cannot restore into an in-memory database.")
        return Path(name).expanduser().resolve()

    def _restore_sqlite(self, backup: Path, target: Path) -> None:
        if not target.parent.is_dir():
            raise CommandError(f"The folder {target.parent} does not exist.")
        connection.close()
        existed = target.exists()
        # Through the backup API, not a file copy: the target may be in WAL mode with a
        # log beside it, and open connections must see the new contents, not a torn file.
        # The copy is one transaction on the target: a failure leaves it as it was.
        try:
            with (
                closing(sqlite_read_only(backup)) as source,
                closing(sqlite3.connect(target, timeout=20)) as dest,
            ):
                source.backup(dest)
        except sqlite3.Error as e:  # locked, a full disk, a target that is not SQLite
            if not existed and target.is_file() and target.stat().st_size == 0:
                target.unlink()  # the empty file connecting made
            raise CommandError(f"{target} could not be written: SQLite says {e}.") from None
        sqlite_check(target)

    def _postgres_target(self, target: str | None) -> Mapping[str, Any]:
        if target is None:
            if connection.vendor != "postgresql":
                raise CommandError(
                    "This is a PostgreSQL backup: give --target, the postgres:// URL of an "
                    "existing database."
                )
            return connection.settings_dict
        if not target.startswith(("postgres://", "postgresql://")):
            raise CommandError("This is a PostgreSQL backup: --target must be a postgres:// URL.")
        return dj_database_url.parse(target)
