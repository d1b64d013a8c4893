"""The embedded PostgreSQL: started on demand, controlled by a command, self-healing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from aunoo import embedded_pg


@pytest.fixture
def pgdata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder of its own, no cluster yet: for the tests that start and stop it."""
    folder = tmp_path_factory.mktemp("embedded") / "pgdata"
    yield folder
    embedded_pg.stop(folder)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One folder for the tests that only need a running server.

    Whichever test calls ``ensure_running`` first creates and starts it; the
    others find it running, which is what ``ensure_running`` promises too.
    """
    folder = tmp_path_factory.mktemp("embedded_shared") / "pgdata"
    yield folder
    embedded_pg.stop(folder)


def manage(pgdata: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "POSTGRES_HOST", "AUNOO_PGDATA_THROWAWAY"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="aunoo.settings",
        AUNOO_PGDATA=str(pgdata),
        SQLITE_DB_PATH=str(pgdata.parent / "aunoo.sqlite3"),
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_server_starts_on_demand_and_serves_the_project_database(cluster: Path) -> None:
    socket_dir = embedded_pg.ensure_running(cluster)
    with psycopg.connect(host=socket_dir, user="postgres", dbname="aunoo") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert embedded_pg.status(cluster).running


def test_server_listens_on_a_unix_socket_only(cluster: Path) -> None:
    socket_dir = embedded_pg.ensure_running(cluster)
    with psycopg.connect(host=socket_dir, user="postgres", dbname="aunoo") as conn:
        addresses = conn.execute("SHOW listen_addresses").fetchone()
    assert addresses == ("",)


def test_command_reports_starts_and_stops_the_server(pgdata: Path) -> None:
    assert "stopped" in manage(pgdata, "analyticsdb", "status").stdout
    assert "running" in manage(pgdata, "analyticsdb", "start").stdout
    assert "running" in manage(pgdata, "analyticsdb", "status").stdout
    assert "stopped" in manage(pgdata, "analyticsdb", "stop").stdout
    assert not embedded_pg.status(pgdata).running


def test_server_keeps_running_after_the_command_that_started_it_exits(
    pgdata: Path,
) -> None:
    manage(pgdata, "analyticsdb", "start")
    assert embedded_pg.status(pgdata).running


def test_handles_of_killed_processes_are_pruned(cluster: Path) -> None:
    embedded_pg.ensure_running(cluster)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    handle_file = cluster / embedded_pg.HANDLE_FILE
    pids = json.loads(handle_file.read_text())
    handle_file.write_text(json.dumps([*pids, dead_pid]))
    assert embedded_pg.prune_dead_handles(cluster) == [dead_pid]
    assert dead_pid not in json.loads(handle_file.read_text())


def test_external_server_is_not_controlled_by_the_command() -> None:
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x"}
    result = subprocess.run(
        [sys.executable, "manage.py", "analyticsdb", "status"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "external server" in result.stderr


@pytest.mark.parametrize(
    ("memory_mb", "shared_buffers", "cache"),
    [(256, "128MB", "512MB"), (4096, "1024MB", "2048MB"), (65536, "2048MB", "32768MB")],
)
def test_settings_follow_the_machine_memory(
    memory_mb: int, shared_buffers: str, cache: str
) -> None:
    chosen = embedded_pg.settings(memory_mb * embedded_pg.MB)
    assert chosen["shared_buffers"] == shared_buffers
    assert chosen["effective_cache_size"] == cache


def test_the_server_runs_with_the_settings_for_this_machine(cluster: Path) -> None:
    socket_dir = embedded_pg.ensure_running(cluster)
    with psycopg.connect(host=socket_dir, user="postgres", dbname="aunoo") as conn:
        for name, value in embedded_pg.settings().items():
            same = conn.execute(
                "SELECT pg_size_bytes(current_setting(%s)) = pg_size_bytes(%s)",
                [name, value],
            ).fetchone()
            assert same == (True,), name
