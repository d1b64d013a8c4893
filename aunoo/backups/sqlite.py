"""SQLite's side of a backup: the online backup API, both ways, and row checksums.

SQLite's backup API copies a live database page by page; done in one step it
reads one consistent state while the app goes on writing (WAL readers never
block writers), and restoring through it replaces the target's pages in one
transaction, ``-wal`` included, where copying files over a live database would not.
"""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Final

from aunoo.backups.manifest import BackupRefused, TableStats

_TABLES: Final = (
    "SELECT name FROM sqlite_schema WHERE type = 'table' "
    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_only(path: Path) -> sqlite3.Connection:
    # A backup file never changes: immutable reads it without creating -shm/-wal.
    return sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)


def _live_read_only(path: Path) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=20)


def copy_live(source: Path, target: Path) -> None:
    """One consistent copy of the live database ``source`` into the new ``target``."""
    if not source.is_file():
        raise BackupRefused(
            f"The SQLite database {source} does not exist: run `manage.py migrate` "
            "first, or fix SQLITE_DB_PATH."
        )
    try:
        with (
            closing(_live_read_only(source)) as live,
            closing(sqlite3.connect(target)) as copy,
        ):
            live.backup(copy)  # all pages in one step: one read transaction
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    except sqlite3.Error as exc:
        raise BackupRefused(f"The SQLite backup of {source} failed: {exc}.") from exc


def restore_into(backup: Path, target: Path) -> None:
    """Replace the database ``target`` (created if missing) with ``backup``."""
    try:
        with (
            closing(_read_only(backup)) as source,
            closing(sqlite3.connect(target, timeout=20)) as live,
        ):
            source.backup(live)
    except sqlite3.Error as exc:
        raise BackupRefused(
            f"Restoring {backup.name} into {target} failed: {exc}. Stop the app "
            "(it may hold the database) and try again."
        ) from exc


def table_stats(path: Path, *, live: bool = False) -> dict[str, TableStats]:
    """Rows and a checksum of every row, per table.

    Each row's md5 gives 64 bits; their sum does not depend on row order.
    ``live``: a database in use, read through its ``-wal`` too.
    """
    stats: dict[str, TableStats] = {}
    opened = _live_read_only(path) if live else _read_only(path)
    with closing(opened) as conn:
        for (table,) in conn.execute(_TABLES).fetchall():
            rows = total = 0
            for row in conn.execute(f"SELECT * FROM {_quoted(table)}"):
                rows += 1
                total += int.from_bytes(hashlib.md5(repr(row).encode()).digest()[:8])
            stats[table] = {"rows": rows, "checksum": str(total)}
    return stats


def applied_migrations(path: Path) -> dict[str, list[str]]:
    """Django's record of applied migrations, per app (empty if none yet)."""
    applied: dict[str, list[str]] = {}
    with closing(_read_only(path)) as conn:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_schema WHERE name = 'django_migrations'"
        ).fetchone()
        if not exists:
            return {}
        for app, name in conn.execute(
            "SELECT app, name FROM django_migrations ORDER BY app, id"
        ):
            applied.setdefault(app, []).append(name)
    return applied


def tables_with_rows(path: Path, ignore: frozenset[str]) -> dict[str, int]:
    """Tables of the live database holding rows (a count of up to 1,000 each)."""
    if not path.exists() or path.stat().st_size == 0:
        return {}
    found: dict[str, int] = {}
    with closing(_live_read_only(path)) as conn:
        for (table,) in conn.execute(_TABLES).fetchall():
            if table in ignore:
                continue
            (count,) = conn.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {_quoted(table)} LIMIT 1000)"
            ).fetchone()
            if count:
                found[table] = int(count)
    return found


def version() -> str:
    return sqlite3.sqlite_version
