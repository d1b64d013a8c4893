"""Prometheus metrics: what each request and query cost, and the system's state.

Requests and queries are counted as they happen (``RequestMetricsMiddleware``,
``observe_query``); everything else is read when ``/metrics`` is scraped, by
``SystemCollector``, from the facts the System page shows too
(``aunoo.system``). prometheus_client writes the exposition format.

Counters live in the process that served the request. Under gunicorn with
several workers set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder the workers
share (cleared at each start): every scrape then adds up all workers.
"""

from __future__ import annotations

import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from aunoo import system
from aunoo.pg_stats import PostgresStats

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
QUERY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5]
QUERY_BUCKETS += [1, 2.5, 5, 10, 30]
LOCK_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20)
MIGRATION_STATUSES = ("running", "finished", "failed", "interrupted")
# psycopg_pool's statistics: the pool's present state...
POOL_GAUGES = {
    "pool_min": "connections the pool keeps open at least",
    "pool_max": "connections the pool may open at most",
    "pool_size": "connections open now, in use or idle",
    "pool_available": "idle connections ready to be handed out",
    "requests_waiting": "requests waiting for a connection now",
}
# ...and what it has done since the process started (milliseconds as seconds).
POOL_COUNTERS = {
    "requests_num": ("requests", "connections asked of the pool"),
    "requests_queued": ("requests_queued", "requests that had to wait"),
    "requests_wait_ms": ("requests_wait_seconds", "time requests spent waiting"),
    "requests_errors": ("requests_errors", "requests that failed (timed out)"),
    "returns_bad": ("returns_bad", "connections returned broken"),
    "connections_num": ("connections_opened", "connections opened to the server"),
    "connections_ms": ("connections_seconds", "time spent opening connections"),
    "connections_errors": ("connections_errors", "failed connection attempts"),
    "connections_lost": ("connections_lost", "connections found broken in the pool"),
    "usage_ms": ("usage_seconds", "time connections were lent out"),
}

REQUEST_SECONDS = Histogram(
    "aunoo_http_request_duration_seconds",
    "Time from the request's arrival to its response, per view.",
    ["view", "method"],
    buckets=LATENCY_BUCKETS,
)
REQUESTS = Counter(
    "aunoo_http_requests",
    "Responses sent, per view and status code.",
    ["view", "method", "status"],
)
QUERY_SECONDS = Histogram(
    "aunoo_db_query_duration_seconds",
    "Time of each SQL statement the app ran, per database alias.",
    ["alias"],
    buckets=QUERY_BUCKETS,
)
QUERIES = Counter(
    "aunoo_db_queries", "SQL statements the app ran, per database alias.", ["alias"]
)
QUERY_ERRORS = Counter(
    "aunoo_db_query_errors",
    "SQL statements that raised, per database alias and error class.",
    ["alias", "error"],
)
SQLITE_LOCK_WAIT = Histogram(
    "aunoo_sqlite_write_lock_wait_seconds",
    "Time SQLite writers waited for the database's write lock (BEGIN "
    "IMMEDIATE: the busy wait while another connection writes).",
    buckets=LOCK_BUCKETS,
)
SQLITE_BUSY = Counter(
    "aunoo_sqlite_busy_timeouts",
    "Statements that gave up after the busy timeout: 'database is locked'.",
)


