"""Bring the legacy application's configuration side into ``default`` (SQLite).

Every configuration table of the legacy inventory lands in its model (see
``CONFIG_TABLES``), read through :class:`legacy.source.LegacySource` only, so a
file that cannot be read as it is is refused as the analytics side refuses it.
Columns are matched by name and converted by field type (:mod:`legacy.config_rows`);
``users`` has its own rules (:mod:`legacy.config_users`). Ids are kept wherever
the legacy table has them: the analytics rows in PostgreSQL, and the
configuration rows among themselves, refer to them by number.

Every source row is imported (upserted by its legacy key: re-running changes
nothing) or rejected with the reason, the column and the fix: a NULL key, a
required value missing, a key already met in the file, a unique value or a
constraint another row here holds, a parent that does not exist. The rejects of
the last import of each file are kept in ``legacy_config_rejects``. Rows of
``config (name, content)`` are also copied into ``app_config``, the settings this
app reads; a legacy ``app_config`` row of the same key wins.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction

from accounts.models import OAuthAllowlistEntry, OAuthSession, OAuthUser
from config_app.models import (
    AppSetting,
    AuspexPrompt,
    BuildingBlock,
    ConfigItem,
    FeedGroupSource,
    FeedKeywordGroup,
    KeywordGroup,
    KeywordMonitorSettings,
    KeywordMonitorStatus,
    LegacyMigrationHistory,
    LegacySchemaMigration,
    MediaBiasSettings,
    MonitoredKeyword,
    NewsletterPrompt,
    OrganizationalProfile,
    PodcastSetting,
    Scenario,
    ScenarioBlock,
    SignalInstruction,
    Tag,
    UserFeedSubscription,
    VantageDeskFilter,
)
from legacy import config_users
from legacy.config_report import (
    PARENT_MISSING,
    ConfigReport,
    ConfigTableReport,
    Reject,
    legacy_row_json,
    preview,
)
from legacy.config_rows import (
    EXTRA_FIELD,
    ConfigPlan,
    ConfigRow,
    ConfigTable,
    convert_config_row,
    plan_config_table,
)
from legacy.config_store import store_rejects, upsert
from legacy.rows import CONSTRAINT, DUPLICATE_KEY, DUPLICATE_UNIQUE
from legacy.runs import source_key
from legacy.source import LegacySource, source_error

DEFAULT_DB: Final = "default"
USERS: Final = config_users.USERS

# In import order: parents before the rows that name them.
CONFIG_TABLES: Final = (
    ConfigTable("oauth_users", OAuthUser, key=("email", "provider")),
    ConfigTable("oauth_sessions", OAuthSession),
    ConfigTable("oauth_allowlist", OAuthAllowlistEntry, key=("email",)),
    ConfigTable("keyword_groups", KeywordGroup),
    ConfigTable("monitored_keywords", MonitoredKeyword),
    ConfigTable("keyword_monitor_settings", KeywordMonitorSettings),
    ConfigTable("keyword_monitor_status", KeywordMonitorStatus),
    ConfigTable("feed_keyword_groups", FeedKeywordGroup),
    # The legacy user_id is the rowid of a legacy users row, not a user id here.
    ConfigTable(
        "user_feed_subscriptions",
        UserFeedSubscription,
        renamed={"user_id": "legacy_user_id"},
    ),
    ConfigTable("feed_group_sources", FeedGroupSource),
    ConfigTable("vantage_desk_filters", VantageDeskFilter),
    ConfigTable("newsletter_prompts", NewsletterPrompt),
    ConfigTable("auspex_prompts", AuspexPrompt),
    ConfigTable("organizational_profiles", OrganizationalProfile),
    ConfigTable("signal_instructions", SignalInstruction),
    ConfigTable("building_blocks", BuildingBlock),
    ConfigTable("scenarios", Scenario),
    ConfigTable(
        "scenario_blocks", ScenarioBlock, key=("scenario_id", "building_block_id")
    ),
    ConfigTable("settings_podcasts", PodcastSetting),
    ConfigTable("mediabias_settings", MediaBiasSettings),
    ConfigTable("config", ConfigItem),
    # The migration plan's app_config never existed in a legacy release; read
    # if a file has it anyway.
    ConfigTable("app_config", AppSetting, key=("config_key",), expected=False),
    ConfigTable("tags", Tag),
    ConfigTable("migrations", LegacySchemaMigration),
    ConfigTable("migration_history", LegacyMigrationHistory),
)
CONFIG_SIDE: Final = (USERS, *(table.name for table in CONFIG_TABLES))
SCENARIO_TABLE: Final = re.compile(r"articles_scenario_\d+")


# --- reading ------------------------------------------------------------------------


@dataclass(frozen=True)
class LegacyRows:
    """One legacy table as read: its columns and its rows (rowid first)."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def read_config_side(source: LegacySource) -> dict[str, LegacyRows]:
    """Every configuration table the file has, read in one snapshot.

    The tables are small; one read transaction makes users and the feed
    subscriptions that name them agree even while the legacy app writes.
    """
    present = set(source.table_names())
    try:
        with _snapshot(source):
            return {
                name: _read(source, name) for name in CONFIG_SIDE if name in present
            }
    except sqlite3.DatabaseError as exc:  # locked or broken mid-read
        raise source_error(source.path, exc, source.lock_timeout) from exc


