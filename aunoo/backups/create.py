"""Taking one consistent backup of both databases while the app is writing.

PostgreSQL's state is fixed first, by exporting the snapshot of a read-only
repeatable-read transaction; SQLite's online backup runs right after it, and
``pg_dump --snapshot`` then dumps exactly that PostgreSQL state however long it
takes. The app writes a user (SQLite) before the notes that name it
(PostgreSQL), so with this order every row the PostgreSQL side of a backup
refers to is in its SQLite side. Row counts, checksums and the migration state of
PostgreSQL are read inside the same snapshot, while pg_dump runs.
"""

from __future__ import annotations

import platform
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import django
from django.db import connections

from aunoo.backups import folders, postgres, sqlite
from aunoo.backups.manifest import FORMAT, describe_files, write_manifest

SQLITE_FILE: Final = "default.sqlite3"
POSTGRES_FILE: Final = "analytics.dump"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    removed: list[Path]


def create_backup(
    backup_dir: Path, *, keep: int | None, log: Callable[[str], None]
) -> BackupResult:
    """Back both databases up into a new dated folder of ``backup_dir``."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    with folders.exclusive(backup_dir):
        partial, final = folders.new_folder(backup_dir, datetime.now(UTC))
        try:
            manifest = _take(partial, log)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        folders.complete(partial, final)
        removed = folders.prune(backup_dir, keep) if keep is not None else []
    return BackupResult(path=final, manifest=manifest, removed=removed)


def _take(folder: Path, log: Callable[[str], None]) -> dict[str, Any]:
    db = postgres.server("analytics")
    pg_dump = postgres.program("pg_dump", db.major)
    live_sqlite = Path(connections["default"].settings_dict["NAME"])
    with postgres.snapshot(db) as (conn, snapshot_id):
        taken_at = datetime.now(UTC)
        log(f"SQLite {live_sqlite} -> {SQLITE_FILE} (online backup)")
        sqlite.copy_live(live_sqlite, folder / SQLITE_FILE)
        log(f"PostgreSQL {db.version} -> {POSTGRES_FILE} ({pg_dump})")
        dump = postgres.start_dump(db, snapshot_id, folder / POSTGRES_FILE)
        try:
            pg_migrations = postgres.applied_migrations(conn)
            compression = postgres.column_compression(conn)
            pg_tables = postgres.table_stats(conn)
        except BaseException:
            dump.process.kill()
            dump.process.wait()
            raise
        dump.finish()
    log("Counting and checksumming the SQLite copy")
    analytics = {
        "engine": "postgresql",
        "version": db.version,
        "major": db.major,
        "file": POSTGRES_FILE,
        "dump_format": "custom",
        "column_compression": compression,
        "migrations": pg_migrations,
        "tables": pg_tables,
    }
    default = {
        "engine": "sqlite",
        "version": sqlite.version(),
        "file": SQLITE_FILE,
        "migrations": sqlite.applied_migrations(folder / SQLITE_FILE),
        "tables": sqlite.table_stats(folder / SQLITE_FILE),
    }
    log("Hashing the files")
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": taken_at.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "host": socket.gethostname(),
        "versions": _versions(db, pg_dump),
        "databases": {"default": default, "analytics": analytics},
        "files": describe_files(folder, [SQLITE_FILE, POSTGRES_FILE]),
    }
    write_manifest(folder, manifest)
    return manifest


def _versions(db: postgres.Server, pg_dump: Path) -> dict[str, str]:
    dump_version = postgres.program_version(str(pg_dump)) or (db.major, 0)
    return {
        "django": django.get_version(),
        "python": platform.python_version(),
        "sqlite": sqlite.version(),
        "postgresql": db.version,
        "pg_dump": ".".join(map(str, dump_version)),
    }