class RequestMetricsMiddleware:
    """Time every request and count its response, labelled by the view's name.

    Place it first: the time then includes every other middleware. A request
    no URL matched is labelled ``<unmatched>``, so random paths cannot grow the
    number of series.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match else "<unmatched>"
        method = request.method if request.method in _METHODS else "other"
        REQUEST_SECONDS.labels(view, method).observe(time.perf_counter() - started)
        REQUESTS.labels(view, method, str(response.status_code)).inc()
        return response


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe_query(
    execute: Callable[..., Any],
    sql: str,
    params: Any,
    many: bool,
    context: dict[str, Any],
) -> Any:
    """An execute wrapper: count and time each statement, and its errors."""
    alias = context["connection"].alias
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    except Exception as exc:
        QUERY_ERRORS.labels(alias, exc.__class__.__name__).inc()
        if _is_busy(exc):
            SQLITE_BUSY.inc()
        raise
    finally:
        elapsed = time.perf_counter() - started
        QUERIES.labels(alias).inc()
        QUERY_SECONDS.labels(alias).observe(elapsed)
        if sql.startswith("BEGIN IMMEDIATE"):
            SQLITE_LOCK_WAIT.observe(elapsed)


def _is_busy(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc
    return isinstance(cause, sqlite3.OperationalError) and (
        "locked" in str(cause) or "busy" in str(cause)
    )


def install_query_observer(connection: BaseDatabaseWrapper, **_: Any) -> None:
    """``connection_created`` receiver: observe every statement on it, once."""
    if observe_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(observe_query)


class SystemCollector(Collector):
    """The system's state, read at scrape time: databases, pool, backups, runs."""

    def describe(self) -> list[Metric]:
        # Registered without a trial collect, which would query at start-up.
        return []

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        now = time.time()
        health = system.database_health()
        yield from _health_metrics(health)
        yield from _pool_metrics()
        facts = system.facts()
        if facts.postgres is not None:
            yield from _postgres_metrics(facts.postgres)
        yield from _sqlite_metrics(facts.sqlite)
        yield from _migration_metrics(facts.migrations)
        yield from _backup_metrics(facts.backups, now)
        yield _gauge(
            "aunoo_system_facts_age_seconds",
            "Age of the cached catalog facts (METRICS_CACHE_SECONDS at most).",
            now - facts.gathered_at,
        )
        yield _gauge(
            "aunoo_system_facts_cost_seconds",
            "What gathering the cached facts took, the last time they were read.",
            facts.cost_seconds,
        )
        yield _gauge(
            "aunoo_metrics_collect_seconds",
            "What this scrape's state collection took (cached facts reused).",
            time.perf_counter() - started,
        )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _labelled(
    name: str,
    documentation: str,
    labels: list[str],
    kind: type[GaugeMetricFamily | CounterMetricFamily] = GaugeMetricFamily,
) -> Any:
    return kind(name, documentation, labels=labels)


def _health_metrics(health: dict[str, system.DatabaseHealth]) -> Iterator[Metric]:
    up = _labelled(
        "aunoo_db_up", "1 when the database answers SELECT 1.", ["alias", "vendor"]
    )
    trip = _labelled("aunoo_db_round_trip_seconds", "Time SELECT 1 took.", ["alias"])
    for alias, entry in health.items():
        up.add_metric([alias, entry.vendor], 1 if entry.up else 0)
        if entry.round_trip_seconds is not None:
            trip.add_metric([alias], entry.round_trip_seconds)
    yield up
    yield trip


def pool_stats() -> dict[str, dict[str, int]]:
    """psycopg_pool's figures for each pooled alias, as the pool reports them."""
    return {
        alias: {**dict.fromkeys(POOL_GAUGES, 0), **dict.fromkeys(POOL_COUNTERS, 0),
                **connections[alias].pool.get_stats()}  # type: ignore[attr-defined]
        for alias in connections
        if getattr(connections[alias], "pool", None) is not None
    }  # fmt: skip


def _pool_metrics() -> Iterator[Metric]:
    stats = pool_stats()
    for key, text in POOL_GAUGES.items():
        family = _labelled(f"aunoo_db_pool_{key}", f"Pool: {text}.", ["alias"])
        for alias, values in stats.items():
            family.add_metric([alias], values.get(key, 0))
        yield family
    for key, (name, text) in POOL_COUNTERS.items():
        family = _labelled(
            f"aunoo_db_pool_{name}", f"Pool: {text}.", ["alias"], CounterMetricFamily
        )
        scale = 1000 if key.endswith("_ms") else 1
        for alias, values in stats.items():
            family.add_metric([alias], values.get(key, 0) / scale)
        yield family


