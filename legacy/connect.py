"""The engine's own PostgreSQL connections, tuned for bulk loading."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from django.core.exceptions import ImproperlyConfigured

from legacy.tracking import ENGINE_APPLICATION_NAME

Connect = Callable[[], psycopg.Connection[Any]]


def tune_session(conn: psycopg.Connection[Any]) -> None:
    """Session settings for bulk loading; none weakens what a checkpoint promises.

    * synchronous_commit off: a server crash may lose the last few commits, but
      each batch and its checkpoint are lost together, so a resume redoes them.
    * lz4 TOAST compression where the server has it: several times cheaper than
      pglz for long markdown, and read back transparently.
    """
    conn.execute("SET synchronous_commit = off")
    try:
        with conn.transaction():
            conn.execute("SET default_toast_compression = lz4")
    except psycopg.errors.DataError:
        conn.execute("RESET default_toast_compression")  # built without lz4


def engine_params(alias: str = "analytics") -> dict[str, Any]:
    """psycopg parameters for the engine's direct connections to ``alias``.

    The engine holds a session advisory lock, session settings and temporary
    tables across transactions, which pgbouncer in transaction mode would
    scatter over its server connections: when ``alias`` goes through pgbouncer
    the engine uses ANALYTICS_DIRECT_URL's alias, or refuses.
    """
    from django.db import connections

    from aunoo.databases import DIRECT_ALIAS, PRIMARY_ALIAS

    if connections[alias].settings_dict.get("PGBOUNCER"):
        if alias != PRIMARY_ALIAS or DIRECT_ALIAS not in connections:
            raise ImproperlyConfigured(
                f"The {alias!r} database is reached through pgbouncer "
                "(ANALYTICS_PGBOUNCER=true), but the migration engine holds a "
                "session-level lock and temporary tables that pgbouncer's "
                "transaction mode cannot keep: set ANALYTICS_DIRECT_URL to the "
                "same database on PostgreSQL itself (not through pgbouncer)."
            )
        alias = DIRECT_ALIAS
    params = connections[alias].get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    return params


def django_connector(alias: str = "analytics") -> Connect:
    """Dedicated, unpooled psycopg connections to a Django database's server.

    Django's own connection may be pooled and is shared with the ORM; the engine
    needs long transactions and COPY of its own. Going through
    ``get_connection_params`` makes the embedded server start if it is not
    running, and keeps whatever DATABASE_URL or POSTGRES_* configured.
    """
    params = engine_params(alias)
    # The change tracking of a cut-over knows the engine's writes by this name.
    params["application_name"] = ENGINE_APPLICATION_NAME

    def connect() -> psycopg.Connection[Any]:
        # Autocommit, so every ``transaction()`` block is a real transaction
        # that commits at its end (not a savepoint in an implicit one).
        conn = psycopg.connect(**params, autocommit=True)
        tune_session(conn)
        return conn

    return connect
