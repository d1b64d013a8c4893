"""``manage.py rollback_articles --target PATH``: PostgreSQL back into a legacy file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from legacy.convert import to_timestamp
from legacy.rollback import (
    RollbackError,
    RollbackReport,
    TableRollback,
    rollback_articles,
)
from legacy.source import LOCK_TIMEOUT

# Failed rows listed per table at the default verbosity; -v 2 lists all.
SHOWN_FAILURES = 10


def parse_since(text: str) -> datetime:
    """A moment in any date shape the migration reads; naive means UTC."""
    value, _ = to_timestamp(text)
    if value is None:
        raise CommandError(
            f"--since {text!r} is not a date: use e.g. '2025-10-07 09:00:00' (UTC) "
            "or '2025-10-07T09:00:00+02:00'.",
            returncode=2,
        )
    return value


class Command(BaseCommand):
    help = (
        "Writes the analytics rows from PostgreSQL back into a legacy-format SQLite "
        "file (legacy names, dates as YYYY-MM-DD HH:MM:SS UTC, booleans 0/1, "
        "INSERT OR REPLACE), after an online backup of that file. Rows in the file "
        "that PostgreSQL lacks are kept. --since selects rows whose dates "
        "(submission, detection, creation or update) are at or after the moment."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--target",
            required=True,
            type=Path,
            help="The legacy SQLite file to write; created with the 2025-10 schema "
            "when it does not exist.",
        )
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument(
            "--since",
            type=str,
            help="Only rows new or dated at or after this moment (UTC when naive).",
        )
        scope.add_argument("--all", action="store_true", help="Every row.")
        parser.add_argument(
            "--no-backup",
            action="store_false",
            dest="backup",
            help="Do not copy the target to TARGET.bak-<timestamp> first.",
        )
        parser.add_argument(
            "--lock-timeout",
            type=float,
            default=LOCK_TIMEOUT,
            metavar="SECONDS",
            help="How long to wait for a program (the legacy app) that holds a lock "
            f"on the target before giving up (default {LOCK_TIMEOUT:g}).",
        )

    def handle(
        self,
        *,
        target: Path,
        since: str | None,
        backup: bool,
        lock_timeout: float,
        **options: Any,
    ) -> None:
        moment = None if since is None else parse_since(since)
        if not 0 <= lock_timeout < float("inf"):
            raise CommandError(
                f"--lock-timeout must be 0 or more seconds, not {lock_timeout:g}.",
                returncode=2,
            )
        verbosity: int = options["verbosity"]
        try:
            report = rollback_articles(
                Path(target),  # call_command(target="...") skips argparse's type
                since=moment,
                backup=backup,
                lock_timeout=lock_timeout,
                on_table=lambda table: self.print_table(table, verbosity),
                on_backup=self.print_backup,
            )
        except RollbackError as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from exc
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc), returncode=2) from exc
        except psycopg.OperationalError as exc:
            raise CommandError(
                f"Cannot read the analytics database ({exc}); the target file was not "
                "changed. Start PostgreSQL or fix the analytics settings and re-run."
            ) from exc
        self.print_summary(report, verbosity)

    def print_backup(self, backup: Path) -> None:
        self.stdout.write(f"Backup of the target taken before writing: {backup}")

    def print_table(self, table: TableRollback, verbosity: int) -> None:
        if verbosity < 1:
            return
        if table.missing_in_target:
            self.stdout.write(
                self.style.WARNING(f"  {table.table}: not in the target file, skipped")
            )
            return
        line = f"  {table.table}: {table.written} rows written"
        if table.restored_unparsed or table.restored_unmapped:
            line += (
                f", {table.restored_unparsed} original values and "
                f"{table.restored_unmapped} unmapped values restored"
            )
        self.stdout.write(line)
        if table.columns_not_in_target:
            names = ", ".join(table.columns_not_in_target)
            self.stdout.write(f"    columns the target lacks, not written: {names}")
        limit = None if verbosity >= 2 else SHOWN_FAILURES
        for key, reason in table.failed[:limit]:
            self.stdout.write(self.style.ERROR(f"    {key}: not written, {reason}"))

    def print_summary(self, report: RollbackReport, verbosity: int) -> None:
        if report.created:
            self.stdout.write(
                f"Created {report.target} with the legacy 2025-10 schema."
            )
        failed = sum(len(table.failed) for table in report.tables)
        written = sum(table.written for table in report.tables)
        if failed:
            raise CommandError(
                f"{failed} rows could not be written to {report.target} (listed "
                f"above); {written} were. Restore the backup or fix those rows.",
                returncode=1,
            )
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(f"Rollback complete: {written} rows written.")
            )