@contextmanager
def _snapshot(source: LegacySource) -> Iterator[None]:
    source.conn.execute("BEGIN")
    try:
        yield
    finally:
        source.conn.rollback()  # it only read


def _read(source: LegacySource, table: str) -> LegacyRows:
    columns = source.columns(table)
    return LegacyRows(columns, list(source.iter_rows(table, columns)))


def sides(source: LegacySource) -> tuple[list[str], list[str], list[str]]:
    """The file's other tables, and the configuration tables it lacks.

    Returns the tables migrate_articles moves (those with a home in the
    analytics app, and every ``articles_scenario_N``), those with a home on
    neither side, and the expected configuration tables the file does not have.
    """
    analytics_homes = {
        model._meta.db_table for model in apps.get_app_config("articles").get_models()
    }
    present = source.table_names()
    others = [name for name in present if name not in CONFIG_SIDE]
    analytics = [
        name
        for name in others
        if name in analytics_homes or SCENARIO_TABLE.fullmatch(name)
    ]
    unknown = [name for name in others if name not in analytics]
    expected = [USERS, *(table.name for table in CONFIG_TABLES if table.expected)]
    return analytics, unknown, [name for name in expected if name not in present]


# --- importing ------------------------------------------------------------------------


@dataclass
class Context:
    """What rows of one table need from the tables imported before it."""

    legacy_users: dict[int, int]  # legacy users rowid -> user id here


# Values a table's rows get from elsewhere than their own columns.
Derive = Callable[[ConfigRow, Context], dict[str, Any]]
DERIVED: Final[dict[str, Derive]] = {
    "user_feed_subscriptions": lambda row, context: {
        "user_id": context.legacy_users.get(row.values.get("legacy_user_id") or -1)
    },
}


def import_config(source: LegacySource, *, dry_run: bool = False) -> ConfigReport:
    """Import the configuration side of ``source`` in one transaction.

    With ``dry_run`` the same work is done and rolled back, so the counts are
    exactly those a real run would print.
    """
    report = ConfigReport(source_key(source.path), dry_run=dry_run)
    report.analytics, report.unknown, report.missing = sides(source)
    legacy = read_config_side(source)
    plans = plan_tables(legacy)  # a table without its key refuses the file here
    with transaction.atomic(using=DEFAULT_DB):
        _import(legacy, plans, report)
        store_rejects(report.source_path, report.rejects)
        if dry_run:
            transaction.set_rollback(True, using=DEFAULT_DB)
    return report


def plan_tables(legacy: dict[str, LegacyRows]) -> list[ConfigPlan]:
    """The plans of the configuration tables the file has, in import order."""
    return [
        plan_config_table(spec, legacy[spec.name].columns)
        for spec in CONFIG_TABLES
        if spec.name in legacy
    ]


def _import(
    legacy: dict[str, LegacyRows], plans: Sequence[ConfigPlan], report: ConfigReport
) -> None:
    users = legacy.get(USERS, LegacyRows((), []))
    if USERS in legacy:
        table = report.add(USERS, config_users.TARGET, len(users.rows))
        config_users.import_users(users.columns, users.rows, table)
    context = Context(config_users.legacy_user_ids(users.columns, users.rows))
    imported: dict[str, list[ConfigRow]] = {}
    for plan in plans:
        rows = legacy[plan.table.name].rows
        table = report.add(plan.table.name, plan.table.target, len(rows))
        imported[plan.table.name] = import_table(plan, rows, context, table)
    if "config" in imported:
        copy_settings(imported["config"], imported.get("app_config", []), report)


def expected_values(
    plan: ConfigPlan, row: ConfigRow, context: Context
) -> dict[str, Any]:
    """Everything the model's row holds for this legacy row, by attname."""
    values = dict(row.values)
    derive = DERIVED.get(plan.table.name)
    if derive is not None:
        values.update(derive(row, context))
    if plan.table.keeps_extra:
        values[EXTRA_FIELD] = row.extra
    return values


