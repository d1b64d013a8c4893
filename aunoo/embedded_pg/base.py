"""Database backend for the embedded PostgreSQL: starts the server on demand.

It is Django's PostgreSQL backend with one addition: before the first connection
(pooled or not) the project-local server is started if it is not running, so a
command that never touches ``analytics`` never starts it. ``manage.py dbshell
--database analytics`` starts it the same way and opens the package's own
``psql`` on its socket (the settings name no host: a plain ``psql`` would
connect to whatever server listens on the system's default socket).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db.backends.postgresql import base, client

from aunoo import embedded_pg


class DatabaseClient(client.DatabaseClient):
    @classmethod
    def settings_to_cmd_args_env(
        cls, settings_dict: dict[str, Any], parameters: Iterable[str]
    ) -> tuple[list[str], dict[str, str] | None]:
        embedded = settings_dict["EMBEDDED"]
        socket_dir = embedded_pg.ensure_running(
            Path(embedded["PGDATA"]), throwaway=embedded["THROWAWAY"]
        )
        args, env = super().settings_to_cmd_args_env(
            {**settings_dict, "HOST": socket_dir}, parameters
        )
        args[0] = str(embedded_pg.binary("psql"))
        return args, env


class DatabaseWrapper(base.DatabaseWrapper):
    client_class = DatabaseClient

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        embedded = self.settings_dict["EMBEDDED"]
        params["host"] = embedded_pg.ensure_running(
            Path(embedded["PGDATA"]), throwaway=embedded["THROWAWAY"]
        )
        return params
