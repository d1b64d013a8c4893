"""What PostgreSQL's statistics views say about the analytics server.

Every query against the catalog lives here: the ORM cannot express them. They
read ``pg_stat_*`` views only, never a table the app writes, so a scrape takes
no lock an app transaction could wait for. Columns that need the
``pg_monitor`` role (another session's query, the replicas' positions) come
back NULL for a plain user; the figures then say "unknown", not zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from legacy.runs import RUN_LOCK

TOP_STATEMENTS = 10
STATEMENT_TEXT_LIMIT = 160


@dataclass(frozen=True)
class TableSize:
    name: str
    table_bytes: int
    index_bytes: int
    live_rows: int
    dead_rows: int
    last_vacuum: float | None  # epoch seconds of the last (auto)vacuum


@dataclass(frozen=True)
class Replica:
    name: str
    address: str
    state: str
    lag_seconds: float | None
    lag_bytes: int | None


@dataclass(frozen=True)
class Statement:
    query_id: str
    query: str
    calls: int
    total_seconds: float
    mean_seconds: float
    rows: int


@dataclass(frozen=True)
class PostgresStats:
    version: str
    database: str
    database_bytes: int
    max_connections: int
    connections: dict[str, int]  # client backends by state, whole server
    blocks_hit: int
    blocks_read: int
    commits: int
    rollbacks: int
    deadlocks: int
    longest_transaction_seconds: float
    tables: list[TableSize]
    replicas: list[Replica]
    statements_loaded: bool
    statements: list[Statement] = field(default_factory=list)

    @property
    def cache_hit_ratio(self) -> float:
        total = self.blocks_hit + self.blocks_read
        return self.blocks_hit / total if total else 1.0


def read_postgres_stats(connection: BaseDatabaseWrapper) -> PostgresStats:
    """One round of the statistics queries on ``connection`` (analytics)."""
    with connection.cursor() as cursor:
        version, database, size, max_connections = _one(
            cursor,
            "SELECT current_setting('server_version'), current_database(), "
            "pg_database_size(current_database()), "
            "current_setting('max_connections')::int",
        )
        hit, read, commits, rollbacks, deadlocks = _one(
            cursor,
            "SELECT blks_hit, blks_read, xact_commit, xact_rollback, deadlocks "
            "FROM pg_stat_database WHERE datname = current_database()",
        )
        loaded = _statements_loaded(cursor)
        return PostgresStats(
            version=version,
            database=database,
            database_bytes=size,
            max_connections=max_connections,
            connections=_connections(cursor),
            blocks_hit=hit,
            blocks_read=read,
            commits=commits,
            rollbacks=rollbacks,
            deadlocks=deadlocks,
            longest_transaction_seconds=_longest_transaction(cursor),
            tables=_tables(cursor),
            replicas=_replicas(cursor),
            statements_loaded=loaded,
            statements=_statements(cursor) if loaded else [],
        )


def _one(cursor: Any, sql: str, params: list[Any] | None = None) -> Any:
    cursor.execute(sql, params)
    return cursor.fetchone()


def _connections(cursor: Any) -> dict[str, int]:
    cursor.execute(
        "SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity "
        "WHERE backend_type = 'client backend' GROUP BY 1"
    )
    return dict(cursor.fetchall())


def _longest_transaction(cursor: Any) -> float:
    # Every database of the server: an old snapshot anywhere holds back vacuum.
    (seconds,) = _one(
        cursor,
        "SELECT coalesce(max(extract(epoch FROM clock_timestamp() - xact_start)), 0)"
        " FROM pg_stat_activity WHERE xact_start IS NOT NULL "
        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
    )
    return float(seconds)


def _tables(cursor: Any) -> list[TableSize]:
    cursor.execute(
        "SELECT relname, pg_table_size(relid), pg_indexes_size(relid), "
        "n_live_tup, n_dead_tup, extract(epoch FROM "
        "greatest(last_vacuum, last_autovacuum)) "
        "FROM pg_stat_user_tables WHERE schemaname = current_schema() "
        "ORDER BY relname"
    )
    return [
        TableSize(name, table, index, live, dead, _float(vacuum))
        for name, table, index, live, dead, vacuum in cursor.fetchall()
    ]


def _replicas(cursor: Any) -> list[Replica]:
    cursor.execute(
        "SELECT coalesce(nullif(application_name, ''), 'walreceiver'), "
        "coalesce(host(client_addr), 'local'), state, "
        "extract(epoch FROM replay_lag), "
        "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) "
        "FROM pg_stat_replication ORDER BY 1, 2"
    )
    return [
        Replica(
            name,
            address,
            state or "unknown",
            # NULL once a replica has replayed everything and no WAL arrives.
            _float(seconds) if seconds is not None or lag is None else 0.0,
            None if lag is None else int(lag),
        )
        for name, address, state, seconds, lag in cursor.fetchall()
    ]


def _statements_loaded(cursor: Any) -> bool:
    """pg_stat_statements is preloaded and installed in this database."""
    (loaded,) = _one(
        cursor,
        "SELECT 'pg_stat_statements' = ANY(string_to_array(replace("
        "current_setting('shared_preload_libraries'), ' ', ''), ',')) "
        "AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = "
        "'pg_stat_statements')",
    )
    return bool(loaded)


def _statements(cursor: Any) -> list[Statement]:
    cursor.execute(
        "SELECT queryid::text, left(regexp_replace(query, '\\s+', ' ', 'g'), %s), "
        "calls, total_exec_time / 1000, mean_exec_time / 1000, rows "
        "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database "
        "WHERE datname = current_database()) AND queryid IS NOT NULL "
        "ORDER BY total_exec_time DESC LIMIT %s",
        [STATEMENT_TEXT_LIMIT, TOP_STATEMENTS],
    )
    return [
        Statement(query_id, query or "", calls, float(total), float(mean), rows)
        for query_id, query, calls, total, mean, rows in cursor.fetchall()
    ]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def run_lock_held(connection: BaseDatabaseWrapper) -> bool:
    """A migration engine run holds its lock on this database right now.

    A run recorded as ``running`` while nobody holds the lock died without
    saying so (see ``legacy.runs``).
    """
    with connection.cursor() as cursor:
        (held,) = _one(
            cursor,
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
            "AND classid = %s AND objid = %s AND objsubid = 2 AND granted "
            "AND database = (SELECT oid FROM pg_database "
            "WHERE datname = current_database()))",
            list(RUN_LOCK),
        )
    return bool(held)
