"""``manage.py migrate_articles``: move the legacy analytics tables to PostgreSQL."""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from legacy import load, reports, runner, scan
from legacy.catalog import home_tables
from legacy.config import CONFIG_SIDE
from legacy.connect import Connect, django_connector
from legacy.plan import TablePlan, TargetMissing, build_plan
from legacy.runs import RunLocked
from legacy.scenario_tables import scan_scenario_table, scenario_tables
from legacy.source import (
    LOCK_TIMEOUT,
    LegacySource,
    SourceError,
    source_error,
)

PLAIN_PROGRESS_EVERY = 5.0  # seconds between progress lines off a terminal


class ProgressDisplay:
    """A bar with rows/s and ETA on a terminal; a plain line now and then otherwise."""

    def __init__(self, command: BaseCommand, *, tty: bool) -> None:
        self.command, self.tty = command, tty
        self.last_line = 0.0
        self.table = ""

    def __call__(self, progress: reports.Progress) -> None:
        rate = progress.done / progress.seconds if progress.seconds else 0.0
        left = max(progress.total - progress.done, 0)
        eta = f"{left / rate:,.0f}s" if rate else "?"
        share = progress.done / progress.total if progress.total else 1.0
        text = (
            f"{progress.table}: {progress.done:,}/{progress.total:,} rows "
            f"{rate:,.0f} rows/s ETA {eta}"
        )
        if self.tty:
            filled = int(min(share, 1.0) * 30)
            bar = "#" * filled + "-" * (30 - filled)
            # A finished table keeps its line; the next bar starts below it.
            ending = "\n" if progress.done >= progress.total else ""
            self.command.stdout.write(
                f"\r[{bar}] {share:4.0%} {text}\x1b[K", ending=ending
            )
            self.command.stdout.flush()
            return
        now = time.monotonic()
        if (
            now - self.last_line >= PLAIN_PROGRESS_EVERY
            or progress.done >= progress.total
        ):
            self.last_line = now
            self.command.stdout.write(text)

    def end(self) -> None:
        if self.tty:
            self.command.stdout.write("")


def config_side_tables() -> list[str]:
    """The legacy tables import_legacy_config brings into SQLite."""
    return list(CONFIG_SIDE)


