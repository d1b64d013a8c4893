"""Bring the legacy application's configuration side into ``default`` (SQLite).

Reads a legacy file read-only and upserts, in one transaction:

* ``users`` -> ``auth.User`` with ``"bcrypt$" + password_hash`` (Django's
  ``BCryptPasswordHasher`` verifies the legacy ``$2b$12$…`` hashes and upgrades
  each at that user's next login) and an ``accounts.LegacyProfile`` with the
  legacy flags. The legacy app had no roles; its ``admin`` user, the account
  the legacy installer creates and the one that ran the instance, becomes
  staff and superuser here. Every other user is a plain active user.
* ``oauth_users`` (by email + provider), ``oauth_allowlist`` (by email).
* ``keyword_groups`` and ``monitored_keywords`` keeping their ids, because the
  analytics rows in PostgreSQL refer to them by number.
* ``keyword_monitor_settings`` (the single row, id 1).
* ``feed_keyword_groups`` and ``user_feed_subscriptions`` keeping their ids. A
  subscription's legacy ``user_id`` is the rowid of a legacy ``users`` row (the
  app was single-user and wrote 1); it is linked to that user when it exists.
* ``config (name, content)`` and ``app_config (config_key, config_value)`` rows
  into ``app_config``; ``app_config`` wins when both hold a key.

Re-running changes nothing. Once an imported user has signed in here (their
hash was upgraded, or ``last_login`` is set), this site owns the account: later
imports leave the password and the legacy flags alone, so the legacy copy can
never undo a password change made here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db import models, transaction

from accounts.models import LegacyProfile, OAuthAllowlistEntry, OAuthUser
from config_app.models import (
    AppSetting,
    FeedKeywordGroup,
    KeywordGroup,
    KeywordMonitorSettings,
    MonitoredKeyword,
    UserFeedSubscription,
)
from legacy.convert import (
    EMPTY_TO_NULL,
    Converted,
    SQLiteValue,
    decode_text,
    to_bool,
    to_float,
    to_int,
    to_timestamp,
)
from legacy.source import ANALYTICS_TABLES

LEGACY_ADMIN_USERNAME = "admin"
BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
USERNAME_MAX_LENGTH = 150

# The config-side legacy tables this import reads; the others are listed as
# not imported so the operator sees what stayed behind.
IMPORTED_TABLES = (
    "users",
    "oauth_users",
    "oauth_allowlist",
    "keyword_groups",
    "monitored_keywords",
    "keyword_monitor_settings",
    "feed_keyword_groups",
    "user_feed_subscriptions",
    "config",
    "app_config",
)

Converter = Callable[[SQLiteValue], Converted[Any]]
Row = Mapping[str, SQLiteValue]


class LegacySourceError(Exception):
    """The legacy file cannot be read; the message says why and what to do."""


class Outcome(Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class TableReport:
    """What happened to one legacy table's rows."""

    table: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, outcome: Outcome) -> None:
        attribute = outcome.value
        setattr(self, attribute, getattr(self, attribute) + 1)

    def skip(self, key: object, reason: str) -> None:
        self.skipped.append((str(key), reason))

    @property
    def source_rows(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.skipped)


@dataclass
class ImportReport:
    """Per-table results, the tables absent from the file and those left behind."""

    tables: list[TableReport] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    not_imported: list[str] = field(default_factory=list)
    dry_run: bool = False

    def table(self, name: str) -> TableReport:
        return next(report for report in self.tables if report.table == name)


# --- reading the legacy file ------------------------------------------------


def open_legacy_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection that cannot change the file's bytes."""
    if not path.is_file():
        raise LegacySourceError(
            f"{path} does not exist or is not a file: give the path of the legacy "
            "app's database (app/data/fnaapp.db)."
        )
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True)
        connection.text_factory = bytes  # invalid UTF-8 must not abort a read
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise LegacySourceError(
            f"{path} is not a readable SQLite database ({exc}): check that it is "
            "the legacy app's database file and that it is not truncated."
        ) from exc
    return connection


