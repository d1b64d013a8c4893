"""``manage.py backup``: one consistent backup of both databases."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from aunoo.backups.create import create_backup
from aunoo.backups.manifest import BackupRefused


def positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of 1 or more, not {raw!r}"
        )
    return value


class Command(BaseCommand):
    help = (
        "Back up both databases, consistently and while the app runs, into a new "
        "dated folder of BACKUP_DIR: SQLite through its online backup API, "
        "PostgreSQL with pg_dump of the server's major version, and a manifest "
        "(versions, migration state, row counts and checksums, sha256 of every file)."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--keep",
            type=positive_int,
            metavar="N",
            help="After the backup, delete all but the newest N backups.",
        )

    def handle(self, *, keep: int | None, verbosity: int, **options: Any) -> None:
        def log(line: str) -> None:
            if verbosity >= 2:
                self.stdout.write(f"  {line}")

        try:
            result = create_backup(Path(settings.BACKUP_DIR), keep=keep, log=log)
        except BackupRefused as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from exc
        if verbosity >= 1:
            self._report(result.path, result.manifest)
            for path in result.removed:
                self.stdout.write(f"Removed {path} (--keep {keep})")

    def _report(self, path: Path, manifest: dict[str, Any]) -> None:
        for alias, entry in manifest["databases"].items():
            rows = sum(table["rows"] for table in entry["tables"].values())
            size = manifest["files"][entry["file"]]["bytes"]
            self.stdout.write(
                f"{alias}: {entry['engine']} {entry['version']}, "
                f"{len(entry['tables'])} tables, {rows:,} rows -> {entry['file']} "
                f"({size:,} bytes)"
            )
        self.stdout.write(self.style.SUCCESS(f"Backup complete: {path}"))
