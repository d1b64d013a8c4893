"""Runs of the migration engine: one at a time per target, recorded as they go.

The run lock is a PostgreSQL advisory lock held by the run's own session, so the
server enforces it and releases it the moment the process dies (SIGKILL, a
reboot, a lost connection): a killed run never blocks the next one. Migrations
and catch-ups take it exclusively; validation takes it shared, so it never
compares against a half-written table but several validations may run at once.
A run still marked ``running`` while nobody holds the lock died without saying
so; it is shown as ``interrupted``.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import psycopg
from psycopg.types.json import Jsonb

from legacy.source import file_sha256

# (classid, objid) of the advisory lock: "auno" and the engine's number.
RUN_LOCK: Final = (0x61756E6F, 1)

# Advisory locks belong to one database: look only at this one's.
_THIS_DATABASE = "(SELECT oid FROM pg_database WHERE datname = current_database())"
_LOCK_HELD = (
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
    "AND classid = %s AND objid = %s AND objsubid = 2 AND granted "
    f"AND database = {_THIS_DATABASE})"
)


class RunLocked(Exception):
    """Another run holds the target; the message names it."""


def now() -> datetime:
    return datetime.now(UTC)


def source_key(path: Path) -> str:
    """How checkpoints, rejects and runs name a legacy file: its absolute path."""
    return str(Path(path).resolve())


def _holder(pg: psycopg.Connection[Any]) -> str:
    """Who holds the run lock, as precisely as the server can tell."""
    row = pg.execute(
        "SELECT host, pid, started_at, mode, source_path FROM legacy_migration_runs "
        "WHERE status = 'running' ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    if row is not None:
        host, pid, started, mode, source = row
        return (
            f"a {mode} run of {source} started {started:%Y-%m-%d %H:%M:%S %Z} "
            f"by process {pid} on {host or 'an unknown host'}"
        )
    activity = pg.execute(
        "SELECT a.pid, a.application_name, a.client_addr, a.backend_start "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.classid = %s AND l.objid = %s "
        f"AND l.granted AND l.database = {_THIS_DATABASE} LIMIT 1",
        list(RUN_LOCK),
    ).fetchone()
    if activity is None:
        return "another run (it has just finished: try again)"
    pid, name, address, started = activity
    return (
        f"{name or 'a session'} (server process {pid}, from "
        f"{address or 'a local socket'}, since {started:%Y-%m-%d %H:%M:%S %Z}), "
        "most likely validate_migration"
    )


def acquire(pg: psycopg.Connection[Any], *, shared: bool = False) -> None:
    """Take the run lock on ``pg``'s session, or raise RunLocked naming the holder.

    ``pg`` must be in autocommit mode: the lock lives as long as the session.
    """
    function = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
    row = pg.execute(f"SELECT {function}(%s, %s)", list(RUN_LOCK)).fetchone()
    if row and row[0]:
        return
    holder = _holder(pg)
    if shared:
        raise RunLocked(
            f"The analytics database is being written by {holder}. Validate once "
            "it has finished: a comparison now would see half-written tables."
        )
    raise RunLocked(
        f"Another migration holds this database: {holder}. Only one run at a time "
        "may write it. Wait for it to finish, or stop it (Ctrl-C or kill; every "
        "committed batch is kept) and run this command again."
    )


def release(pg: psycopg.Connection[Any], *, shared: bool = False) -> None:
    function = "pg_advisory_unlock_shared" if shared else "pg_advisory_unlock"
    pg.execute(f"SELECT {function}(%s, %s)", list(RUN_LOCK))


def settle_interrupted(pg: psycopg.Connection[Any]) -> int:
    """Mark ``running`` runs whose process is gone as ``interrupted``; how many."""
    cursor = pg.execute(
        "UPDATE legacy_migration_runs SET status = 'interrupted' "
        f"WHERE status = 'running' AND NOT ({_LOCK_HELD % RUN_LOCK})"
    )
    return cursor.rowcount


def start_run(pg: psycopg.Connection[Any], path: Path, mode: str) -> int:
    """Take the run lock, settle dead runs, record this one; its id."""
    acquire(pg)
    # Holding the lock, this is the only live run: any other "running" one died.
    pg.execute(
        "UPDATE legacy_migration_runs SET status = 'interrupted' "
        "WHERE status = 'running'"
    )
    row = pg.execute(
        "INSERT INTO legacy_migration_runs (source_path, source_sha256, mode, "
        "started_at, status, summary, host, pid) VALUES (%s, %s, %s, %s, "
        "'running', '{}', %s, %s) RETURNING id",
        [
            source_key(path),
            # A catch-up reads a file the legacy app is still changing: its hash
            # would describe no state worth keeping, and costs seconds a GB.
            "" if mode == "catch-up" else file_sha256(path),
            mode,
            now(),
            socket.gethostname(),
            os.getpid(),
        ],
    ).fetchone()
    assert row is not None
    return int(row[0])


def end_run(
    pg: psycopg.Connection[Any], run_id: int, summary: dict[str, Any], status: str
) -> None:
    pg.execute(
        "UPDATE legacy_migration_runs SET finished_at = %s, status = %s, summary = %s "
        "WHERE id = %s",
        [now(), status, Jsonb(summary), run_id],
    )
    release(pg)