class LegacyConfigSource:
    """The config tables of a legacy file, read by column name."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        names = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        ).fetchall()
        self.tables = {_text(name) for (name,) in names}

    def columns(self, table: str) -> set[str]:
        info = self.connection.execute(f'PRAGMA table_info("{table}")').fetchall()
        return {_text(row[1]) for row in info}

    def rows(self, table: str) -> Iterator[dict[str, SQLiteValue]]:
        if table not in self.tables:
            return
        cursor = self.connection.execute(f'SELECT rowid AS "_rowid_", * FROM "{table}"')
        names = [description[0] for description in cursor.description]
        for values in cursor:
            yield dict(zip(names, values, strict=True))


def _text(raw: SQLiteValue) -> str:
    return decode_text(raw).value or ""


# --- writing with legacy values kept exactly ----------------------------------


def _auto_timestamp_fields(model: type[models.Model]) -> set[str]:
    # auto_now/auto_now_add overwrite the value on save(); the legacy dates are
    # written afterwards with QuerySet.update(), which does not run pre_save.
    return {
        model_field.attname
        for model_field in model._meta.concrete_fields
        if getattr(model_field, "auto_now", False)
        or getattr(model_field, "auto_now_add", False)
    }


def upsert(
    model: type[models.Model], key: dict[str, Any], values: dict[str, Any]
) -> Outcome:
    """Create or update the row found by ``key`` so it holds exactly ``values``."""
    manager = model._default_manager
    existing = manager.filter(**key).values("pk", *values).first()
    if existing is None:
        created = manager.create(**key, **values)
        restored = {
            name: values[name] for name in _auto_timestamp_fields(model) & set(values)
        }
        if restored:
            manager.filter(pk=created.pk).update(**restored)
        return Outcome.CREATED
    changed = {name: value for name, value in values.items() if existing[name] != value}
    if not changed:
        return Outcome.UNCHANGED
    manager.filter(**key).update(**changed)
    return Outcome.UPDATED


@dataclass(frozen=True)
class Column:
    """A legacy column, the model attribute it fills and how it is converted."""

    legacy: str
    attname: str
    convert: Converter


def converted_values(
    model: type[models.Model],
    columns: tuple[Column, ...],
    row: Row,
    *,
    key: object,
    report: TableReport,
) -> dict[str, Any]:
    """Values for the columns the legacy row has; issues noted in ``report``."""
    values: dict[str, Any] = {}
    for column in columns:
        if column.legacy not in row:
            continue  # an older file without this column: keep the default
        value, issue = column.convert(row[column.legacy])
        if issue is not None and issue != EMPTY_TO_NULL:
            report.notes.append(
                f"{key}: {column.legacy}: {issue} in {row[column.legacy]!r:.60}"
            )
        if value is None and not _nullable(model, column.attname):
            if row[column.legacy] is not None:
                report.notes.append(
                    f"{key}: {column.legacy}: {row[column.legacy]!r:.60} cannot "
                    "fill a required field; the current value or default is kept"
                )
            continue
        values[column.attname] = value
    return values


def _nullable(model: type[models.Model], attname: str) -> bool:
    return next(f for f in model._meta.concrete_fields if f.attname == attname).null


def _text_or_empty(raw: SQLiteValue) -> Converted[str]:
    value, issue = decode_text(raw)
    return Converted(value or "", issue)


# --- users ----------------------------------------------------------------------


def _owned_here(user: User) -> bool:
    """True once the user signed in here: their password is no longer legacy's."""
    return user.last_login is not None or not user.password.startswith("bcrypt$")


def _user_values(username: str, password_hash: str) -> dict[str, Any]:
    is_admin = username == LEGACY_ADMIN_USERNAME
    return {
        "password": f"bcrypt${password_hash}",
        "is_active": True,
        "is_staff": is_admin,
        "is_superuser": is_admin,
    }


def _profile_values(row: Row, key: str, report: TableReport) -> dict[str, bool]:
    values = {}
    for column in ("force_password_change", "completed_onboarding"):
        value, issue = to_bool(row.get(column))
        if issue is not None and issue != EMPTY_TO_NULL:
            report.notes.append(f"{key}: {column}: {issue}; stored as false")
        values[column] = bool(value)
    return values


