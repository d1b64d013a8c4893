"""Sends each app's models to its database: articles to PostgreSQL, others to SQLite."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

ANALYTICS_DB = "analytics"
DEFAULT_DB = "default"


class AnalyticsRouter:
    """Route the analytical apps to ``analytics`` and every other app to ``default``."""

    route_app_labels = frozenset({"articles"})

    def _db_for(self, app_label: str) -> str:
        return ANALYTICS_DB if app_label in self.route_app_labels else DEFAULT_DB

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        """Read analytical models from ``analytics``, all others from ``default``."""
        return self._db_for(model._meta.app_label)

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        """Write analytical models to ``analytics``, all others to ``default``."""
        return self._db_for(model._meta.app_label)

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        """Allow relations only between objects that live in the same database."""
        return self._home(obj1) == self._home(obj2)

    def _home(self, obj: Model) -> str:
        # An instance already loaded or saved knows its database; a new one
        # will go where its app is routed.
        return obj._state.db or self._db_for(obj._meta.app_label)

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        """Create each app's tables in its own database and nowhere else."""
        return db == self._db_for(app_label)
