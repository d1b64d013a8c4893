"""Control the embedded analytics PostgreSQL: start, stop, status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from aunoo import embedded_pg
from aunoo.embedded_pg import replica


class Command(BaseCommand):
    help = (
        "Start, stop or report on the project-local PostgreSQL that serves the "
        "analytics database when no DATABASE_URL or POSTGRES_HOST is configured."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action",
            choices=("start", "stop", "status", "replica-start", "replica-stop"),
            help="replica-start makes (pg_basebackup -R) and starts a local "
            "streaming replica of the embedded server in AUNOO_PGDATA-replica and "
            "prints the ANALYTICS_REPLICA_URLS value that reads from it.",
        )

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
        if action.startswith("replica-"):
            self._replica(pgdata, start=action == "replica-start")
            return
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

    def _replica(self, pgdata: Path, *, start: bool) -> None:
        folder = pgdata.with_name(f"{pgdata.name}-replica")
        bin_dir = replica.binaries_for(0, embedded=True)
        if not start:
            stopped = replica.Replica(folder, bin_dir).stop()
            self.stdout.write(
                "replica stopped" if stopped else "replica was not running"
            )
            return
        socket_dir = embedded_pg.ensure_running(pgdata)
        try:
            made = replica.create_replica(
                folder,
                primary={"host": socket_dir, "user": "postgres"},
                bin_dir=bin_dir,
            )
        except replica.ReplicaError as exc:
            raise CommandError(f"No replica in {folder}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"replica running; data in {folder}"))
        url = made.url(embedded_pg.DATABASE_NAME)
        self.stdout.write(f"Read from it: ANALYTICS_REPLICA_URLS={url}")