def _postgres_metrics(pg: PostgresStats) -> Iterator[Metric]:
    info = _labelled(
        "aunoo_pg_info", "The analytics server's version.", ["version", "database"]
    )
    info.add_metric([pg.version, pg.database], 1)
    yield info
    yield _gauge(
        "aunoo_pg_database_size_bytes", "Size of the analytics database.",
        pg.database_bytes,
    )  # fmt: skip
    yield _gauge(
        "aunoo_pg_max_connections", "The server's max_connections.",
        pg.max_connections,
    )  # fmt: skip
    connected = _labelled(
        "aunoo_pg_connections",
        "Client connections to the server (all databases), by state.",
        ["state"],
    )
    for state, count in sorted(pg.connections.items()):
        connected.add_metric([state], count)
    yield connected
    yield _gauge(
        "aunoo_pg_cache_hit_ratio",
        "Share of block reads of this database served from shared buffers.",
        pg.cache_hit_ratio,
    )
    yield CounterMetricFamily(
        "aunoo_pg_blocks_hit", "Block reads served from shared buffers.",
        value=pg.blocks_hit,
    )  # fmt: skip
    yield CounterMetricFamily(
        "aunoo_pg_blocks_read", "Block reads that went to the disk or OS cache.",
        value=pg.blocks_read,
    )  # fmt: skip
    transactions = _labelled(
        "aunoo_pg_transactions", "Transactions of this database, by outcome.",
        ["outcome"], CounterMetricFamily,
    )  # fmt: skip
    transactions.add_metric(["commit"], pg.commits)
    transactions.add_metric(["rollback"], pg.rollbacks)
    yield transactions
    yield CounterMetricFamily(
        "aunoo_pg_deadlocks", "Deadlocks detected in this database.",
        value=pg.deadlocks,
    )  # fmt: skip
    yield _gauge(
        "aunoo_pg_longest_transaction_seconds",
        "Age of the oldest open transaction on the server (0: none).",
        pg.longest_transaction_seconds,
    )
    yield from _table_metrics(pg)
    yield from _replication_metrics(pg)
    yield from _statement_metrics(pg)


def _table_metrics(pg: PostgresStats) -> Iterator[Metric]:
    families = {
        "table_bytes": ("aunoo_pg_table_size_bytes", "Table size (with TOAST)."),
        "index_bytes": ("aunoo_pg_table_index_size_bytes", "Size of its indexes."),
        "live_rows": ("aunoo_pg_table_live_rows", "Estimated live rows."),
        "dead_rows": ("aunoo_pg_table_dead_rows", "Dead rows awaiting vacuum."),
    }
    for attribute, (name, text) in families.items():
        family = _labelled(name, text, ["table"])
        for table in pg.tables:
            family.add_metric([table.name], getattr(table, attribute))
        yield family


def _replication_metrics(pg: PostgresStats) -> Iterator[Metric]:
    yield _gauge(
        "aunoo_pg_replicas", "Replicas streaming from the server.", len(pg.replicas)
    )
    labels = ["replica", "address", "state"]
    seconds = _labelled(
        "aunoo_pg_replication_lag_seconds",
        "How far behind the primary each replica's replay is (NaN: unknown, "
        "needs the pg_monitor role).",
        labels,
    )
    size = _labelled(
        "aunoo_pg_replication_lag_bytes", "WAL not yet replayed per replica.", labels
    )
    for replica in pg.replicas:
        key = [replica.name, replica.address, replica.state]
        seconds.add_metric(key, _or_nan(replica.lag_seconds))
        size.add_metric(key, _or_nan(replica.lag_bytes))
    yield seconds
    yield size


