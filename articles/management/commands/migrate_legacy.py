"""``manage.py migrate_legacy``: move a whole legacy file, both sides, one summary."""

from __future__ import annotations

import sys
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.models import MigrationRun
from legacy.config import import_config
from legacy.runs import source_key
from legacy.source import LegacySource, SourceError


class Command(BaseCommand):
    help = (
        "Move a whole legacy file: the configuration side into SQLite first (so "
        "the analytics rows' references to users, keyword groups and feeds "
        "resolve), then every analytics table into PostgreSQL, and print one "
        "summary of every legacy table: source rows, moved, rejected, where they "
        "went. --catch-up and --prefer/--apply-deletes/--full pass to the "
        "analytics side; import_legacy_config and migrate_articles remain the "
        "two sides' own commands."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source", required=True, type=Path, help="Legacy fnaapp.db."
        )
        parser.add_argument("--catch-up", action="store_true")
        parser.add_argument("--prefer", choices=("legacy", "app"))
        parser.add_argument("--apply-deletes", action="store_true")
        parser.add_argument("--full", action="store_true")
        parser.add_argument(
            "--batch-size", type=int, metavar="ROWS",
            help="Passed to migrate_articles: rows per batch.",
        )  # fmt: skip
        parser.add_argument(
            "--throttle", type=float, metavar="RATIO",
            help="Passed to migrate_articles: rest this share of each batch's time.",
        )  # fmt: skip
        parser.add_argument(
            "--lock-timeout", type=float, metavar="SECONDS",
            help="Passed to migrate_articles: how long to wait for the legacy app's "
            "lock on the file.",
        )  # fmt: skip

    def handle(
        self,
        *,
        source: Path,
        catch_up: bool,
        prefer: str | None,
        apply_deletes: bool,
        full: bool,
        **options: Any,
    ) -> None:
        try:
            with LegacySource(Path(source)) as legacy:
                config = import_config(legacy)
        except SourceError as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from exc
        args = ["--source", str(source)]
        args += ["--catch-up"] if catch_up else []
        args += ["--prefer", prefer] if prefer else []
        args += ["--apply-deletes"] if apply_deletes else []
        args += ["--full"] if full else []
        for option in ("batch_size", "throttle", "lock_timeout"):
            if options.get(option) is not None:
                args += [f"--{option.replace('_', '-')}", str(options[option])]
        detail = StringIO()
        code = 0
        try:
            call_command("migrate_articles", *args, stdout=detail, stderr=detail)
        except SystemExit as exc:  # conflicts left open, or --strict
            code = int(exc.code or 0)
        run = MigrationRun.objects.filter(source_path=source_key(source)).latest()
        self._summary(config.summary(), run.summary)
        if int(options["verbosity"]) >= 2:
            self.stdout.write(detail.getvalue())
        if code:
            self.stderr.write(detail.getvalue().splitlines()[-1])
            sys.exit(code)

    def _summary(self, config: dict[str, Any], analytics: dict[str, Any]) -> None:
        header = f"{'legacy table':<32}{'source':>9}{'moved':>9}{'rejected':>10}  where"
        self.stdout.write(self.style.MIGRATE_HEADING(header))
        rows = {
            name: (figures, _config_home(figures)) for name, figures in _tables(config)
        }
        rows.update(
            (name, (figures, _analytics_home(name, figures)))
            for name, figures in analytics.items()
        )
        for name in sorted(rows):
            figures, home = rows[name]
            if figures.get("missing_in_source"):
                continue
            self.stdout.write(
                f"{name:<32}{figures.get('source', 0):>9,}"
                f"{figures.get('migrated', 0):>9,}{figures.get('rejected', 0):>10,}"
                f"  {home}"
            )
        moved = sum(figures.get("migrated", 0) for figures, _home in rows.values())
        refused = sum(figures.get("rejected", 0) for figures, _home in rows.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(rows)} legacy tables: {moved:,} rows moved, {refused:,} "
                "rejected (legacy_config_rejects, legacy_rejects: each with its "
                "reason and the whole row)."
            )
        )


def _tables(summary: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    tables = summary.get("tables", summary)
    return [
        (name, figures) for name, figures in tables.items() if isinstance(figures, dict)
    ]


def _config_home(figures: dict[str, Any]) -> str:
    return f"SQLite: {figures.get('target', 'configuration')}"


def _analytics_home(name: str, figures: dict[str, Any]) -> str:
    if figures.get("home") == "legacy_archive":
        return "PostgreSQL: legacy_archive (kept whole)"
    if figures.get("home"):
        return f"PostgreSQL: {figures['home']}"
    return f"PostgreSQL: {name}"
