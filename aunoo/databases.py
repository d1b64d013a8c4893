"""Builds the two DATABASES entries from the operators' environment variables.

Kept apart from settings.py so each bad-configuration message can be tested by
calling these functions with a plain mapping instead of re-importing settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

POSTGRES_SCHEMES = frozenset({"postgres", "postgresql", "pgsql"})
DEFAULT_POOL = {"min_size": 5, "max_size": 20, "timeout": 30.0}
# How the app's sessions name themselves to PostgreSQL: the cut-over's change
# tracking tells the app's writes from the migration engine's by it.
APPLICATION_NAME = "aunoo"


def analytics_database(env: Mapping[str, str], *, pgdata: Path) -> dict[str, Any]:
    """``analytics``: DATABASE_URL, else POSTGRES_*, else the embedded server."""
    if env.get("DATABASE_URL"):
        entry = _from_url(env["DATABASE_URL"])
    elif env.get("POSTGRES_HOST"):
        entry = _from_parts(env)
    else:
        entry = _embedded(env, pgdata)
    entry["OPTIONS"]["pool"] = pool_options(env)
    entry["OPTIONS"].setdefault("application_name", APPLICATION_NAME)
    entry.setdefault("CONN_MAX_AGE", 0)
    entry["TEST"] = {"NAME": f"test_{entry['NAME']}"}
    return entry


def _from_url(url: str) -> dict[str, Any]:
    fix = (
        "use postgres://USER:PASSWORD@HOST:5432/DBNAME, "
        "or unset it to use the embedded PostgreSQL"
    )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is malformed ({exc}): {fix}."
        ) from exc
    if not parts.scheme:
        raise ImproperlyConfigured(f"DATABASE_URL has no scheme: {fix}.")
    if parts.scheme not in POSTGRES_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL uses '{parts.scheme}', but the analytics database must be "
            f"PostgreSQL: {fix}."
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured(f"DATABASE_URL names no database: {fix}.")
    query = parse_qs(parts.query)
    options: dict[str, Any] = {
        key: values[-1] for key, values in query.items() if key != "pool"
    }
    host = parts.hostname or options.pop("host", "")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(port or ""),
        "OPTIONS": options,
        "SOURCE": "DATABASE_URL",
    }


def _from_parts(env: Mapping[str, str]) -> dict[str, Any]:
    port = env.get("POSTGRES_PORT", "5432")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ImproperlyConfigured(
            f"POSTGRES_PORT must be a port number (1-65535), not {port!r}."
        )
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": env.get("POSTGRES_DB", "aunoo"),
        "USER": env.get("POSTGRES_USER", "postgres"),
        "PASSWORD": env.get("POSTGRES_PASSWORD", ""),
        "HOST": env["POSTGRES_HOST"],
        "PORT": port,
        "OPTIONS": {},
        "SOURCE": "POSTGRES_HOST",
    }


def _embedded(env: Mapping[str, str], pgdata: Path) -> dict[str, Any]:
    return {
        "ENGINE": "aunoo.embedded_pg",
        "NAME": "aunoo",
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "OPTIONS": {},
        "SOURCE": "embedded",
        "EMBEDDED": {
            "PGDATA": str(pgdata),
            "THROWAWAY": env.get("AUNOO_PGDATA_THROWAWAY", "") == "1",
        },
    }


def pool_options(env: Mapping[str, str]) -> dict[str, Any]:
    """Django's native psycopg pool settings (numbers, never URL strings)."""
    min_size = positive_setting(
        env, "POSTGRES_MIN_CONNECTIONS", DEFAULT_POOL["min_size"]
    )
    max_size = positive_setting(
        env, "POSTGRES_MAX_CONNECTIONS", DEFAULT_POOL["max_size"]
    )
    timeout = positive_setting(env, "POSTGRES_POOL_TIMEOUT", DEFAULT_POOL["timeout"])
    if min_size > max_size:
        raise ImproperlyConfigured(
            f"POSTGRES_MIN_CONNECTIONS ({min_size}) is larger than "
            f"POSTGRES_MAX_CONNECTIONS ({max_size}): "
            "lower the first or raise the second."
        )
    return {"min_size": min_size, "max_size": max_size, "timeout": timeout}


def positive_setting(env: Mapping[str, str], name: str, default: float) -> Any:
    """A positive number of the same kind (int or float) as ``default``."""
    kind = type(default)
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name} must be a {'whole ' if kind is int else ''}number, not {raw!r}."
        ) from exc
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be greater than zero, not {raw!r}.")
    return value


def sqlite_database(path: Path) -> dict[str, Any]:
    """The ``default`` entry: SQLite tuned for a web app with writers."""
    folder = path.parent
    if not folder.is_dir():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ImproperlyConfigured(
                f"SQLITE_DB_PATH={path}: its folder {folder} does not exist and cannot "
                f"be created ({exc.strerror}). Create it or choose another path."
            ) from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ImproperlyConfigured(
            f"SQLITE_DB_PATH={path}: the folder {folder} cannot be written, and SQLite "
            "needs to create its journal files there. Make it writable or choose "
            "another path."
        )
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=20000;"
                "PRAGMA foreign_keys=ON;"
            ),
        },
        "TEST": {"NAME": str(path.with_name(f"test_{path.name}"))},
    }
