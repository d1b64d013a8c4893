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
PRIMARY_ALIAS = "analytics"
DIRECT_ALIAS = "analytics_direct"
REPLICA_ALIAS_PREFIX = "analytics_replica_"
# A replica that cannot be reached is given up on quickly: reads go to the primary.
REPLICA_CONNECT_TIMEOUT = 2


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
    if pgbouncer_mode(env):
        if entry["SOURCE"] == "embedded":
            raise ImproperlyConfigured(
                "ANALYTICS_PGBOUNCER=true, but no server is configured: point "
                "DATABASE_URL (or POSTGRES_HOST and POSTGRES_PORT) at pgbouncer, or "
                "set ANALYTICS_PGBOUNCER=false to use the embedded PostgreSQL."
            )
        behind_pgbouncer(entry, entry["SOURCE"])
    return entry


def is_secondary(alias: str, entry: Mapping[str, Any]) -> bool:
    """A replica or the engine's direct alias: another way into ``analytics``,
    never migrated, and not needed for the app to serve."""
    return alias == DIRECT_ALIAS or bool(entry.get("REPLICA"))


def pgbouncer_mode(env: Mapping[str, str]) -> bool:
    """ANALYTICS_PGBOUNCER: the app reaches PostgreSQL through pgbouncer."""
    raw = env.get("ANALYTICS_PGBOUNCER", "").strip().lower()
    if raw in {"", "0", "false", "no", "off"}:
        return False
    if raw in {"1", "true", "yes", "on"}:
        return True
    value = env["ANALYTICS_PGBOUNCER"]
    raise ImproperlyConfigured(
        f"ANALYTICS_PGBOUNCER must be true or false, not {value!r}."
    )


def behind_pgbouncer(entry: dict[str, Any], variable: str) -> None:
    """Settings for a pgbouncer in transaction mode, which may hand each
    transaction to a different server connection: nothing may outlive one.

    Prepared statements and cursors outside a transaction (``.iterator()`` in
    autocommit declares one WITH HOLD) belong to one server connection, so both
    are turned off, as Django's documentation for transaction pooling says.
    """
    if entry["OPTIONS"].get("prepare_threshold") not in (None, "None", ""):
        raise ImproperlyConfigured(
            f"{variable} sets prepare_threshold, but ANALYTICS_PGBOUNCER=true: "
            "pgbouncer in transaction mode cannot keep prepared statements. Remove "
            "prepare_threshold from the URL, or set ANALYTICS_PGBOUNCER=false when "
            "the app connects to PostgreSQL directly."
        )
    entry["OPTIONS"]["prepare_threshold"] = None
    entry["DISABLE_SERVER_SIDE_CURSORS"] = True
    entry["PGBOUNCER"] = True


def direct_database(
    env: Mapping[str, str], analytics: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """``analytics_direct``: the same database without pgbouncer, for the engine.

    The migration engine holds a session-level advisory lock, session settings
    and temporary tables across transactions; pgbouncer in transaction mode
    would scatter them over server connections. Without ANALYTICS_DIRECT_URL
    there is no such alias and the engine uses ``analytics`` (refusing to when
    that goes through pgbouncer).
    """
    url = env.get("ANALYTICS_DIRECT_URL", "")
    if not url:
        return {}
    entry = _from_url(url, variable="ANALYTICS_DIRECT_URL")
    entry["SOURCE"] = "ANALYTICS_DIRECT_URL"
    entry["OPTIONS"].setdefault("application_name", APPLICATION_NAME)
    entry["CONN_MAX_AGE"] = 0
    # In tests it follows the primary to its test database.
    entry["TEST"] = {"MIRROR": PRIMARY_ALIAS}
    if entry["NAME"] != analytics["NAME"]:
        raise ImproperlyConfigured(
            f"ANALYTICS_DIRECT_URL names the database {entry['NAME']!r}, but the "
            f"analytics database is {analytics['NAME']!r}: both must name the same "
            "database (the direct one bypasses pgbouncer, nothing else)."
        )
    return {DIRECT_ALIAS: entry}


def replica_databases(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """``analytics_replica_N`` for each URL of ANALYTICS_REPLICA_URLS (from 1).

    Replicas keep a persistent connection per worker thread instead of a pool:
    a pool waits its whole timeout for a server that stopped, a plain connection
    is refused at once and the read goes to the primary.
    """
    raw = env.get("ANALYTICS_REPLICA_URLS", "")
    urls = [url.strip() for url in raw.split(",") if url.strip()]
    replicas: dict[str, dict[str, Any]] = {}
    for number, url in enumerate(urls, start=1):
        replicas[f"{REPLICA_ALIAS_PREFIX}{number}"] = replica_database(
            url, pgbouncer=pgbouncer_mode(env), variable="ANALYTICS_REPLICA_URLS"
        )
    return replicas


def replica_database(url: str, *, pgbouncer: bool, variable: str) -> dict[str, Any]:
    """One replica's entry; the test suite builds its replica's with this too."""
    entry = _from_url(url, variable=variable)
    entry["OPTIONS"].setdefault("application_name", APPLICATION_NAME)
    entry["OPTIONS"].setdefault("connect_timeout", REPLICA_CONNECT_TIMEOUT)
    entry["CONN_MAX_AGE"] = 60
    entry["CONN_HEALTH_CHECKS"] = True
    entry["TEST"] = {"MIRROR": PRIMARY_ALIAS}
    entry["REPLICA"] = True
    if pgbouncer:
        behind_pgbouncer(entry, variable)
    return entry


def replica_settings(env: Mapping[str, str]) -> dict[str, float]:
    """How replicas are trusted: lag limit, read-your-writes window, check interval."""
    return {
        "max_lag": positive_setting(env, "ANALYTICS_REPLICA_MAX_LAG", 5.0),
        "pin_seconds": positive_setting(env, "ANALYTICS_REPLICA_PIN_SECONDS", 10.0),
        "check_seconds": positive_setting(env, "ANALYTICS_REPLICA_CHECK_SECONDS", 2.0),
    }


def _from_url(url: str, variable: str = "DATABASE_URL") -> dict[str, Any]:
    fix = (
        "use postgres://USER:PASSWORD@HOST:5432/DBNAME, "
        "or unset it to use the embedded PostgreSQL"
        if variable == "DATABASE_URL"
        else "use postgres://USER:PASSWORD@HOST:5432/DBNAME"
    )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(f"{variable} is malformed ({exc}): {fix}.") from exc
    if not parts.scheme:
        raise ImproperlyConfigured(f"{variable} has no scheme: {fix}.")
    if parts.scheme not in POSTGRES_SCHEMES:
        raise ImproperlyConfigured(
            f"{variable} uses '{parts.scheme}', but the analytics database must be "
            f"PostgreSQL: {fix}."
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured(f"{variable} names no database: {fix}.")
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
        "SOURCE": variable,
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