def import_table(
    plan: ConfigPlan,
    rows: Sequence[tuple[Any, ...]],
    context: Context,
    report: ConfigTableReport,
) -> list[ConfigRow]:
    """Upsert each row by its legacy key or reject it; the rows imported."""
    report.unmapped, report.missing = plan.unmapped, plan.missing
    if plan.unmapped and not plan.table.keeps_extra:
        report.notes.append(
            f"columns {', '.join(plan.unmapped)} have no home in {plan.table.target} "
            "and are not kept"
        )
    seen: dict[tuple[Any, ...], int] = {}
    imported = []
    for raw in rows:
        row = convert_config_row(plan, raw)
        values = expected_values(plan, row, context)
        reject = row_reject(plan, row, seen) or database_reject(plan, row, values)
        if reject is not None:
            reason, detail, column = reject
            report.rejects.append(
                Reject(
                    plan.table.name,
                    row.rowid,
                    row.key,
                    reason,
                    detail,
                    column,
                    legacy_row_json(plan.legacy_columns, raw),
                )
            )
            continue
        assert row.key is not None  # row_reject refuses a NULL key
        seen[row.key] = row.rowid
        report.record_issues(row)
        report.count(upsert(plan.table.model, plan.lookup(row.key), values))
        imported.append(row)
    return imported


Problem = tuple[str, str, str | None]  # reason, detail, column


def row_reject(
    plan: ConfigPlan, row: ConfigRow, seen: dict[tuple[Any, ...], int]
) -> Problem | None:
    """Why the row cannot land, from the file alone."""
    if row.reject is not None:
        column = row.reject_column
        original = next((i.original for i in row.issues if i.column == column), None)
        shown = "NULL" if original is None else preview(original)
        return row.reject, f"{row.reject}: {column} holds {shown}", column
    if row.key in seen:
        detail = f"rowid {seen[row.key]} of the file has the same key"
        return DUPLICATE_KEY, detail, ", ".join(plan.table.key_columns)
    return None


def database_reject(
    plan: ConfigPlan, row: ConfigRow, values: dict[str, Any]
) -> Problem | None:
    """Why the row cannot land next to the rows already here."""
    return _missing_parent(plan, values) or _violation(plan, row, values)


def _missing_parent(plan: ConfigPlan, values: dict[str, Any]) -> Problem | None:
    for column in plan.columns:
        relation = column.field
        value = values.get(column.attname)
        if not isinstance(relation, models.ForeignKey) or value is None:
            continue
        parents = relation.related_model._default_manager
        if not parents.filter(**{relation.target_field.attname: value}).exists():
            detail = f"its {relation.name} {value} does not exist (orphan)"
            return PARENT_MISSING, detail, column.legacy
    return None


def _violation(
    plan: ConfigPlan, row: ConfigRow, values: dict[str, Any]
) -> Problem | None:
    """A unique value or a constraint of the model this row would break."""
    assert row.key is not None
    model = plan.table.model
    instance = model(**values)
    existing = model._default_manager.filter(**plan.lookup(row.key)).first()
    if existing is not None:
        instance.pk, instance._state.adding = existing.pk, False
    try:
        instance.validate_unique()
        instance.validate_constraints()
    except ValidationError as exc:
        return _violation_problem(plan, exc)
    return None


def _violation_problem(plan: ConfigPlan, exc: ValidationError) -> Problem:
    errors = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: [exc]}
    field_name, found = next(iter(errors.items()))
    codes = {error.code for error in found}
    reason = DUPLICATE_UNIQUE if codes & {"unique", "unique_together"} else CONSTRAINT
    column = next((c.legacy for c in plan.columns if c.field.name == field_name), None)
    return reason, f"{reason}: {' '.join(exc.messages)}", column


def copy_settings(
    config: Sequence[ConfigRow], app_config: Sequence[ConfigRow], report: ConfigReport
) -> None:
    """``config (name, content)`` rows into ``app_config``, the app's settings."""
    settings = settings_from_config(config, app_config)
    for name, value in settings.items():
        key = {"config_key": name}
        upsert(AppSetting, key, {**key, "config_value": value})
    overridden = len(config) - len(settings)
    report.table("config").notes.append(
        f"{len(settings)} rows copied into app_config, the settings this app reads"
        + (
            f"; {overridden} left to the app_config row of the same key"
            * bool(overridden)
        )
    )


def settings_from_config(
    config: Sequence[ConfigRow], app_config: Sequence[ConfigRow]
) -> dict[str, str]:
    """The app_config rows that the imported config rows make: key -> value."""
    overridden = {row.values["config_key"] for row in app_config}
    return {
        row.values["name"]: row.values.get("content") or ""
        for row in config
        if row.values["name"] not in overridden
    }
