"""``manage.py validate_migration``: prove PostgreSQL holds the legacy file's data."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from articles.management.commands.migrate_articles import config_side_tables
from legacy import runs, verify
from legacy.archive import ArchiveCheck, check_archive, unknown_tables
from legacy.catalog import home_tables
from legacy.connect import django_connector
from legacy.plan import TargetMissing
from legacy.runs import source_key
from legacy.scenario_tables import check_scenario_table, scenario_tables
from legacy.source import (
    LOCK_TIMEOUT,
    LegacySource,
    SourceError,
    source_error,
)


class Command(BaseCommand):
    help = (
        "Compare the legacy file with the analytics database table by table: source "
        "rows = migrated + rejected, the same keys, and a checksum of every row and "
        "every column. Exits 1 on any mismatch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source", required=True, type=Path, help="Legacy fnaapp.db."
        )
        parser.add_argument("--table", action="append", dest="tables", metavar="TABLE")
        parser.add_argument(
            "--show",
            type=int,
            default=5,
            help="Mismatching keys to print per table (default 5).",
        )
        parser.add_argument(
            "--lock-timeout",
            type=float,
            default=LOCK_TIMEOUT,
            metavar="SECONDS",
            help="How long to wait for a lock the legacy app holds on the file "
            f"before giving up (default {LOCK_TIMEOUT:g}).",
        )
        parser.add_argument(
            "--database", default="analytics", choices=tuple(connections)
        )

    def handle(
        self,
        *,
        source: Path,
        tables: list[str] | None,
        show: int,
        database: str,
        lock_timeout: float,
        **options: Any,
    ) -> None:
        if not 0 <= lock_timeout < float("inf"):
            raise CommandError(
                f"--lock-timeout must be 0 or more seconds, not {lock_timeout:g}.",
                returncode=2,
            )
        try:
            connect = django_connector(database)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc), returncode=2) from exc
        try:
            legacy = LegacySource(Path(source), lock_timeout=lock_timeout)
        except SourceError as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from exc
        try:
            with legacy, connect() as pg:
                # Shared: validations may overlap, a migration may not.
                runs.acquire(pg, shared=True)
                checks: list[verify.TableCheck | ArchiveCheck] = [
                    *verify.validate(legacy, pg, connect, tables or ())
                ]
                if not tables:
                    key = source_key(legacy.path)
                    checks += [
                        check_scenario_table(legacy, pg, table, key)
                        for table in scenario_tables(legacy)
                    ]
                    known = [*home_tables(pg), *config_side_tables()]
                    checks += [
                        check_archive(legacy, pg, table, key)
                        for table in unknown_tables(legacy, known)
                    ]
                failed = [check for check in checks if not check.ok]
                self._print(checks, legacy, pg, show)
                self._print_missing(legacy.missing_tables(tables or home_tables(pg)))
        except (TargetMissing, runs.RunLocked) as exc:
            raise CommandError(str(exc)) from exc
        except SourceError as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from exc
        except sqlite3.DatabaseError as exc:  # the file locked or broken mid-run
            error = source_error(legacy.path, exc, lock_timeout)
            raise CommandError(str(error), returncode=error.returncode) from exc
        except psycopg.OperationalError as exc:
            raise CommandError(
                f"Cannot reach PostgreSQL ({exc}): start it and run again."
            ) from exc
        if failed:
            self.stderr.write(
                self.style.ERROR(
                    f"Validation failed for {', '.join(c.table for c in failed)}: run "
                    "`manage.py migrate_articles --catch-up` to bring the changes "
                    "over, then validate again; if a difference stays, "
                    "`--catch-up --full` compares every row of both sides and "
                    "restores the legacy version where PostgreSQL was changed "
                    "without a trace."
                )
            )
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("Every table matches the legacy file."))
        app_rows = sum(check.app_rows for check in checks)
        if app_rows:
            self.stdout.write(
                f"{app_rows:,} rows were created or changed in the app since the "
                "legacy file was synced; their legacy versions are unchanged, so "
                "they are the app's own work."
            )

    def _print(
        self,
        checks: list[verify.TableCheck | ArchiveCheck],
        legacy: LegacySource,
        pg: psycopg.Connection[Any],
        show: int,
    ) -> None:
        header = (
            f"{'table':<26}{'source':>10}{'migrated':>10}{'rejected':>10}"
            f"{'differ':>8}  result"
        )
        self.stdout.write(self.style.MIGRATE_HEADING(header))
        for check in checks:
            differ = (
                len(check.missing)
                + len(check.extra)
                + len(check.changed)
                + len(check.conflicts)
                + len(check.stale)
                + len(check.outside)
            )
            result = self.style.SUCCESS("ok") if check.ok else self.style.ERROR("FAIL")
            self.stdout.write(
                f"{check.table:<26}{check.source_rows:>10,}{check.migrated:>10,}"
                f"{check.rejected:>10,}{differ:>8,}  {result}"
            )
        for check in checks:
            self._print_mismatches(check, legacy, pg, show)

    def _print_missing(self, missing: list[str]) -> None:
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    "Missing in source (the analytics database has these tables, "
                    f"the legacy file does not): {', '.join(missing)}"
                )
            )

    def _print_mismatches(
        self,
        check: verify.TableCheck | ArchiveCheck,
        legacy: LegacySource,
        pg: psycopg.Connection[Any],
        show: int,
    ) -> None:
        if not check.count_ok:
            self.stdout.write(
                self.style.ERROR(
                    f"  {check.table}: {check.source_rows:,} source rows but "
                    f"{check.migrated:,} migrated + {check.rejected:,} rejected"
                )
            )
        for label, key, columns in verify.describe_mismatches(check, legacy, pg, show):
            where = f" (columns: {', '.join(columns)})" if columns else ""
            self.stdout.write(
                self.style.ERROR(f"  {check.table} {key!r}: {label}{where}")
            )
        for key, kind in check.conflicts[:show]:
            self.stdout.write(
                self.style.ERROR(
                    f"  {check.table} {key!r}: {kind}, an open conflict: resolve it "
                    "with `migrate_articles --catch-up --prefer legacy` or "
                    "`--prefer app`"
                )
            )
        for key in check.stale[:show]:
            self.stdout.write(
                self.style.ERROR(
                    f"  {check.table} {key!r}: changed in the legacy file since the "
                    "last catch-up (the app changed it too): run `migrate_articles "
                    "--catch-up`"
                )
            )
        for key, session in check.outside[:show]:
            self.stdout.write(
                self.style.ERROR(
                    f"  {check.table} {key!r}: changed in PostgreSQL outside the app "
                    f"(by a session named {session or 'nothing'!r}): run "
                    "`migrate_articles --catch-up`, then choose with --prefer legacy "
                    "(restore) or --prefer app (keep)"
                )
            )
        for rowid, key, reason in check.unexplained[:show]:
            self.stdout.write(
                self.style.ERROR(
                    f"  {check.table} {key!r} (rowid {rowid}): {reason}, and no reject "
                    "records it"
                )
            )
