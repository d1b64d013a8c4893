"""Every configuration table with a model: mapped by name, converted by type,
upserted by its legacy key, or rejected with the reason and the fix."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User

from accounts.models import OAuthUser
from aunoo.tests.sqlite_files import execute
from config_app.models import (
    BuildingBlock,
    KeywordGroup,
    KeywordMonitorStatus,
    LegacyConfigReject,
    MonitoredKeyword,
    NewsletterPrompt,
    OrganizationalProfile,
    PodcastSetting,
    ScenarioBlock,
    SignalInstruction,
    Tag,
    VantageDeskFilter,
)
from legacy.config import CONFIG_SIDE, CONFIG_TABLES, import_config
from legacy.config_report import ConfigReport
from legacy.config_rows import ConfigTable, plan_config_table
from legacy.runs import source_key
from legacy.source import LegacySource

pytestmark = pytest.mark.django_db(databases=["default"])

# The configuration side of the inventory (shared/legacy/README.md).
INVENTORY = {
    "users", "oauth_users", "oauth_sessions", "oauth_allowlist", "keyword_groups",
    "monitored_keywords", "keyword_monitor_settings", "keyword_monitor_status",
    "feed_keyword_groups", "user_feed_subscriptions", "feed_group_sources",
    "settings_podcasts", "mediabias_settings", "newsletter_prompts",
    "organizational_profiles", "auspex_prompts", "signal_instructions",
    "building_blocks", "scenarios", "scenario_blocks", "vantage_desk_filters",
    "migrations", "migration_history", "config", "tags",
}  # fmt: skip
JUNE = "2025-06-28 16:16:09"
PROMPT = {"prompt_template": "Summarise {articles}", "description": "Summary"}
PROFILE = {"description": "A publisher", "key_concerns": '["misinformation"]'}
SIGNAL = {"instruction": "Flag heat", "created_at": JUNE}
BLOCK = {"kind": "categorization", "prompt": "Which sector?"}


def run(path: Path, *, dry_run: bool = False) -> ConfigReport:
    with LegacySource(path) as source:
        return import_config(source, dry_run=dry_run)


def rejects(table: str) -> list[tuple[str | None, str, str | None]]:
    return list(
        LegacyConfigReject.objects.filter(table_name=table).values_list(
            "legacy_key", "reason", "column"
        )
    )


def dirty_rows() -> dict[str, list[dict[str, Any]]]:
    """One dirty value of each kind, across the tables."""
    return {
        "keyword_groups": [{"id": 7, "name": "Energy", "topic": "Climate"}],
        "monitored_keywords": [
            {"id": 1, "group_id": 7, "keyword": "solar", "last_checked": "yesterday"},
            {"id": 2, "group_id": "abc", "keyword": "wind"},  # required missing
            {"id": 3, "group_id": 4242, "keyword": "tidal"},  # orphan
        ],
        "keyword_monitor_settings": [{"id": 2}],  # the single row is id 1
        "newsletter_prompts": [
            {"content_type_id": "summary", **PROMPT},
            {"content_type_id": None, **PROMPT},  # null key
        ],
        "settings_podcasts": [
            {"key": "voices", "value": '{"host": "Auspex"}'},
            {"key": "voices\x00", "value": "{}"},  # the same key once NUL goes
            {"key": "intro", "value": "{'not': 'json'}"},
        ],
        "organizational_profiles": [
            {"id": 1, "name": "Newsroom", **PROFILE},
            {"id": 2, "name": "Newsroom\x00", **PROFILE},  # the same name
        ],
        "feed_group_sources": [
            {"id": 1, "group_id": 1, "source_type": "arxiv", "keywords": "[oops"},
        ],
        "vantage_desk_filters": [
            {"id": 1, "user_key": "local:admin", "include_hidden": "maybe"},
        ],
        "tags": [{"id": 1, "name": "climate"}],
    }


@pytest.fixture
def dirty(config_file: Callable[..., Path]) -> Path:
    return config_file(dirty_rows())


# --- the catalogue ---------------------------------------------------------------


def test_every_configuration_table_of_the_inventory_has_a_home() -> None:
    assert set(CONFIG_SIDE) - {"app_config"} == INVENTORY


def test_every_model_with_legacy_extra_outside_articles_is_imported() -> None:
    homes = {table.model for table in CONFIG_TABLES}
    with_extra = {
        model
        for label in ("config_app", "accounts")
        for model in apps.get_app_config(label).get_models()
        if any(field.name == "legacy_extra" for field in model._meta.fields)
    }
    assert with_extra - homes == {apps.get_model("accounts", "LegacyProfile")}


@pytest.mark.parametrize("table", CONFIG_TABLES, ids=lambda table: table.name)
def test_every_field_of_a_home_has_a_converter(table: ConfigTable) -> None:
    columns = [field.column for field in table.model._meta.concrete_fields]
    plan = plan_config_table(table, [*table.key_columns, *columns])
    assert plan.columns


# --- columns and values ------------------------------------------------------------


def test_legacy_ids_are_kept(config_file: Callable[..., Path]) -> None:
    run(config_file({"organizational_profiles": [{"id": 41, "name": "A"}]}))
    assert OrganizationalProfile.objects.get().pk == 41


def test_json_text_becomes_structured(config_file: Callable[..., Path]) -> None:
    block = {"id": 1, "name": "sector", **BLOCK, "options": '["Energy", "Transport"]'}
    run(config_file({"building_blocks": [block]}))
    assert BuildingBlock.objects.get().options == ["Energy", "Transport"]


def test_invalid_json_is_stored_null(dirty: Path) -> None:
    run(dirty)
    assert PodcastSetting.objects.get(key="intro").value is None


def test_invalid_json_keeps_its_text_in_legacy_extra(dirty: Path) -> None:
    run(dirty)
    extra = PodcastSetting.objects.get(key="intro").legacy_extra
    assert extra == {"unparsed": {"value": "{'not': 'json'}"}}


def test_invalid_json_in_a_required_column_rejects_the_row(dirty: Path) -> None:
    run(dirty)
    assert rejects("feed_group_sources") == [
        ("1", "required value missing", "keywords")
    ]


def test_a_day_becomes_a_date(config_file: Callable[..., Path]) -> None:
    status = {"id": 1, "last_reset_date": "2025-10-07"}
    run(config_file({"keyword_monitor_status": [status]}))
    assert KeywordMonitorStatus.objects.get().last_reset_date == dt.date(2025, 10, 7)


def test_a_day_with_a_time_keeps_its_text(config_file: Callable[..., Path]) -> None:
    day = "2025-10-07 13:57:09"
    run(config_file({"keyword_monitor_status": [{"id": 1, "last_reset_date": day}]}))
    status = KeywordMonitorStatus.objects.get()
    assert (status.last_reset_date, status.legacy_extra) == (
        None,
        {"unparsed": {"last_reset_date": day}},
    )


def test_an_unparseable_date_keeps_its_text(dirty: Path) -> None:
    run(dirty)
    keyword = MonitoredKeyword.objects.get(pk=1)
    assert keyword.legacy_extra == {"unparsed": {"last_checked": "yesterday"}}


def test_timestamps_are_utc(config_file: Callable[..., Path]) -> None:
    run(config_file({"signal_instructions": [{"id": 1, "name": "Heat", **SIGNAL}]}))
    expected = dt.datetime(2025, 6, 28, 16, 16, 9, tzinfo=dt.UTC)
    assert SignalInstruction.objects.get().created_at == expected


def test_an_invalid_boolean_is_stored_null_and_kept(dirty: Path) -> None:
    run(dirty)
    row = VantageDeskFilter.objects.get()
    assert (row.include_hidden, row.legacy_extra) == (
        None,
        {"unparsed": {"include_hidden": "maybe"}},
    )


def test_null_in_a_column_with_a_default_takes_the_default(
    config_file: Callable[..., Path],
) -> None:
    group = {"id": 1, "name": "Energy", "topic": "Climate", "provider": None}
    report = run(config_file({"keyword_groups": [group]}))
    assert KeywordGroup.objects.get().provider == "news"
    assert report.table("keyword_groups").conversions == {
        "provider": {"default used": 1}
    }


def test_a_column_with_no_field_is_kept_in_legacy_extra(
    config_file: Callable[..., Path],
) -> None:
    ddl = {"tags": "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT, colour TEXT)"}
    run(config_file({"tags": [{"id": 1, "name": "x", "colour": "red"}]}, ddl=ddl))
    assert Tag.objects.get().legacy_extra == {"unmapped": {"colour": "red"}}


def test_an_oauth_user_keeps_its_legacy_id_in_legacy_extra(
    config_file: Callable[..., Path],
) -> None:
    user = {"id": 9, "email": "ana@example.com", "provider": "google"}
    run(config_file({"oauth_users": [user]}))
    assert OAuthUser.objects.get().legacy_extra == {"unmapped": {"id": 9}}


def test_text_is_kept_exactly(config_file: Callable[..., Path]) -> None:
    prompt = {**PROMPT, "description": "  Spaces, \u00e9 and \U0001f30d  "}
    run(config_file({"newsletter_prompts": [{"content_type_id": "s", **prompt}]}))
    assert NewsletterPrompt.objects.get().description == prompt["description"]


def test_a_surrogate_key_model_is_matched_by_its_legacy_key(
    config_file: Callable[..., Path],
) -> None:
    path = config_file(
        {"scenario_blocks": [{"scenario_id": 1, "building_block_id": 2}]}
    )
    run(path)
    first = ScenarioBlock.objects.get().pk
    run(path)
    assert list(ScenarioBlock.objects.values_list("pk", flat=True)) == [first]


# --- rejects --------------------------------------------------------------------------


def test_a_null_key_is_rejected(dirty: Path) -> None:
    run(dirty)
    assert rejects("newsletter_prompts") == [(None, "null key", "content_type_id")]


def test_a_required_value_that_does_not_convert_is_rejected(dirty: Path) -> None:
    run(dirty)
    assert ("2", "required value missing", "group_id") in rejects("monitored_keywords")


def test_an_orphan_is_rejected(dirty: Path) -> None:
    run(dirty)
    assert ("3", "parent missing", "group_id") in rejects("monitored_keywords")


def test_a_key_met_twice_keeps_the_first_row(dirty: Path) -> None:
    run(dirty)
    assert PodcastSetting.objects.get(key="voices").value == {"host": "Auspex"}
    assert rejects("settings_podcasts") == [("voices", "duplicate key", "key")]


def test_a_unique_value_met_twice_is_rejected(dirty: Path) -> None:
    run(dirty)
    assert rejects("organizational_profiles") == [
        ("2", "duplicate unique value", "name")
    ]


def test_a_unique_value_held_by_a_row_made_here_is_rejected(
    config_file: Callable[..., Path],
) -> None:
    SignalInstruction.objects.create(id=100, name="Heat", instruction="mine")
    run(config_file({"signal_instructions": [{"id": 1, "name": "Heat", **SIGNAL}]}))
    assert SignalInstruction.objects.get().instruction == "mine"
    assert rejects("signal_instructions") == [("1", "duplicate unique value", "name")]


def test_a_row_breaking_a_check_constraint_is_rejected(dirty: Path) -> None:
    run(dirty)
    assert rejects("keyword_monitor_settings") == [("2", "constraint violation", None)]


def test_a_reject_names_the_row_the_column_and_the_fix(dirty: Path) -> None:
    report = run(dirty)
    [reject] = [r for r in report.rejects if r.table == "feed_group_sources"]
    assert reject.message == (
        "feed_group_sources 1: rejected, required value missing: keywords holds "
        "'[oops' (column keywords). Fix: fill the column in the legacy file and "
        "run import_legacy_config again."
    )


def test_a_reject_keeps_the_whole_legacy_row(dirty: Path) -> None:
    run(dirty)
    record = LegacyConfigReject.objects.get(
        table_name="monitored_keywords", legacy_key="3"
    )
    assert record.row == {
        "id": 3,
        "group_id": 4242,
        "keyword": "tidal",
        "created_at": record.row["created_at"],  # the legacy default, now
        "last_checked": None,
    }


def test_rejects_are_recorded_for_the_file_they_came_from(dirty: Path) -> None:
    run(dirty)
    assert set(LegacyConfigReject.objects.values_list("source_path", flat=True)) == {
        source_key(dirty)
    }


def test_a_reject_fixed_in_the_legacy_file_leaves_the_record(dirty: Path) -> None:
    run(dirty)
    execute(dirty, "UPDATE monitored_keywords SET group_id = 7 WHERE id = 3")
    run(dirty)
    assert ("3", "parent missing", "group_id") not in rejects("monitored_keywords")


def test_every_source_row_is_imported_or_rejected(dirty: Path) -> None:
    report = run(dirty)
    assert all(t.source == t.imported + t.rejected for t in report.tables)
    assert sum(t.source for t in report.tables) == sum(
        len(rows) for rows in dirty_rows().values()
    )


# --- the run as a whole -------------------------------------------------------------


def test_a_second_run_of_a_dirty_file_changes_nothing(dirty: Path) -> None:
    run(dirty)
    before = list(LegacyConfigReject.objects.values())
    second = run(dirty)
    assert all(t.created == t.updated == 0 for t in second.tables)
    assert list(LegacyConfigReject.objects.values()) == before


def test_dry_run_and_real_run_agree_on_a_dirty_file(dirty: Path) -> None:
    dry = run(dirty, dry_run=True)
    real = run(dirty)
    assert dry.summary() == real.summary()
    assert [r.message for r in dry.rejects] == [r.message for r in real.rejects]


def test_dry_run_writes_nothing(dirty: Path) -> None:
    run(dirty, dry_run=True)
    homes = [
        *apps.get_app_config("config_app").get_models(),
        *apps.get_app_config("accounts").get_models(),
        User,
    ]
    assert [model for model in homes if model._default_manager.exists()] == []


def test_summary_has_the_analytics_run_keys_per_table(dirty: Path) -> None:
    summary = run(dirty).summary()
    assert summary["monitored_keywords"] | {"conversions": {}} == {
        "database": "default",
        "target": "config_app.MonitoredKeyword",
        "source": 3,
        "migrated": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 2,
        "repaired": 1,
        "conversions": {},
        "reject_reasons": {"required value missing": 1, "parent missing": 1},
        "unmapped": [],
    }


def test_configuration_tables_the_file_lacks_are_listed(dirty: Path) -> None:
    report = run(dirty)
    assert "users" in report.missing and "app_config" not in report.missing
    assert report.summary()["users"] == {
        "database": "default",
        "missing_in_source": True,
    }


def test_analytics_tables_are_left_to_migrate_articles(
    config_file: Callable[..., Path],
) -> None:
    report = run(config_file({"tags": [], "feed_items": [{"id": 1, "title": "t"}]}))
    assert (report.analytics, [t.table for t in report.tables]) == (
        ["feed_items"],
        ["tags"],
    )


def test_a_table_of_neither_side_is_listed_apart(
    config_file: Callable[..., Path],
) -> None:
    ddl = {"notes": "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"}
    report = run(config_file({"tags": [], "notes": []}, ddl=ddl))
    assert (report.analytics, report.unknown) == ([], ["notes"])


def test_old_schema_columns_the_file_lacks_are_listed(
    config_file: Callable[..., Path],
) -> None:
    ddl = {
        "keyword_groups": "CREATE TABLE keyword_groups (id INTEGER PRIMARY KEY, "
        "name TEXT NOT NULL UNIQUE, topic TEXT NOT NULL, created_at TEXT)"
    }
    group = {"id": 1, "name": "Energy", "topic": "Climate"}
    report = run(config_file({"keyword_groups": [group]}, ddl=ddl))
    assert report.table("keyword_groups").missing == ("provider", "source")
