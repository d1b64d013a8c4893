"""The engine's own PostgreSQL connections, tuned for bulk loading."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

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


def django_connector(alias: str = "analytics") -> Connect:
    """Dedicated, unpooled psycopg connections to a Django database's server.

    Django's own connection may be pooled and is shared with the ORM; the engine
    needs long transactions and COPY of its own. Going through
    ``get_connection_params`` makes the embedded server start if it is not
    running, and keeps whatever DATABASE_URL or POSTGRES_* configured.
    """
    from django.db import connections

    params = connections[alias].get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    # The change tracking of a cut-over knows the engine's writes by this name.
    params["application_name"] = ENGINE_APPLICATION_NAME

    def connect() -> psycopg.Connection[Any]:
        # Autocommit, so every ``transaction()`` block is a real transaction
        # that commits at its end (not a savepoint in an implicit one).
        conn = psycopg.connect(**params, autocommit=True)
        tune_session(conn)
        return conn

    return connect