def _user_problem(username: str, password_hash: str) -> str | None:
    if not username.strip():
        return "empty username"
    if len(username) > USERNAME_MAX_LENGTH:
        return f"username longer than {USERNAME_MAX_LENGTH} characters"
    if not password_hash.startswith(BCRYPT_PREFIXES):
        return "password_hash is not a bcrypt hash; create the account by hand"
    return None


def import_user(row: Row, report: TableReport) -> User | None:
    """Upsert one legacy user and its legacy flags; None when skipped."""
    username = _text(row.get("username"))
    password_hash = _text(row.get("password_hash")).strip()
    problem = _user_problem(username, password_hash)
    if problem is not None:
        report.skip(username, problem)
        return None
    user = User.objects.filter(username=username).first()
    if user is not None and not LegacyProfile.objects.filter(user=user).exists():
        report.skip(
            username,
            "a user with this name already exists here and was not imported; "
            "rename one of them and re-run",
        )
        return None
    if user is not None and _owned_here(user):
        report.count(Outcome.UNCHANGED)
        report.notes.append(
            f"{username}: signed in here since the import; password and flags kept"
        )
        return user
    outcome = upsert(
        User, {"username": username}, _user_values(username, password_hash)
    )
    user = User.objects.get(username=username)
    flags = upsert(
        LegacyProfile, {"user_id": user.pk}, _profile_values(row, username, report)
    )
    if outcome is Outcome.UNCHANGED and flags is not Outcome.UNCHANGED:
        outcome = Outcome.UPDATED
    report.count(outcome)
    return user


def import_users(source: LegacyConfigSource, report: TableReport) -> dict[int, int]:
    """Import every user; returns legacy rowid -> Django user id."""
    by_rowid = {}
    for row in source.rows("users"):
        user = import_user(row, report)
        if user is not None:
            by_rowid[int(row["_rowid_"])] = user.pk  # type: ignore[arg-type]
    return by_rowid


# --- the other tables -----------------------------------------------------------

OAUTH_USER_COLUMNS = (
    Column("name", "name", decode_text),
    Column("provider_id", "provider_id", decode_text),
    Column("avatar_url", "avatar_url", decode_text),
    Column("created_at", "created_at", to_timestamp),
    Column("last_login", "last_login", to_timestamp),
    Column("is_active", "is_active", to_bool),
)
ALLOWLIST_COLUMNS = (
    Column("added_by", "added_by", decode_text),
    Column("added_at", "added_at", to_timestamp),
    Column("is_active", "is_active", to_bool),
)
KEYWORD_GROUP_COLUMNS = (
    Column("name", "name", decode_text),
    Column("topic", "topic", decode_text),
    Column("created_at", "created_at", to_timestamp),
    Column("provider", "provider", decode_text),
    Column("source", "source", decode_text),
)
KEYWORD_COLUMNS = (
    Column("group_id", "group_id", to_int),
    Column("keyword", "keyword", decode_text),
    Column("created_at", "created_at", to_timestamp),
    Column("last_checked", "last_checked", to_timestamp),
)
FEED_GROUP_COLUMNS = (
    Column("name", "name", decode_text),
    Column("description", "description", decode_text),
    Column("color", "color", decode_text),
    Column("is_active", "is_active", to_bool),
    Column("created_at", "created_at", to_timestamp),
    Column("updated_at", "updated_at", to_timestamp),
)
SUBSCRIPTION_COLUMNS = (
    Column("user_id", "legacy_user_id", to_int),
    Column("group_id", "group_id", to_int),
    Column("notification_enabled", "notification_enabled", to_bool),
    Column("created_at", "created_at", to_timestamp),
)
MONITOR_SETTINGS_COLUMNS = tuple(
    Column(name, name, convert)
    for name, convert in (
        ("check_interval", to_int),
        ("interval_unit", to_int),
        ("search_fields", decode_text),
        ("language", decode_text),
        ("sort_by", decode_text),
        ("page_size", to_int),
        ("is_enabled", to_bool),
        ("daily_request_limit", to_int),
        ("search_date_range", to_int),
        ("provider", decode_text),
        ("auto_ingest_enabled", to_bool),
        ("min_relevance_threshold", to_float),
        ("quality_control_enabled", to_bool),
        ("auto_save_approved_only", to_bool),
        ("default_llm_model", decode_text),
        ("llm_temperature", to_float),
        ("llm_max_tokens", to_int),
        ("max_articles_per_run", to_int),
    )
)


