"""System checks: both databases reachable, and no unapplied migrations on either."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from aunoo.databases import is_secondary

# Set by the project's migrate command so its own run does not warn about the
# migrations it is about to apply.
migrating = False


def describe(alias: str) -> str:
    """Where a database lives, in the words of the setting that chose it."""
    entry = connections[alias].settings_dict
    if entry["ENGINE"] == "django.db.backends.sqlite3":
        return f"SQLite file {entry['NAME']} (SQLITE_DB_PATH)"
    source = entry.get("SOURCE", "DATABASE_URL")
    if source == "embedded":
        return f"the embedded PostgreSQL in {entry['EMBEDDED']['PGDATA']}"
    if entry.get("PGBOUNCER"):
        source = f"{source}, through pgbouncer"
    host = entry.get("HOST") or "local socket"
    port = entry.get("PORT") or "5432"
    return f"PostgreSQL at {host}:{port}, database {entry['NAME']!r} (from {source})"


def _reachability_errors() -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for alias in connections:
        if is_secondary(alias, connections[alias].settings_dict):
            continue  # the app serves without them: see secondaries_reachable
        try:
            probe(alias)
        except Exception as exc:  # noqa: BLE001  any failure here is a startup error
            errors.append(
                Error(
                    f"The {alias!r} database is unreachable: {describe(alias)}.",
                    hint=(
                        f"{_first_line(exc)}. "
                        "Start that server or fix the setting; unset DATABASE_URL and "
                        "POSTGRES_HOST to use the embedded PostgreSQL."
                    ),
                    id="aunoo.E001",
                )
            )
    return errors


def probe(alias: str) -> None:
    """Open and close one connection: fails in seconds, not after the pool timeout."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        connection.ensure_connection()
        return
    import psycopg

    params = connection.get_connection_params()
    params.setdefault("connect_timeout", 5)
    psycopg.connect(**params).close()


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else repr(exc)


@register()
def databases_reachable(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Fail at start, naming host and port, when a database cannot be reached."""
    return _reachability_errors()


@register()
def secondaries_reachable(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn, without stopping the app, when a replica or the direct URL is down."""
    warnings: list[CheckMessage] = []
    for alias in connections:
        if not is_secondary(alias, connections[alias].settings_dict):
            continue
        try:
            probe(alias)
        except Exception as exc:  # noqa: BLE001  any failure is worth the warning
            warnings.append(
                Warning(
                    f"The {alias!r} database is unreachable: {describe(alias)}.",
                    hint=(
                        f"{_first_line(exc)}. Reads fall back to the primary; the "
                        "migration engine needs ANALYTICS_DIRECT_URL to answer."
                    ),
                    id="aunoo.W002",
                )
            )
    return warnings


@register()
def migrations_applied(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn while either database has migrations that have not been applied."""
    if migrating:
        return []
    messages: list[CheckMessage] = []
    for alias in connections:
        if is_secondary(alias, connections[alias].settings_dict):
            continue
        try:
            probe(alias)  # fail fast instead of waiting out the pool's timeout
            executor = MigrationExecutor(connections[alias])
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception:  # noqa: BLE001  reported by databases_reachable
            continue
        if plan:
            messages.append(
                Warning(
                    f"The {alias!r} database has {len(plan)} unapplied migration(s).",
                    hint="Run `python manage.py migrate`: it migrates both databases.",
                    id="aunoo.W001",
                )
            )
    return messages


def raise_on_database_errors() -> None:
    """For the WSGI/ASGI entry points: refuse to serve with a database down."""
    errors = _reachability_errors()
    if errors:
        raise ImproperlyConfigured(
            "\n".join(f"{error.msg} {error.hint}" for error in errors)
        )
