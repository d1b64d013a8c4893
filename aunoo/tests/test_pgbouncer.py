"""Running behind a real pgbouncer in transaction mode.

pgbouncer hands each transaction the server connection that is free: LIFO, so
the most recently released one. Another client that opens a transaction right
after us takes ours, and our next statement lands on another server connection.
That is what these tests arrange, and what anything that outlives a transaction
(a cursor WITH HOLD, a prepared statement, a session lock) cannot survive.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

from aunoo.databases import DIRECT_ALIAS, analytics_database
from aunoo.embedded_pg.pgbouncer import PgBouncer, start_pgbouncer
from legacy.connect import engine_params


@pytest.fixture(autouse=True)
def _database_access(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Connections of the tests' own, to the test database, outside Django's tests."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="module")
def bouncer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgBouncer]:
    """A pgbouncer of its own in front of the test PostgreSQL."""
    server = engine_params("analytics")  # PostgreSQL itself, never a pooler
    started = start_pgbouncer(
        tmp_path_factory.mktemp("pgbouncer"),
        server_host=server.get("host") or "/var/run/postgresql",
        server_port=server.get("port") or 5432,
        pool_size=5,
    )
    yield started
    started.stop()


ALIAS = "through_pgbouncer"


@pytest.fixture(autouse=True)
def _forget_the_alias() -> Iterator[None]:
    yield
    if ALIAS in connections.settings:
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]


def wrapper_for(bouncer: PgBouncer, *, pgbouncer: bool, **options: Any) -> Any:
    """A Django connection through ``bouncer``, configured as settings would."""
    database = connections["analytics"].settings_dict["NAME"]
    env = {"DATABASE_URL": bouncer.url(database)}
    if pgbouncer:
        env["ANALYTICS_PGBOUNCER"] = "true"
    entry = analytics_database(env, pgdata=Path("unused"))
    entry["OPTIONS"].pop("pool")  # one plain connection is enough here
    entry["OPTIONS"].update(options)
    connections.settings[ALIAS] = connections.configure_settings({"default": entry})[
        "default"
    ]
    return connections[ALIAS]


def take_the_server_connection(bouncer: PgBouncer) -> psycopg.Connection[Any]:
    """Another client in a transaction: it holds the last released server connection."""
    other = psycopg.connect(bouncer.url(connections["analytics"].settings_dict["NAME"]))
    other.execute("SELECT 1")  # psycopg opened the transaction: it is held now
    return other


def read_in_chunks(wrapper: Any, bouncer: PgBouncer) -> int:
    """``QuerySet.iterator()`` outside a transaction, another client in between."""
    rows = MigrationRecorder(wrapper).migration_qs.order_by("id").iterator(2)
    try:
        count = len([next(rows), next(rows)])
        other = take_the_server_connection(bouncer)
        try:
            count += len(list(rows))
        finally:
            other.close()
    finally:
        wrapper.close()
    return count


def test_server_side_cursors_break_without_the_setting(bouncer: PgBouncer) -> None:
    wrapper = wrapper_for(bouncer, pgbouncer=False)
    with pytest.raises(Exception, match="does not exist"):
        read_in_chunks(wrapper, bouncer)


def test_chunked_reads_work_with_the_setting(bouncer: PgBouncer) -> None:
    wrapper = wrapper_for(bouncer, pgbouncer=True)
    migrations = MigrationRecorder(connections["analytics"]).migration_qs.count()
    assert migrations > 2
    assert read_in_chunks(wrapper, bouncer) == migrations


def run_twice(wrapper: Any, bouncer: PgBouncer) -> int:
    wrapper.ensure_connection()
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT %s::int + 1", [1])
            other = take_the_server_connection(bouncer)
            try:
                cursor.execute("SELECT %s::int + 1", [2])
                return int(cursor.fetchone()[0])
            finally:
                other.close()
    finally:
        wrapper.close()


def test_prepared_statements_break_through_pgbouncer(bouncer: PgBouncer) -> None:
    # What a URL with ?prepare_threshold=0 would do without ANALYTICS_PGBOUNCER.
    wrapper = wrapper_for(
        bouncer, pgbouncer=False, server_side_binding=True, prepare_threshold=0
    )
    with pytest.raises(Exception, match="does not exist"):
        run_twice(wrapper, bouncer)


def test_the_setting_prepares_nothing(bouncer: PgBouncer) -> None:
    wrapper = wrapper_for(bouncer, pgbouncer=True, server_side_binding=True)
    assert wrapper.get_connection_params()["prepare_threshold"] is None
    assert run_twice(wrapper, bouncer) == 3


def test_a_session_lock_is_lost_through_pgbouncer(bouncer: PgBouncer) -> None:
    """Why the migration engine must not take its run lock through pgbouncer."""
    database = connections["analytics"].settings_dict["NAME"]
    with psycopg.connect(bouncer.url(database), autocommit=True) as run:
        run.execute("SELECT pg_advisory_lock(4242)")
        other = take_the_server_connection(bouncer)
        try:
            released = run.execute("SELECT pg_advisory_unlock(4242)").fetchone()
        finally:
            other.close()
    assert released == (False,)  # the lock stays behind on a server connection
    bouncer.admin(f"KILL {database}")  # drop the server connection holding it


@pytest.mark.django_db(databases=["default", "analytics"])
def test_the_engine_refuses_pgbouncer_without_a_direct_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if DIRECT_ALIAS in connections:
        pytest.skip("ANALYTICS_DIRECT_URL is set in this run")
    monkeypatch.setitem(connections["analytics"].settings_dict, "PGBOUNCER", True)
    with pytest.raises(ImproperlyConfigured, match="ANALYTICS_DIRECT_URL"):
        engine_params("analytics")


@pytest.mark.django_db(databases=["default", "analytics"])
def test_the_suite_runs_through_pgbouncer_when_asked() -> None:
    port = os.environ.get("AUNOO_TEST_PGBOUNCER_PORT")
    if not port:
        pytest.skip("AUNOO_TEST_PGBOUNCER=1 not set: the suite talks to PostgreSQL")
    entry = connections["analytics"].settings_dict
    assert entry["PORT"] == port
    assert entry["DISABLE_SERVER_SIDE_CURSORS"] is True
    with connections["analytics"].cursor() as cursor:
        cursor.execute("SELECT 1")
    direct = engine_params("analytics")
    assert str(direct.get("port", "")) != port  # the engine goes around it