class Command(BaseCommand):
    help = (
        "Copy the analytics tables of a legacy SQLite file (opened read-only) into "
        "the analytics PostgreSQL database: resumable, idempotent, with every "
        "conversion and reject reported. --catch-up brings only new and changed rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source", required=True, type=Path, help="Legacy fnaapp.db."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the plan and what a scan finds; write nothing.",
        )
        parser.add_argument(
            "--catch-up",
            action="store_true",
            help="Bring over only rows the legacy file gained or changed since the "
            "last run (compares row checksums).",
        )
        parser.add_argument(
            "--prefer",
            choices=("legacy", "app"),
            help="With --catch-up: resolve rows changed on both sides (conflicts) "
            "with the legacy file's version or keep the app's. Without it a "
            "conflict keeps the app's version, records both, and exits 1.",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="With --catch-up: compare every row of both sides instead of only "
            "the rows whose fingerprint changed since the last catch-up.",
        )
        parser.add_argument(
            "--apply-deletes",
            action="store_true",
            help="With --catch-up: remove rows the legacy file deleted (they are "
            "only reported otherwise). Rows the app changed are never removed.",
        )
        parser.add_argument(
            "--strict", action="store_true", help="Exit 1 if any row was rejected."
        )
        parser.add_argument(
            "--table",
            action="append",
            dest="tables",
            metavar="TABLE",
            help="Only this table (repeatable; children need their articles).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=load.BATCH_ROWS,
            help=f"Most rows per batch and transaction (default {load.BATCH_ROWS}).",
        )
        parser.add_argument(
            "--streams",
            type=int,
            default=load.STREAMS,
            help="Parallel streams for a large table, each on its own connection "
            f"(default {load.STREAMS}).",
        )
        parser.add_argument(
            "--throttle",
            type=float,
            default=0.0,
            metavar="RATIO",
            help="After each batch, rest RATIO times as long as the batch took "
            "(1 = load half the time), leaving the cores to a live app beside "
            "the import (default 0: full speed).",
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
            "--database",
            default="analytics",
            choices=tuple(connections),
            help="The PostgreSQL database to fill (default analytics).",
        )

    def handle(
        self,
        *,
        source: Path,
        dry_run: bool,
        catch_up: bool,
        strict: bool,
        tables: list[str] | None,
        batch_size: int,
        streams: int,
        database: str,
        throttle: float,
        prefer: str | None,
        apply_deletes: bool,
        full: bool,
        lock_timeout: float,
        **options: Any,
    ) -> None:
        if (prefer or apply_deletes or full) and not catch_up:
            raise CommandError(
                "--prefer, --apply-deletes and --full belong to --catch-up: add "
                "--catch-up.",
                returncode=2,
            )
        if batch_size < 1 or streams < 1:
            raise CommandError(
                "--batch-size and --streams must be at least 1.", returncode=2
            )
        if not 0 <= throttle <= 100:
            raise CommandError(
                f"--throttle must be between 0 and 100, not {throttle:g}.",
                returncode=2,
            )
        if dry_run and catch_up:
            raise CommandError(
                "--dry-run and --catch-up exclude each other.", returncode=2
            )
        if not 0 <= lock_timeout < float("inf"):
            raise CommandError(
                f"--lock-timeout must be 0 or more seconds, not {lock_timeout:g}.",
                returncode=2,
            )
        verbosity = int(options["verbosity"])
        try:
            connect = django_connector(database)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc), returncode=2) from exc
        try:
            legacy = LegacySource(Path(source), lock_timeout=lock_timeout)
        except SourceError as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from exc
        with legacy:
            try:
                if dry_run:
                    self._dry_run(legacy, connect, tables or (), verbosity)
                    return
                report = self._migrate(
                    legacy,
                    connect,
                    tables or (),
                    batch_size,
                    catch_up=catch_up,
                    streams=streams,
                    throttle=throttle,
                    verbosity=verbosity,
                    prefer=prefer,
                    apply_deletes=apply_deletes,
                    full=full,
                )
            except (TargetMissing, RunLocked) as exc:
                raise CommandError(str(exc)) from exc
            except SourceError as exc:
                raise CommandError(str(exc), returncode=exc.returncode) from exc
            except sqlite3.DatabaseError as exc:  # the file locked or broken mid-run
                error = source_error(legacy.path, exc, lock_timeout)
                raise CommandError(str(error), returncode=error.returncode) from exc
            except psycopg.OperationalError as exc:
                raise CommandError(
                    f"Lost the connection to PostgreSQL ({exc}). Every committed "
                    "batch is kept: start the server again and run the same command "
                    "to resume where it stopped."
                ) from exc
        if report.conflicts:
            self.stderr.write(
                self.style.ERROR(
                    f"{report.conflicts:,} rows were changed on both sides (listed "
                    "above). The app's versions stay and both versions are in "
                    "legacy_conflicts; look at them, then run again with --prefer "
                    "legacy or --prefer app to resolve them (--prefer applies to "
                    "conflicts already reported, never to new ones)."
                )
            )
            sys.exit(1)
        if strict and report.rejected:
            self.stderr.write(
                self.style.ERROR(
                    f"{report.rejected:,} rows were rejected (see legacy_rejects); "
                    "--strict makes that a failure."
                )
            )
            sys.exit(1)

    def _migrate(
        self,
        legacy: LegacySource,
        connect: Connect,
        tables: list[str] | tuple[()],
        batch_size: int,
        *,
        catch_up: bool,
        streams: int,
        throttle: float,
        verbosity: int,
        prefer: str | None,
        apply_deletes: bool,
        full: bool,
    ) -> reports.RunReport:
        display = ProgressDisplay(self, tty=self.stdout.isatty())
        report = runner.migrate(
            legacy,
            connect,
            catch_up=catch_up,
            tables=tables,
            batch_rows=batch_size,
            streams=streams,
            throttle=throttle,
            progress=display if verbosity >= 1 else None,
            prefer=prefer,
            apply_deletes=apply_deletes,
            full=full,
            elsewhere=config_side_tables(),
        )
        display.end()
        if verbosity >= 1:
            self._print_report(report.tables, verbosity)
            self._print_unmoved(report.unmoved)
            self._print_missing(report.missing)
            self.stdout.write(
                self.style.SUCCESS(
                    f"{report.mode} finished in {report.seconds:,.1f}s "
                    f"(run {report.run_id}). Check it with "
                    f"`manage.py validate_migration --source {legacy.path}`."
                )
            )
        return report

    def _dry_run(
        self,
        legacy: LegacySource,
        connect: Connect,
        tables: list[str] | tuple[()],
        verbosity: int,
    ) -> None:
        with connect() as pg:
            plans = build_plan(legacy, pg, tables)
            expected = tables or home_tables(pg)
            scenarios = [
                scan_scenario_table(legacy, pg, table)
                for table in ([] if tables else scenario_tables(legacy))
            ]
        self.stdout.write(self.style.MIGRATE_HEADING(f"Plan for {legacy.path}:"))
        for plan in plans:
            self._print_plan(plan, verbosity)
        self._print_report([*scan.scan(legacy, plans), *scenarios], verbosity)
        self._print_unmoved(legacy.unmoved_tables([plan.table for plan in plans]))
        self._print_missing(legacy.missing_tables(expected))
        self.stdout.write("Dry run: nothing was written.")

    def _print_plan(self, plan: TablePlan, verbosity: int) -> None:
        self.stdout.write(
            f"  {plan.table}: {plan.source_rows:,} rows, "
            f"{len(plan.columns)} columns mapped by name"
        )
        if verbosity >= 2:
            for column in plan.columns:
                self.stdout.write(f"    {column.name} -> {column.kind}")
        if plan.unmapped:
            self.stdout.write(
                f"    kept in legacy_extra.unmapped: {', '.join(plan.unmapped)}"
            )
        if plan.missing:
            self.stdout.write(
                f"    not in this file (left NULL): {', '.join(plan.missing)}"
            )

    def _print_report(self, reports: list[reports.TableReport], verbosity: int) -> None:
        header = (
            f"{'table':<26}{'source':>10}{'migrated':>10}{'rejected':>10}"
            f"{'repaired':>10}{'seconds':>9}"
        )
        self.stdout.write(self.style.MIGRATE_HEADING(header))
        for table in reports:
            self.stdout.write(
                f"{table.table:<26}{table.source:>10,}{table.migrated:>10,}"
                f"{table.rejected:>10,}{table.repaired:>10,}{table.seconds:>9.1f}"
            )
        for table in reports:
            self._print_details(table, verbosity)
        scenarios = [t.table for t in reports if t.home == "scenario_articles"]
        if scenarios:
            self.stdout.write(
                "Scenario tables, their rows in scenario_articles: "
                f"{', '.join(scenarios)}"
            )
        archived = [table.table for table in reports if table.home == "legacy_archive"]
        if archived:
            self.stdout.write(
                f"Tables this project has no home for, kept whole in legacy_archive "
                f"(browse them in the admin): {', '.join(archived)}"
            )

    def _print_details(self, table: reports.TableReport, verbosity: int) -> None:
        for column, issues in table.conversions.items():
            for issue, count in issues.items():
                self.stdout.write(f"  {table.table}.{column}: {issue}: {count:,}")
        for reason, count in table.reject_reasons.items():
            self.stdout.write(
                self.style.WARNING(f"  {table.table} rejected, {reason}: {count:,}")
            )
        if table.unmapped:
            self.stdout.write(
                f"  {table.table}: columns kept in legacy_extra.unmapped: "
                f"{', '.join(table.unmapped)}"
            )
        if table.updated:
            self.stdout.write(
                f"  {table.table}: {table.updated:,} new or changed rows written"
            )
        if table.app_kept:
            self.stdout.write(
                f"  {table.table}: {table.app_kept:,} rows changed in the app kept "
                "(the legacy file did not change them)"
            )
        for line in table.conflicts:
            self.stdout.write(self.style.WARNING(f"  conflict: {line}"))
        if table.removed:
            self.stdout.write(
                f"  {table.table}: {table.removed:,} rows the legacy file deleted "
                "were removed"
            )
        if table.referenced:
            shown = ", ".join(repr(key) for key in table.referenced[:5])
            self.stdout.write(
                self.style.WARNING(
                    f"  {table.table}: {len(table.referenced):,} rows the legacy file "
                    f"deleted are kept because rows here still point at them "
                    f"({shown}): remove or re-point those rows first"
                )
            )
        if table.legacy_deleted:
            shown = ", ".join(repr(key) for key in table.legacy_deleted[:5])
            self.stdout.write(
                self.style.WARNING(
                    f"  {table.table}: {len(table.legacy_deleted):,} rows were "
                    f"deleted in the legacy file but are kept here ({shown}"
                    f"{', …' if len(table.legacy_deleted) > 5 else ''}); "
                    "--apply-deletes removes them"
                )
            )
        if verbosity >= 1:
            for line in table.samples:
                self.stdout.write(f"    {line}")

    def _print_unmoved(self, unmoved: list[str]) -> None:
        if unmoved:
            self.stdout.write(
                f"Legacy tables not moved ({len(unmoved)}; the config side is "
                f"import_legacy_config's): {', '.join(unmoved)}"
            )

    def _print_missing(self, missing: list[str]) -> None:
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    "Missing in source (the analytics database has these tables, "
                    f"the legacy file does not): {', '.join(missing)}"
                )
            )
