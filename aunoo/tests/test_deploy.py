"""Production settings pass ``check --deploy`` but for what the TLS proxy decides."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connections

# HTTPS redirect and HSTS belong to the proxy that terminates TLS (README).
PROXY_DECIDED = {"security.W004", "security.W008"}


def analytics_url_for_child() -> dict[str, str]:
    """Point a child process at this run's analytics test database."""
    entry = connections["analytics"].settings_dict
    if entry["ENGINE"] == "aunoo.embedded_pg":
        return {}  # the child finds the throwaway cluster through AUNOO_PGDATA
    return {
        "DATABASE_URL": f"postgres://{quote(entry['USER'])}:{quote(entry['PASSWORD'])}"
        f"@{entry['HOST']}:{entry['PORT'] or 5432}/{entry['NAME']}"
    }


@pytest.fixture
def production_env(tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="aunoo.settings",
        SECRET_KEY="k" * 20 + "production-like-secret-with-enough-entropy-0123456789",
        SQLITE_DB_PATH=str(tmp_path / "prod.sqlite3"),
        ALLOWED_HOSTS="news.example.org",
        AUNOO_ENV_FILE=os.devnull,
    )
    env.update(analytics_url_for_child())
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.django_db(databases=["analytics"])
def test_check_deploy_lists_only_the_proxy_decided_https_settings(
    production_env: dict[str, str],
) -> None:
    migrated = manage(production_env, "migrate", "--noinput", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    result = manage(production_env, "check", "--deploy")
    reported = set(re.findall(r"\(([\w.]+\.[EW]\d+)\)", result.stderr + result.stdout))
    assert reported == PROXY_DECIDED, result.stderr


@pytest.mark.django_db(databases=["analytics"])
def test_migrate_creates_the_sign_in_failures_table(
    production_env: dict[str, str],
) -> None:
    migrated = manage(production_env, "migrate", "--noinput", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    with closing(sqlite3.connect(production_env["SQLITE_DB_PATH"])) as sqlite:
        tables = {row[0] for row in sqlite.execute("SELECT name FROM sqlite_master")}
    assert "sign_in_failures" in tables


@pytest.mark.django_db(databases=["analytics"])
def test_debug_is_off_unless_asked_for(production_env: dict[str, str]) -> None:
    result = manage(
        production_env,
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr
