"""Checking a backup, then restoring it into the live databases or scratch ones.

:func:`check_backup` reads only the backup folder and the servers' versions:
the manifest, every file's size and sha256, each database's engine, the
PostgreSQL major version, and whether this code knows every migration the backup
has. Nothing is restored until all of it passes.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from django.db import connections
from django.db.migrations.loader import MigrationLoader

from aunoo.backups import folders, postgres, sqlite
from aunoo.backups.manifest import (
    BackupRefused,
    TableStats,
    check_files,
    read_manifest,
)

ENGINES: Final = {"default": "sqlite", "analytics": "postgresql"}
# What `manage.py migrate` writes into empty databases by itself: a target that
# holds rows only there is still empty.
FILLED_BY_MIGRATE: Final = frozenset(
    {"django_migrations", "django_content_type", "auth_permission"}
)


@dataclass(frozen=True)
class CheckedBackup:
    folder: Path
    manifest: dict[str, Any]
    server: postgres.Server
    sqlite_target: Path

    def file(self, alias: str) -> Path:
        return self.folder / str(self.manifest["databases"][alias]["file"])

    def compression(self) -> list[list[str]]:
        found: list[list[str]] = self.manifest["databases"]["analytics"].get(
            "column_compression", []
        )
        return found

    def tables(self, alias: str) -> dict[str, TableStats]:
        tables: dict[str, TableStats] = self.manifest["databases"][alias]["tables"]
        return tables


def check_backup(folder: Path) -> CheckedBackup:
    """The backup in ``folder``, checked against this machine; or refuse."""
    manifest = read_manifest(folder)
    _check_engines(folder, manifest)
    server = postgres.server("analytics")
    _check_postgres_version(folder, manifest, server)
    _check_migrations_known(manifest)
    check_files(folder, manifest)
    postgres.program("pg_restore", server.major)
    postgres.program("psql", server.major)
    return CheckedBackup(
        folder=folder,
        manifest=manifest,
        server=server,
        sqlite_target=Path(connections["default"].settings_dict["NAME"]),
    )


def _check_engines(folder: Path, manifest: dict[str, Any]) -> None:
    for alias, engine in ENGINES.items():
        entry = manifest["databases"].get(alias)
        found = entry.get("engine") if isinstance(entry, dict) else None
        if found != engine:
            raise BackupRefused(
                f"{folder}: its {alias!r} database is {found or 'missing'}, but "
                f"this app's {alias!r} database is {engine}: a backup of another "
                "engine cannot be restored here."
            )
        if connections[alias].vendor != engine:
            raise BackupRefused(
                f"This app's {alias!r} database is {connections[alias].vendor}, "
                f"and the backup holds {engine}: point {alias!r} at {engine}."
            )


def _check_postgres_version(
    folder: Path, manifest: dict[str, Any], server: postgres.Server
) -> None:
    entry = manifest["databases"]["analytics"]
    major = entry.get("major")
    if not isinstance(major, int):
        raise BackupRefused(f"{folder}: the manifest names no PostgreSQL version.")
    if major > server.major:
        raise BackupRefused(
            f"{folder / entry['file']} was made from PostgreSQL {entry.get('version')}"
            f" and this server is PostgreSQL {server.version}: an older server "
            f"cannot load a newer one's dump. Restore it into a PostgreSQL {major} "
            "server (or newer)."
        )


def _check_migrations_known(manifest: dict[str, Any]) -> None:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    for alias in ENGINES:
        applied = manifest["databases"][alias].get("migrations", {})
        unknown = [
            f"{app}.{name}"
            for app, names in applied.items()
            for name in names
            if (app, name) not in known
        ]
        if unknown:
            raise BackupRefused(
                f"The backup's {alias!r} database has migrations this version of "
                f"the app does not know ({', '.join(unknown[:5])}): it was taken by "
                "a newer version. Restore it with that version of the code."
            )


def newer_migrations(checked: CheckedBackup) -> list[str]:
    """Migrations this code has that a database of the backup has not applied.

    Each database records every app's migrations (the router decides only where
    their operations run), so each is compared with its own record.
    """
    disk = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    newer = []
    for alias in ENGINES:
        recorded = checked.manifest["databases"][alias]["migrations"]
        applied = {(app, name) for app, names in recorded.items() for name in names}
        newer += [
            f"{app}.{name} ({alias})"
            for app, name in sorted(disk)
            if (app, name) not in applied
        ]
    return newer


def refuse_if_not_empty(checked: CheckedBackup) -> None:
    """Refuse to restore over databases that hold data."""
    busy = [
        f"SQLite {checked.sqlite_target}: {_listing(found)}"
        for found in [sqlite.tables_with_rows(checked.sqlite_target, FILLED_BY_MIGRATE)]
        if found
    ] + [
        f"PostgreSQL database {checked.server.dbname!r}: {_listing(found)}"
        for found in [postgres.tables_with_rows(checked.server, FILLED_BY_MIGRATE)]
        if found
    ]
    if busy:
        raise BackupRefused(
            "The target databases are not empty; restoring would replace what they "
            f"hold. {'; '.join(busy)}. Pass --force to replace them, or restore "
            "into empty databases.",
            returncode=2,
        )


def _listing(found: dict[str, int]) -> str:
    shown = [f"{table} ({'1000+' if n >= 1000 else n})" for table, n in found.items()]
    more = f" and {len(shown) - 5} more tables" if len(shown) > 5 else ""
    return "rows in " + ", ".join(shown[:5]) + more


def restore_live(
    checked: CheckedBackup,
    log: Callable[[str], None],
    warn: Callable[[str], None],
) -> list[str]:
    """Replace both live databases with the backup; the differences found after."""
    connections.close_all()
    log(f"PostgreSQL database {checked.server.dbname!r} <- {checked.file('analytics')}")
    _restore_postgres(checked, checked.server, warn)
    log(f"SQLite {checked.sqlite_target} <- {checked.file('default')}")
    sqlite.restore_into(checked.file("default"), checked.sqlite_target)
    connections.close_all()
    log("Comparing the restored tables with the manifest")
    return compare(
        checked, postgres.database_stats(checked.server), _live_sqlite_stats(checked)
    )


def _restore_postgres(
    checked: CheckedBackup, target: postgres.Server, warn: Callable[[str], None]
) -> None:
    skipped = postgres.restore(target, checked.file("analytics"), checked.compression())
    for column in skipped:
        warn(
            f"{column}: this server lacks that compression; the column uses the "
            "server's default_toast_compression"
        )


def _live_sqlite_stats(checked: CheckedBackup) -> dict[str, TableStats]:
    return sqlite.table_stats(checked.sqlite_target, live=True)


def verify(
    checked: CheckedBackup,
    log: Callable[[str], None],
    warn: Callable[[str], None],
) -> list[str]:
    """Restore into scratch databases and compare; live data is never touched."""
    with (
        tempfile.TemporaryDirectory(prefix="aunoo-verify-") as scratch_dir,
        postgres.scratch_database(checked.server) as scratch,
    ):
        log(f"PostgreSQL scratch database {scratch.dbname!r}")
        _restore_postgres(checked, scratch, warn)
        scratch_sqlite = Path(scratch_dir) / "default.sqlite3"
        log(f"SQLite scratch file {scratch_sqlite}")
        sqlite.restore_into(checked.file("default"), scratch_sqlite)
        log("Comparing every table with the manifest")
        differences = compare(
            checked,
            postgres.database_stats(scratch),
            sqlite.table_stats(scratch_sqlite, live=True),
        )
    if not differences:
        (checked.folder / folders.VERIFIED_NAME).write_text(
            json.dumps({"verified_at": datetime.now(UTC).isoformat()}) + "\n"
        )
    return differences


def compare(
    checked: CheckedBackup,
    analytics: dict[str, TableStats],
    default: dict[str, TableStats],
) -> list[str]:
    """Every way the restored tables differ from the manifest's."""
    return _compare("analytics", checked.tables("analytics"), analytics) + _compare(
        "default", checked.tables("default"), default
    )


def _compare(
    alias: str, expected: dict[str, TableStats], found: dict[str, TableStats]
) -> list[str]:
    differences = [
        f"{alias}.{table}: missing after the restore"
        for table in sorted(expected.keys() - found.keys())
    ] + [
        f"{alias}.{table}: not in the backup, found after the restore"
        for table in sorted(found.keys() - expected.keys())
    ]
    for table in sorted(expected.keys() & found.keys()):
        want, got = expected[table], found[table]
        if want["rows"] != got["rows"]:
            differences.append(
                f"{alias}.{table}: {got['rows']} rows, the backup had {want['rows']}"
            )
        elif want["checksum"] != got["checksum"]:
            differences.append(
                f"{alias}.{table}: {got['rows']} rows as in the backup, but their "
                "contents differ (checksum)"
            )
    return differences
