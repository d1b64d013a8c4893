"""Settings for the test suite.

Without DATABASE_URL or POSTGRES_HOST the suite runs on its own throwaway
embedded PostgreSQL cluster, created in a temporary folder and deleted when the
last process using it exits. Child processes started by tests inherit it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

if not os.environ.get("AUNOO_TEST_DIR"):
    os.environ["AUNOO_TEST_DIR"] = tempfile.mkdtemp(prefix="aunoo-test-")
    # Registered first, so it runs after the cluster's own cleanup has stopped it.
    atexit.register(shutil.rmtree, os.environ["AUNOO_TEST_DIR"], ignore_errors=True)
_test_dir = os.environ["AUNOO_TEST_DIR"]
os.environ["AUNOO_PGDATA"] = os.path.join(_test_dir, "pgdata")
os.environ["AUNOO_PGDATA_THROWAWAY"] = "1"
# A command a test starts in a child process works on the test's own SQLite
# database, which the test names here.
os.environ["SQLITE_DB_PATH"] = os.environ.get("AUNOO_TEST_SQLITE") or os.path.join(
    _test_dir, "aunoo.sqlite3"
)
os.environ["BACKUP_DIR"] = os.path.join(_test_dir, "backups")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else")
os.environ["DEBUG"] = "false"
os.environ["AUNOO_ENV_FILE"] = os.devnull


def _through_pgbouncer(test_dir: str) -> None:
    """AUNOO_TEST_PGBOUNCER=1: the analytics alias goes through a real pgbouncer
    in transaction mode, started here in front of the test PostgreSQL (the
    embedded one, or DATABASE_URL's server); the migration engine connects
    directly (ANALYTICS_DIRECT_URL). Child processes inherit the settings."""
    from pathlib import Path
    from urllib.parse import unquote, urlsplit

    from aunoo import embedded_pg
    from aunoo.embedded_pg.pgbouncer import start_pgbouncer

    server = os.environ.get("DATABASE_URL", "")
    if server:
        parts = urlsplit(server)
        host, port = parts.hostname or "127.0.0.1", parts.port or 5432
        database, direct = unquote(parts.path.lstrip("/")), server
    else:
        pgdata = Path(os.environ["AUNOO_PGDATA"])
        host = embedded_pg.ensure_running(pgdata, throwaway=True)
        port, database = 5432, embedded_pg.DATABASE_NAME
        direct = f"postgres://postgres@/{database}?host={host}"
    bouncer = start_pgbouncer(
        Path(test_dir) / "pgbouncer", server_host=host, server_port=port
    )
    atexit.register(bouncer.stop)
    os.environ["DATABASE_URL"] = bouncer.url(database)
    os.environ["ANALYTICS_DIRECT_URL"] = direct
    os.environ["ANALYTICS_PGBOUNCER"] = "true"
    os.environ["AUNOO_TEST_PGBOUNCER_PORT"] = str(bouncer.port)


if os.environ.get("AUNOO_TEST_PGBOUNCER") == "1" and not os.environ.get(
    "AUNOO_TEST_PGBOUNCER_PORT"
):
    _through_pgbouncer(_test_dir)

from aunoo.settings import *  # noqa: E402,F403

# Fast hashing keeps user fixtures cheap; the legacy bcrypt hasher stays enabled.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
]