def _statement_metrics(pg: PostgresStats) -> Iterator[Metric]:
    yield _gauge(
        "aunoo_pg_stat_statements_loaded",
        "1 when pg_stat_statements is preloaded and installed.",
        1 if pg.statements_loaded else 0,
    )
    labels = ["queryid", "query"]
    calls = _labelled(
        "aunoo_pg_statement_calls",
        "Calls of the statements with the most total time (top 10).",
        labels, CounterMetricFamily,
    )  # fmt: skip
    total = _labelled(
        "aunoo_pg_statement_seconds",
        "Total execution time of those statements.", labels, CounterMetricFamily,
    )  # fmt: skip
    mean = _labelled(
        "aunoo_pg_statement_mean_seconds", "Their mean execution time.", labels
    )
    for statement in pg.statements:
        key = [statement.query_id, statement.query]
        calls.add_metric(key, statement.calls)
        total.add_metric(key, statement.total_seconds)
        mean.add_metric(key, statement.mean_seconds)
    yield calls
    yield total
    yield mean


def _sqlite_metrics(stats: system.SqliteStats | None) -> Iterator[Metric]:
    if stats is None:
        return
    yield _gauge(
        "aunoo_sqlite_file_bytes", "Size of the SQLite file.", stats.file_bytes
    )
    yield _gauge(
        "aunoo_sqlite_wal_bytes",
        "Size of its write-ahead log (-wal): grows while a reader holds "
        "an old snapshot and checkpoints cannot finish.",
        stats.wal_bytes,
    )
    yield _gauge(
        "aunoo_sqlite_free_bytes", "Space inside the file on the free list.",
        stats.free_pages * stats.page_size,
    )  # fmt: skip


def _migration_metrics(
    runs: list[system.MigrationRunFacts] | None,
) -> Iterator[Metric]:
    status = _labelled(
        "aunoo_migration_last_run_status",
        "1 for the state of the newest migration engine run (a running one "
        "whose process died reads interrupted).",
        ["status", "mode"],
    )
    started = _labelled(
        "aunoo_migration_last_run_start_timestamp_seconds",
        "When the newest run started.", ["mode"],
    )  # fmt: skip
    finished = _labelled(
        "aunoo_migration_last_run_finish_timestamp_seconds",
        "When the newest run ended (NaN: not ended).", ["mode"],
    )  # fmt: skip
    if runs:
        last = runs[0]
        for name in MIGRATION_STATUSES:
            status.add_metric([name, last.mode], 1 if last.status == name else 0)
        started.add_metric([last.mode], last.started_at.timestamp())
        finished.add_metric(
            [last.mode], last.finished_at.timestamp() if last.finished_at else math.nan
        )
    yield status
    yield started
    yield finished


def _backup_metrics(state: system.BackupState, now: float) -> Iterator[Metric]:
    yield _gauge(
        "aunoo_backups",
        "Good backups in BACKUP_DIR (folders with a readable manifest.json).",
        len(state.backups),
    )
    yield _gauge(
        "aunoo_backup_age_seconds",
        "Age of the newest good backup; NaN when there is none.",
        state.age_seconds(now),
    )
    newest = state.newest
    yield _gauge(
        "aunoo_backup_last_success_timestamp_seconds",
        "When the newest good backup was taken; NaN when there is none.",
        newest.taken_at if newest else math.nan,
    )
    yield _gauge(
        "aunoo_backup_last_size_bytes",
        "Size of the newest good backup's files; NaN when there is none.",
        newest.size_bytes if newest else math.nan,
    )


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else value


_collector = SystemCollector()


def register() -> None:
    """Add the state collector to the process's registry (once, at start)."""
    REGISTRY.register(_collector)  # the same collector twice is one entry


def exposition() -> tuple[bytes, str]:
    """The scrape's body and content type; notes on missing facts as comments."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(_collector)
    else:
        registry = REGISTRY
    body = generate_latest(registry)
    notes = system.facts().notes
    comments = "".join(f"# {note}\n" for note in notes).encode()
    return body + comments, CONTENT_TYPE_LATEST
