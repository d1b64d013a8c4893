"""Settings for aunoo, read from the environment (and an optional untracked .env).

``default`` is SQLite (users, sessions, configuration); ``analytics`` is
PostgreSQL (articles and all analytical data). See README.md for every variable.
"""

from __future__ import annotations

import os
from pathlib import Path

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured

from aunoo.databases import (
    analytics_database,
    direct_database,
    positive_setting,
    replica_databases,
    replica_settings,
    sqlite_database,
)

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
ENV_FILE = Path(os.environ.get("AUNOO_ENV_FILE", BASE_DIR / ".env"))
if ENV_FILE.is_file():
    env.read_env(str(ENV_FILE), overwrite=False)


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


DEBUG = _bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not _bool("AUNOO_ALLOW_GENERATED_SECRET", False):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Put a long random value in .env "
            "(`make run` writes one for you) or the environment."
        )
    # Development only: a per-process key, so sessions do not survive restarts.
    from django.core.management.utils import get_random_secret_key

    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "aunoo",
    "accounts",
    "config_app",
    "articles",
]

MIDDLEWARE = [
    # First, so a request's time includes every other middleware.
    "aunoo.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "aunoo.middleware.SecurityHeadersMiddleware",
    "aunoo.middleware.RejectNulCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "aunoo.middleware.ReadYourWritesMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.ForcePasswordChangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if DEBUG:
    INSTALLED_APPS.append("debug_toolbar")
    MIDDLEWARE.insert(0, "debug_toolbar.middleware.DebugToolbarMiddleware")
    INTERNAL_IPS = ["127.0.0.1"]

ROOT_URLCONF = "aunoo.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "aunoo.wsgi.application"

# Databases -----------------------------------------------------------------

VAR_DIR = BASE_DIR / "var"
SQLITE_DB_PATH = Path(os.environ.get("SQLITE_DB_PATH") or VAR_DIR / "aunoo.sqlite3")
EMBEDDED_PGDATA = Path(os.environ.get("AUNOO_PGDATA") or VAR_DIR / "pgdata")

_analytics = analytics_database(os.environ, pgdata=EMBEDDED_PGDATA)
_replicas = replica_databases(os.environ)
DATABASES = {
    "default": sqlite_database(SQLITE_DB_PATH),
    "analytics": _analytics,
    # The migration engine's way around pgbouncer (ANALYTICS_DIRECT_URL).
    **direct_database(os.environ, _analytics),
    # Read replicas (ANALYTICS_REPLICA_URLS): web requests' analytics reads.
    **_replicas,
}
DATABASE_ROUTERS = ["aunoo.routers.AnalyticsRouter"]
# The replica aliases the router may read from, and how far it trusts them.
ANALYTICS_REPLICAS = list(_replicas)
_replica_trust = replica_settings(os.environ)
ANALYTICS_REPLICA_MAX_LAG = _replica_trust["max_lag"]
ANALYTICS_REPLICA_PIN_SECONDS = _replica_trust["pin_seconds"]
ANALYTICS_REPLICA_CHECK_SECONDS = _replica_trust["check_seconds"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Auth ------------------------------------------------------------------------

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    # Imported legacy users keep their bcrypt hashes ("bcrypt$" + the legacy hash);
    # Django upgrades each to PBKDF2 at that user's next successful login.
    "django.contrib.auth.hashers.BCryptPasswordHasher",
]
_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator"},
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# After this many failed sign-ins within SIGN_IN_LOCKOUT_MINUTES, an account
# refuses sign-ins until the oldest of them is that old (accounts.sign_in_throttle).
SIGN_IN_FAILURE_LIMIT = positive_setting(os.environ, "SIGN_IN_FAILURE_LIMIT", 5)
SIGN_IN_LOCKOUT_MINUTES = positive_setting(os.environ, "SIGN_IN_LOCKOUT_MINUTES", 15)

CACHES = {
    # Per process: filter menus and other short-lived, recomputable values.
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Failed sign-ins must be counted once for all gunicorn workers, so they live
    # in a table of the default SQLite database (made by `manage.py migrate`).
    "sign_in_failures": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "sign_in_failures",
        # Culling past MAX_ENTRIES drops counts: far above any real number of
        # accounts failing within SIGN_IN_LOCKOUT_MINUTES.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}

# Security --------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = _bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS redirect and HSTS are decided by the TLS-terminating proxy in front of the
# app; set them here only when this process itself faces the internet.
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Monitoring --------------------------------------------------------------------

# A bearer token that lets monitoring read /healthz's details without a login;
# empty: only staff see them.
HEALTHZ_TOKEN = os.environ.get("HEALTHZ_TOKEN", "").strip()
if HEALTHZ_TOKEN and len(HEALTHZ_TOKEN) < 32:
    raise ImproperlyConfigured(
        "HEALTHZ_TOKEN is too short to be secret: use at least 32 characters, e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`, or leave "
        "it empty so that only staff see the details of /healthz."
    )

# Prometheus scrapes /metrics with `Authorization: Bearer <METRICS_TOKEN>`;
# empty: only staff may read it.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "").strip()
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured(
        "METRICS_TOKEN is too short to be secret: use at least 32 characters, e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`, or leave "
        "it empty so that only staff may read /metrics."
    )
# The catalog queries behind /metrics and the System page are kept this long
# per process, so a scrape every few seconds costs one round of them.
METRICS_CACHE_SECONDS = positive_setting(os.environ, "METRICS_CACHE_SECONDS", 5.0)
# Where `manage.py backup` writes its dated folders; /metrics reports the age of
# the newest one holding a manifest.json. Relative paths are from the project.
BACKUP_DIR = BASE_DIR / Path(os.environ.get("BACKUP_DIR") or "var/backups")
# Backups -----------------------------------------------------------------------

# A folder holding pg_dump, pg_restore and psql of the analytics server's major
# version, when neither the embedded package nor Debian's packages provide them.
POSTGRES_BIN_DIR = os.environ.get("POSTGRES_BIN_DIR", "").strip()
if POSTGRES_BIN_DIR and not Path(POSTGRES_BIN_DIR).is_dir():
    raise ImproperlyConfigured(
        f"POSTGRES_BIN_DIR={POSTGRES_BIN_DIR} is not a folder: set it to the folder "
        "holding pg_dump, pg_restore and psql of your PostgreSQL server's major "
        "version (e.g. /usr/lib/postgresql/18/bin), or leave it empty."
    )

# Search ------------------------------------------------------------------------

# "Most relevant first" ranks the newest this-many matches of a search (all of
# them when there are fewer), so a broad query costs what a narrow one costs.
SEARCH_RANK_WINDOW = positive_setting(os.environ, "SEARCH_RANK_WINDOW", 500)

# A keyword added or changed is matched against the stored articles in the
# request itself up to this many articles, in a background thread beyond.
KEYWORD_SCAN_INLINE_LIMIT = positive_setting(
    os.environ, "KEYWORD_SCAN_INLINE_LIMIT", 5000
)

# Internationalisation and static files ---------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
