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
os.environ["SQLITE_DB_PATH"] = os.path.join(_test_dir, "aunoo.sqlite3")
os.environ["BACKUP_DIR"] = os.path.join(_test_dir, "backups")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else")
os.environ["DEBUG"] = "false"
os.environ["AUNOO_ENV_FILE"] = os.devnull

from aunoo.settings import *  # noqa: E402,F403

# Fast hashing keeps user fixtures cheap; the legacy bcrypt hasher stays enabled.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
]
