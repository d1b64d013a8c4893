"""Control the embedded analytics PostgreSQL: start, stop, status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from aunoo import embedded_pg


class Command(BaseCommand):
    help = (
        "Start, stop or report on the project-local PostgreSQL that serves the "
        "analytics database when no DATABASE_URL or POSTGRES_HOST is configured."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=("start", "stop", "status"))

    def handle(self, *, action: str, **options: Any) -> None:
        entry = connections["analytics"].settings_dict
        if entry.get("SOURCE") != "embedded":
            raise CommandError(
                "The analytics database is an external server "
                f"({entry.get('SOURCE')}), not the embedded one: manage that server "
                "directly, or unset DATABASE_URL and POSTGRES_HOST to use the "
                "embedded one."
            )
        pgdata = Path(entry["EMBEDDED"]["PGDATA"])
        if action == "start":
            socket_dir = embedded_pg.ensure_running(pgdata)
            self.stdout.write(self.style.SUCCESS(f"running; socket in {socket_dir}"))
        elif action == "stop":
            stopped = embedded_pg.stop(pgdata)
            self.stdout.write("stopped" if stopped else "was not running")
        else:
            state = embedded_pg.status(pgdata)
            word = "running" if state.running else "stopped"
            self.stdout.write(
                f"{word}; data in {state.pgdata}"
                + (
                    f"; pid {state.pid}; socket in {state.socket_dir}"
                    if state.running
                    else ""
                )
                + ("" if state.initialised else " (not initialised yet)")
            )
