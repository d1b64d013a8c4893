"""``manage.py import_legacy_config --source PATH``: legacy configuration -> SQLite."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from legacy.config import import_config
from legacy.config_report import ConfigReport, ConfigTableReport
from legacy.config_verify import ConfigValidation, validate_config
from legacy.source import LOCK_TIMEOUT, LegacySource, SourceError

# Rejects and conversion lines printed per table at the default verbosity.
SHOWN_PER_TABLE = 10


class Command(BaseCommand):
    help = (
        "Imports every configuration table of a legacy SQLite file (opened "
        "read-only) into the default database: users with their bcrypt hashes, "
        "OAuth accounts, keyword groups and keywords and feed groups with their "
        "ids, settings, prompts, profiles, scenarios and the legacy app's own "
        "records. Rows that cannot land are rejected with the fix; safe to re-run. "
        "--validate checks an import against the file instead."
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
        parser.add_argument(
            "--validate",
            action="store_true",
            help="Import nothing: check that every row of the file is here with "
            "its converted values, or recorded as rejected. Exits 1 on a difference.",
        )
        parser.add_argument(
            "--strict", action="store_true", help="Exit 1 if any row was rejected."
        )
        parser.add_argument(
            "--lock-timeout",
            type=float,
            default=LOCK_TIMEOUT,
            metavar="SECONDS",
            help="How long to wait for a lock the legacy app holds on the file "
            f"before giving up (default {LOCK_TIMEOUT:g}).",
        )

    def handle(
        self,
        *,
        source: Path,
        dry_run: bool,
        validate: bool,
        strict: bool,
        lock_timeout: float,
        **options: Any,
    ) -> None:
        if dry_run and validate:
            raise CommandError(
                "--dry-run and --validate exclude each other.", returncode=2
            )
        if not 0 <= lock_timeout < float("inf"):
            raise CommandError(
                f"--lock-timeout must be 0 or more seconds, not {lock_timeout:g}.",
                returncode=2,
            )
        verbosity = int(options["verbosity"])
        try:
            # call_command(source="...") skips argparse's type.
            with LegacySource(Path(source), lock_timeout=lock_timeout) as legacy:
                if validate:
                    self.validate(legacy, verbosity)
                    return
                report = import_config(legacy, dry_run=dry_run)
        except SourceError as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from exc
        except DatabaseError as exc:
            raise CommandError(
                f"Cannot write the configuration into the default database ({exc}); "
                "nothing was imported. Run `manage.py migrate` first if its tables "
                "are missing."
            ) from exc
        self.print_report(report, verbosity=verbosity)
        if strict and report.rejected:
            self.stderr.write(
                self.style.ERROR(
                    f"{report.rejected:,} rows were rejected (listed above, and in "
                    "legacy_config_rejects); --strict makes that a failure."
                )
            )
            sys.exit(1)

    def validate(self, legacy: LegacySource, verbosity: int) -> None:
        result = validate_config(legacy)
        if verbosity >= 1:
            self.print_validation(result, verbosity)
        if not result.ok:
            self.stderr.write(
                self.style.ERROR(
                    f"{len(result.problems):,} differences between the legacy file "
                    "and the default database (listed above). Run import_legacy_config "
                    "again to bring the file's values, or look at what changed here."
                )
            )
            sys.exit(1)

    # --- output ------------------------------------------------------------------

    def print_report(self, report: ConfigReport, *, verbosity: int) -> None:
        if verbosity < 1:
            return
        self.stdout.write(self.style.MIGRATE_HEADING("Legacy configuration import:"))
        self.stdout.write(
            f"  {'table':<26}{'source':>8}{'created':>9}{'updated':>9}"
            f"{'unchanged':>11}{'rejected':>10}  into"
        )
        for table in report.tables:
            self.stdout.write(
                f"  {table.table:<26}{table.source:>8,}{table.created:>9,}"
                f"{table.updated:>9,}{table.unchanged:>11,}{table.rejected:>10,}"
                f"  {table.target}"
            )
        for table in report.tables:
            self.print_details(table, verbosity=verbosity)
        self.print_other_tables(report)
        if report.dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    "Import complete. Check it with `manage.py import_legacy_config "
                    f"--source {report.source_path} --validate`."
                )
            )

    def print_details(self, table: ConfigTableReport, *, verbosity: int) -> None:
        limit = None if verbosity >= 2 else SHOWN_PER_TABLE
        for reject in table.rejects[:limit]:
            self.stdout.write(self.style.WARNING(f"  {reject.message}"))
        for line in [*table.samples, *table.notes][:limit]:
            self.stdout.write(f"  {line}")
        if table.unmapped:
            self.stdout.write(
                f"  {table.table}: columns kept in legacy_extra.unmapped: "
                f"{', '.join(table.unmapped)}"
            )
        if verbosity >= 2 and table.missing:
            missing = ", ".join(table.missing)
            self.stdout.write(f"  {table.table}: not in this file, defaults: {missing}")
        shown = len(table.rejects[:limit]) + len([*table.samples, *table.notes][:limit])
        hidden = len(table.rejects) + len(table.samples) + len(table.notes) - shown
        if hidden > 0:
            self.stdout.write(f"  {table.table}: {hidden} more lines with -v 2.")

    def print_other_tables(self, report: ConfigReport) -> None:
        if report.missing:
            self.stdout.write(
                f"Configuration tables not in this file: {', '.join(report.missing)}."
            )
        if report.analytics:
            self.stdout.write(
                "Not configuration, moved by migrate_articles: "
                f"{', '.join(report.analytics)}."
            )
        if report.unknown:
            self.stdout.write(
                "Not configuration, with a home on neither side (migrate_articles "
                f"keeps them whole in legacy_archive): {', '.join(report.unknown)}."
            )

    def print_validation(self, result: ConfigValidation, verbosity: int) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING("Legacy configuration check:"))
        self.stdout.write(
            f"  {'table':<26}{'source':>8}{'imported':>10}{'rejected':>10}  result"
        )
        for check in result.tables:
            verdict = (
                self.style.SUCCESS("ok")
                if check.ok
                else self.style.ERROR(f"{len(check.problems)} differences")
            )
            self.stdout.write(
                f"  {check.table:<26}{check.source:>8,}{check.imported:>10,}"
                f"{check.rejected:>10,}  {verdict}"
            )
        limit = None if verbosity >= 2 else SHOWN_PER_TABLE
        for check in result.tables:
            for problem in check.problems[:limit]:
                self.stdout.write(self.style.WARNING(f"  {problem}"))
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    "Every configuration row of the file is here with its values, or "
                    "recorded as rejected."
                )
            )
