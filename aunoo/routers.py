"""Sends each app's models to its database: articles to PostgreSQL, others to SQLite."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from aunoo import replicas
from aunoo.databases import PRIMARY_ALIAS

ANALYTICS_DB = PRIMARY_ALIAS
DEFAULT_DB = "default"


class AnalyticsRouter:
    """Route the analytical apps to ``analytics`` and every other app to ``default``.

    Reads of analytical models during a web request may go to a read replica
    (``aunoo.replicas``); writes and migrations only ever reach the primary.
    """

    route_app_labels = frozenset({"articles"})

    def _db_for(self, app_label: str) -> str:
        return ANALYTICS_DB if app_label in self.route_app_labels else DEFAULT_DB

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        """Read analytical models from a healthy replica or the primary, others
        from ``default``."""
        if self._db_for(model._meta.app_label) == ANALYTICS_DB:
            return replicas.read_alias()
        return DEFAULT_DB

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        """Write analytical models to the ``analytics`` primary, others to
        ``default``."""
        database = self._db_for(model._meta.app_label)
        if database == ANALYTICS_DB:
            replicas.note_write()
        return database

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        """Allow relations only between objects that live in the same database."""
        return self._home(obj1) == self._home(obj2)

    def _home(self, obj: Model) -> str:
        # An instance already loaded or saved knows its database (a replica's
        # rows are the primary's); a new one will go where its app is routed.
        loaded_from = obj._state.db
        if loaded_from is not None and loaded_from.startswith(ANALYTICS_DB):
            return ANALYTICS_DB
        return loaded_from or self._db_for(obj._meta.app_label)

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        """Create each app's tables in its own database and nowhere else (never
        on a replica or the engine's direct alias: they are the same database)."""
        return db == self._db_for(app_label)