def _legacy_id(row: Row, report: TableReport) -> int | None:
    value, _ = to_int(row.get("id"))
    if value is None:
        report.skip(repr(row.get("id")), "no usable id")
    return value


def _clash(model: type[models.Model], legacy_id: int, unique: dict[str, Any]) -> bool:
    """True when another row already holds these unique values."""
    return model._default_manager.filter(**unique).exclude(pk=legacy_id).exists()


def import_oauth_users(source: LegacyConfigSource, report: TableReport) -> None:
    for row in source.rows("oauth_users"):
        email, provider = _text(row.get("email")), _text(row.get("provider"))
        key = f"{email} ({provider})"
        if not email or not provider:
            report.skip(key, "email and provider are required")
            continue
        values = converted_values(
            OAuthUser, OAUTH_USER_COLUMNS, row, key=key, report=report
        )
        report.count(upsert(OAuthUser, {"email": email, "provider": provider}, values))


def import_allowlist(source: LegacyConfigSource, report: TableReport) -> None:
    for row in source.rows("oauth_allowlist"):
        email = _text(row.get("email"))
        if not email:
            report.skip(repr(row.get("email")), "email is required")
            continue
        values = converted_values(
            OAuthAllowlistEntry, ALLOWLIST_COLUMNS, row, key=email, report=report
        )
        report.count(upsert(OAuthAllowlistEntry, {"email": email}, values))


def import_keyword_groups(source: LegacyConfigSource, report: TableReport) -> None:
    for row in source.rows("keyword_groups"):
        legacy_id = _legacy_id(row, report)
        if legacy_id is None:
            continue
        values = converted_values(
            KeywordGroup, KEYWORD_GROUP_COLUMNS, row, key=legacy_id, report=report
        )
        if "name" not in values or "topic" not in values:
            report.skip(legacy_id, "name and topic are required")
        elif _clash(KeywordGroup, legacy_id, {"name": values["name"]}):
            report.skip(legacy_id, f"another group here is named {values['name']!r}")
        else:
            report.count(upsert(KeywordGroup, {"id": legacy_id}, values))


def import_keywords(source: LegacyConfigSource, report: TableReport) -> None:
    for row in source.rows("monitored_keywords"):
        legacy_id = _legacy_id(row, report)
        if legacy_id is None:
            continue
        values = converted_values(
            MonitoredKeyword, KEYWORD_COLUMNS, row, key=legacy_id, report=report
        )
        group_id = values.get("group_id")
        if "keyword" not in values:
            report.skip(legacy_id, "keyword is required")
        elif group_id is None or not KeywordGroup.objects.filter(pk=group_id).exists():
            report.skip(legacy_id, f"its group {group_id} does not exist (orphan)")
        elif _clash(
            MonitoredKeyword,
            legacy_id,
            {"group_id": group_id, "keyword": values["keyword"]},
        ):
            report.skip(
                legacy_id, "the group already has this keyword under another id"
            )
        else:
            report.count(upsert(MonitoredKeyword, {"id": legacy_id}, values))


def import_monitor_settings(source: LegacyConfigSource, report: TableReport) -> None:
    for row in source.rows("keyword_monitor_settings"):
        legacy_id = _legacy_id(row, report)
        if legacy_id is None:
            continue
        if legacy_id != 1:
            report.skip(legacy_id, "the settings are a single row with id 1")
            continue
        values = converted_values(
            KeywordMonitorSettings, MONITOR_SETTINGS_COLUMNS, row, key=1, report=report
        )
        report.count(upsert(KeywordMonitorSettings, {"id": 1}, values))


