"""``migrate`` that brings both databases up to date when no --database is given."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser
from django.core.management.commands import migrate
from django.db import connections

from aunoo import checks
from aunoo.databases import is_secondary


class Command(migrate.Command):
    help = (
        "Updates database schemas. Without --database it migrates every configured "
        "database in turn (default SQLite, then analytics PostgreSQL)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        for action in parser._actions:
            if action.dest == "database":
                action.default = None
                action.help = "Only this database (default: all of them)."

    def get_check_kwargs(self, options: dict[str, Any]) -> dict[str, Any]:  # type: ignore[override]
        # All checks (migrate's own behaviour), on every database to be migrated.
        checks.migrating = True
        databases = [options["database"]] if options["database"] else migrated()
        return {"databases": databases}

    def handle(self, *args: Any, **options: Any) -> None:
        database = options["database"]
        if database is not None:
            if is_secondary(database, connections[database].settings_dict):
                raise CommandError(
                    f"{database!r} is a read replica or the direct way into "
                    "'analytics', not a database of its own: migrate 'analytics' "
                    "(the primary) and the change reaches it."
                )
            self._migrate(options["database"], *args, **options)
            return
        for alias in migrated():
            if options["verbosity"] >= 1:
                self.stdout.write(self.style.MIGRATE_HEADING(f"Database {alias!r}:"))
            self._migrate(alias, *args, **options)

    def _migrate(self, alias: str, *args: Any, **options: Any) -> None:
        super().handle(*args, **{**options, "database": alias})
        # Database cache tables (the sign-in throttle's) are no migration; the
        # router keeps them on default. Nothing happens when they exist.
        call_command(
            "createcachetable",
            database=alias,
            verbosity=options["verbosity"],
            stdout=self.stdout,
            stderr=self.stderr,
        )


def migrated() -> list[str]:
    """The databases of their own: default and the analytics primary."""
    return [
        alias
        for alias in connections
        if not is_secondary(alias, connections[alias].settings_dict)
    ]
