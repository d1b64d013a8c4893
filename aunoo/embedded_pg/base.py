"""Database backend for the embedded PostgreSQL: starts the server on demand.

It is Django's PostgreSQL backend with one addition: before the first connection
(pooled or not) the project-local server is started if it is not running, so a
command that never touches ``analytics`` never starts it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.backends.postgresql import base

from aunoo import embedded_pg


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        embedded = self.settings_dict["EMBEDDED"]
        params["host"] = embedded_pg.ensure_running(
            Path(embedded["PGDATA"]), throwaway=embedded["THROWAWAY"]
        )
        return params