def import_feed_groups(source: LegacyConfigSource, report: TableReport) -> None:
    for row in source.rows("feed_keyword_groups"):
        legacy_id = _legacy_id(row, report)
        if legacy_id is None:
            continue
        values = converted_values(
            FeedKeywordGroup, FEED_GROUP_COLUMNS, row, key=legacy_id, report=report
        )
        if "name" not in values:
            report.skip(legacy_id, "name is required")
        else:
            report.count(upsert(FeedKeywordGroup, {"id": legacy_id}, values))


def import_subscriptions(
    source: LegacyConfigSource, report: TableReport, users: dict[int, int]
) -> None:
    for row in source.rows("user_feed_subscriptions"):
        legacy_id = _legacy_id(row, report)
        if legacy_id is None:
            continue
        values = converted_values(
            UserFeedSubscription,
            SUBSCRIPTION_COLUMNS,
            row,
            key=legacy_id,
            report=report,
        )
        group_id = values.get("group_id")
        if (
            group_id is None
            or not FeedKeywordGroup.objects.filter(pk=group_id).exists()
        ):
            report.skip(legacy_id, f"its feed group {group_id} does not exist (orphan)")
            continue
        values["user_id"] = users.get(values.get("legacy_user_id") or -1)
        report.count(upsert(UserFeedSubscription, {"id": legacy_id}, values))


def _settings_rows(source: LegacyConfigSource, report: TableReport) -> dict[str, str]:
    """Key -> value from ``config`` then ``app_config``, which wins on a clash."""
    merged: dict[str, str] = {}
    for table, key_column, value_column in (
        ("config", "name", "content"),
        ("app_config", "config_key", "config_value"),
    ):
        for row in source.rows(table):
            key = _text(row.get(key_column))
            if not key:
                report.skip(f"{table} {row.get(key_column)!r}", "empty key")
                continue
            if key in merged:
                report.skip(f"config {key}", "overridden by the app_config row")
            merged[key] = _text_or_empty(row.get(value_column)).value
    return merged


def import_settings(source: LegacyConfigSource, report: TableReport) -> None:
    for key, value in _settings_rows(source, report).items():
        report.count(upsert(AppSetting, {"config_key": key}, {"config_value": value}))


# --- the whole import -------------------------------------------------------------


def _not_imported(source: LegacyConfigSource) -> list[str]:
    return sorted(
        table
        for table in source.tables
        if table not in IMPORTED_TABLES
        # Moved to PostgreSQL by migrate_articles: not "left behind" by this import.
        and table not in ANALYTICS_TABLES
        and not table.startswith("sqlite_")
    )


def _run(source: LegacyConfigSource, report: ImportReport) -> None:
    def table(name: str) -> TableReport:
        table_report = TableReport(name)
        report.tables.append(table_report)
        return table_report

    users = import_users(source, table("users"))
    import_oauth_users(source, table("oauth_users"))
    import_allowlist(source, table("oauth_allowlist"))
    import_keyword_groups(source, table("keyword_groups"))
    import_keywords(source, table("monitored_keywords"))
    import_monitor_settings(source, table("keyword_monitor_settings"))
    import_feed_groups(source, table("feed_keyword_groups"))
    import_subscriptions(source, table("user_feed_subscriptions"), users)
    import_settings(source, table("app_config"))


def import_legacy_config(
    path: Path, *, dry_run: bool = False, using: str = "default"
) -> ImportReport:
    """Import the config side of the legacy file at ``path`` in one transaction.

    With ``dry_run`` the same work is done and rolled back, so the counts are
    exactly those a real run would print.
    """
    report = ImportReport(dry_run=dry_run)
    with closing(open_legacy_readonly(path)) as connection:
        source = LegacyConfigSource(connection)
        report.absent = [name for name in IMPORTED_TABLES if name not in source.tables]
        report.not_imported = _not_imported(source)
        with transaction.atomic(using=using):
            _run(source, report)
            if dry_run:
                transaction.set_rollback(True, using=using)
    return report
