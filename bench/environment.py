"""An isolated place to benchmark: never the developer's var/ data.

Without a server URL the benchmarks run on a throwaway embedded PostgreSQL
cluster and a throwaway SQLite file in a temporary folder, the way the test
settings do; with ``--database-url`` (or ``DATABASE_URL``) they create a
dedicated database on that server, named after the URL's database with a
``_bench`` suffix, and drop it at the end. Everything here runs before Django is
imported, because settings read the environment once, at import.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
# Gitignored: generated legacy files are cached here between runs.
CACHE_DIR = RESULTS_DIR / "tmp"

BENCH_USER = "bench"
BENCH_PASSWORD = "bench-password-1"


@dataclass(frozen=True)
class BenchEnvironment:
    work_dir: Path
    database_url: str | None
    server_database: str | None

    @property
    def describe(self) -> str:
        if self.database_url:
            return f"PostgreSQL server, database {self.server_database}"
        return f"throwaway embedded PostgreSQL in {self.work_dir}"


def prepare(database_url: str | None, *, keep: bool = False) -> BenchEnvironment:
    """Point the settings at a private SQLite file and a private analytics database."""
    work_dir = Path(tempfile.mkdtemp(prefix="aunoo-bench-"))
    if not keep:
        # Registered first so it runs last, after the cluster has been stopped.
        atexit.register(shutil.rmtree, work_dir, ignore_errors=True)
    os.environ.update(_common_variables(work_dir))
    server_database = None
    if database_url:
        database_url, server_database = _dedicated_database(database_url, keep=keep)
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("POSTGRES_HOST", None)
        os.environ["AUNOO_PGDATA"] = str(work_dir / "pgdata")
        os.environ["AUNOO_PGDATA_THROWAWAY"] = "1"
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    return BenchEnvironment(work_dir, database_url, server_database)


def _common_variables(work_dir: Path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "aunoo.settings",
        # The developer's .env may name their own database: never read it here.
        "AUNOO_ENV_FILE": os.devnull,
        "SQLITE_DB_PATH": str(work_dir / "aunoo.sqlite3"),
        "SECRET_KEY": "benchmark-only-secret-key-not-used-anywhere-else-0123456789",
        "DEBUG": "false",
        # The scale benchmark times the views in-process with Django's test client.
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        # The load generator speaks plain HTTP on 127.0.0.1.
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        # Many short-lived benchmark processes: no idle connections held open.
        "POSTGRES_MIN_CONNECTIONS": "1",
        "LOG_LEVEL": "ERROR",
    }


def _dedicated_database(url: str, *, keep: bool) -> tuple[str, str]:
    import psycopg

    parts = urlsplit(url)
    base = parts.path.lstrip("/") or "aunoo"
    name = f"{base}_bench"
    admin_url = urlunsplit(parts._replace(path="/postgres", query=""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    if not keep:
        atexit.register(_drop_database, admin_url, name)
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _drop_database(admin_url: str, name: str) -> None:
    import psycopg

    try:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error as exc:
        print(f"could not drop the benchmark database {name}: {exc}", file=sys.stderr)


def setup_django() -> None:
    """Import Django with the benchmark's settings (also used in child processes)."""
    import django

    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    django.setup()


def migrate_and_create_user() -> None:
    """Create both schemas and the staff user the HTTP benchmarks log in as."""
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if not User.objects.filter(username=BENCH_USER).exists():
        User.objects.create_superuser(BENCH_USER, "bench@example.com", BENCH_PASSWORD)
    _forget_killed_processes_at_exit()


def _forget_killed_processes_at_exit() -> None:
    """Let the throwaway cluster stop even if a benchmark process was killed.

    The embedded server stops when the last process using it exits; a child
    killed on a failure path leaves its pid behind. Registered after the first
    connection, so it runs before the server's own exit handler.
    """
    if os.environ.get("AUNOO_PGDATA_THROWAWAY") != "1":
        return
    from aunoo import embedded_pg

    atexit.register(embedded_pg.prune_dead_handles, Path(os.environ["AUNOO_PGDATA"]))


def analytics_dsn() -> dict[str, Any]:
    """psycopg connection parameters of the analytics database, as Django uses them."""
    from django.db import connections

    connection = connections["analytics"]
    params = dict(connection.get_connection_params())
    for key in (
        "context",
        "cursor_factory",
        "prepare_threshold",
        "server_side_binding",
    ):
        params.pop(key, None)
    return params
