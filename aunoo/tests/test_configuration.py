"""Bad configuration fails at start with a message naming the variable and the fix."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from aunoo.databases import analytics_database, pool_options, sqlite_database
from aunoo.tests.sqlite_files import unwritable

PGDATA = Path("/nonexistent/pgdata")


def analytics(**env: str) -> dict[str, object]:
    return analytics_database(env, pgdata=PGDATA)


def test_database_url_configures_postgresql_with_a_native_pool() -> None:
    entry = analytics(
        DATABASE_URL="postgres://u:p%40ss@db.internal:6432/news?pool=true"
    )
    assert entry["ENGINE"] == "django.db.backends.postgresql"
    assert (entry["HOST"], entry["PORT"], entry["NAME"]) == (
        "db.internal",
        "6432",
        "news",
    )
    assert entry["PASSWORD"] == "p@ss"
    assert entry["OPTIONS"]["pool"] == {"min_size": 5, "max_size": 20, "timeout": 30.0}


def test_postgres_parts_configure_the_server() -> None:
    entry = analytics(POSTGRES_HOST="pg", POSTGRES_PORT="5433", POSTGRES_DB="news")
    assert (entry["HOST"], entry["PORT"], entry["NAME"]) == ("pg", "5433", "news")


def test_no_server_configured_means_the_embedded_one() -> None:
    entry = analytics()
    assert entry["ENGINE"] == "aunoo.embedded_pg"
    assert entry["EMBEDDED"]["PGDATA"] == str(PGDATA)


def test_pool_sizes_come_from_the_environment_as_numbers() -> None:
    pool = pool_options(
        {
            "POSTGRES_MIN_CONNECTIONS": "2",
            "POSTGRES_MAX_CONNECTIONS": "8",
            "POSTGRES_POOL_TIMEOUT": "2.5",
        }
    )
    assert pool == {"min_size": 2, "max_size": 8, "timeout": 2.5}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"DATABASE_URL": "postgres://u@host:notaport/db"},
            "DATABASE_URL is malformed",
        ),
        ({"DATABASE_URL": "just-a-word"}, "DATABASE_URL has no scheme"),
        ({"DATABASE_URL": "mysql://u@host/db"}, "uses 'mysql'"),
        ({"DATABASE_URL": "sqlite:///tmp/x.db"}, "must be PostgreSQL"),
        ({"DATABASE_URL": "postgres://u@host:5432/"}, "names no database"),
        ({"POSTGRES_HOST": "pg", "POSTGRES_PORT": "http"}, "POSTGRES_PORT must be"),
        ({"POSTGRES_MIN_CONNECTIONS": "five"}, "POSTGRES_MIN_CONNECTIONS must be"),
        ({"POSTGRES_MAX_CONNECTIONS": "0"}, "POSTGRES_MAX_CONNECTIONS must be greater"),
        ({"POSTGRES_POOL_TIMEOUT": "soon"}, "POSTGRES_POOL_TIMEOUT must be"),
        (
            {"POSTGRES_MIN_CONNECTIONS": "30", "POSTGRES_MAX_CONNECTIONS": "10"},
            "POSTGRES_MIN_CONNECTIONS (30) is larger",
        ),
    ],
)
def test_bad_analytics_settings_name_the_variable(
    env: dict[str, str], expected: str
) -> None:
    with pytest.raises(
        ImproperlyConfigured, match=expected.replace("(", r"\(").replace(")", r"\)")
    ):
        analytics(**env)


def test_malformed_url_message_says_how_to_fix_it() -> None:
    with pytest.raises(ImproperlyConfigured) as excinfo:
        analytics(DATABASE_URL="mysql://u@host/db")
    assert "postgres://USER:PASSWORD@HOST:5432/DBNAME" in str(excinfo.value)
    assert "embedded PostgreSQL" in str(excinfo.value)


def test_sqlite_path_in_an_unwritable_folder_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    with (
        unwritable(locked),
        pytest.raises(
            ImproperlyConfigured, match=r"SQLITE_DB_PATH=.*cannot be written"
        ),
    ):
        sqlite_database(locked / "aunoo.sqlite3")


def test_sqlite_path_whose_folder_cannot_be_created_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(
        ImproperlyConfigured, match=r"SQLITE_DB_PATH=.*cannot be created"
    ):
        sqlite_database(blocker / "sub" / "aunoo.sqlite3")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    child_env = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_unreachable_server_stops_startup_naming_host_and_port() -> None:
    port = _free_port()
    result = run_manage(
        "check", DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/aunoo"
    )
    assert result.returncode != 0
    assert f"127.0.0.1:{port}" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "unreachable" in result.stderr


def test_bad_setting_stops_manage_py_with_the_message() -> None:
    result = run_manage("check", DATABASE_URL="mysql://u@host/db")
    assert result.returncode != 0
    assert "DATABASE_URL uses 'mysql'" in result.stderr


def test_wsgi_refuses_to_start_with_the_analytics_server_down() -> None:
    port = _free_port()
    result = subprocess.run(
        [sys.executable, "-c", "import aunoo.wsgi"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/x"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"127.0.0.1:{port}" in result.stderr
