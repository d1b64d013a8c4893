"""``manage.py import_legacy_config --source PATH``: the legacy config into SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from config_app.legacy_import import (
    ImportReport,
    LegacySourceError,
    TableReport,
    import_legacy_config,
)

# Skipped keys and notes printed per table at the default verbosity; -v 2 prints all.
SHOWN_PER_TABLE = 10


class Command(BaseCommand):
    help = (
        "Imports the legacy app's users (with their bcrypt hashes), OAuth accounts "
        "and allowlist, keyword groups and keywords (ids kept), keyword monitor "
        "settings, feed groups and subscriptions, and config rows into the default "
        "database. Reads the legacy file read-only; safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source",
            required=True,
            type=Path,
            help="The legacy SQLite file (app/data/fnaapp.db). It is never written.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Do the whole import, print its counts, then roll it back.",
        )

    def handle(self, *, source: Path, dry_run: bool, **options: Any) -> None:
        try:
            # call_command(source="...") skips argparse's type.
            report = import_legacy_config(Path(source), dry_run=dry_run)
        except LegacySourceError as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:
            raise CommandError(
                f"Cannot write the configuration into the default database ({exc}); "
                "nothing was imported. Run `manage.py migrate` first if its tables "
                "are missing."
            ) from exc
        self.print_report(report, verbosity=options["verbosity"])

    def print_report(self, report: ImportReport, *, verbosity: int) -> None:
        if verbosity < 1:
            return
        self.stdout.write(self.style.MIGRATE_HEADING("Legacy configuration import:"))
        self.stdout.write(
            f"  {'table':<26}{'created':>9}{'updated':>9}{'unchanged':>11}"
            f"{'skipped':>9}"
        )
        for table in report.tables:
            self.stdout.write(
                f"  {table.table:<26}{table.created:>9}{table.updated:>9}"
                f"{table.unchanged:>11}{len(table.skipped):>9}"
            )
        for table in report.tables:
            self.print_details(table, verbosity=verbosity)
        if report.absent:
            self.stdout.write(f"Not in this file: {', '.join(report.absent)}.")
        if report.not_imported:
            self.stdout.write(
                f"Legacy tables not imported: {', '.join(report.not_imported)}."
            )
        if report.dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS("Import complete."))

    def print_details(self, table: TableReport, *, verbosity: int) -> None:
        limit = None if verbosity >= 2 else SHOWN_PER_TABLE
        for key, reason in table.skipped[:limit]:
            self.stdout.write(
                self.style.WARNING(f"  {table.table} {key}: skipped, {reason}")
            )
        for note in table.notes[:limit]:
            self.stdout.write(f"  {table.table} {note}")
        hidden = max(0, len(table.skipped) + len(table.notes) - 2 * (limit or 0))
        if limit is not None and hidden:
            self.stdout.write(f"  {table.table}: more lines with -v 2.")
