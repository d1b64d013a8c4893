"""The schema registry: every legacy table's side, key, references and DDL.

Plain sqlite3 only: these tests need neither Django settings nor a database.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from legacy import schema
from legacy.schema import ANALYTICS, CONFIG, TABLES, VERSIONS

LEGACY = Path(__file__).resolve().parents[2].parent / "shared" / "legacy"
REAL_FILES = {
    "2025-10": "fnaapp_20251007_1d8143a4.db",
    "2025-03": "fnaapp_20250318_4c0b0e03.db",
}
# The inventory's sides (shared/legacy/README.md).
CONFIG_TABLES = {
    "users", "oauth_users", "oauth_sessions", "oauth_allowlist", "keyword_groups",
    "monitored_keywords", "keyword_monitor_settings", "keyword_monitor_status",
    "feed_keyword_groups", "user_feed_subscriptions", "feed_group_sources",
    "settings_podcasts", "mediabias_settings", "newsletter_prompts",
    "organizational_profiles", "auspex_prompts", "signal_instructions",
    "building_blocks", "scenarios", "scenario_blocks", "vantage_desk_filters",
    "migrations", "migration_history", "config", "tags",
}  # fmt: skip
ANALYTICS_TABLES = {
    "articles", "raw_articles", "keyword_article_matches", "keyword_alerts",
    "article_analysis_cache", "article_annotations", "mediabias", "feed_items",
    "signal_alerts", "incident_status", "shared_news_feeds", "auspex_chats",
    "auspex_messages", "model_bias_arena_runs", "model_bias_arena_results",
    "model_bias_arena_articles", "analysis_versions", "analysis_versions_v2",
    "trend_consistency_metrics", "podcasts", "daily_news_feeds",
    "articles_scenario_1", "reports", "keyword_alert_articles",
}  # fmt: skip


def _objects(connection: sqlite3.Connection) -> dict[str, str]:
    query = (
        "SELECT name, sql FROM sqlite_master "
        "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
    )
    return dict(connection.execute(query).fetchall())


def _created(release: str, **options: object) -> dict[str, str]:
    with closing(sqlite3.connect(":memory:")) as connection:
        schema.create_legacy_schema(connection, release, **options)
        return _objects(connection)


def _foreign_keys(table: schema.LegacyTable) -> set[tuple[str, str, str]]:
    with closing(sqlite3.connect(":memory:")) as connection:
        connection.execute(table.create_sql())
        rows = connection.execute(f"PRAGMA foreign_key_list({table.name})")
        return {(row[3], row[2], row[4]) for row in rows}


def test_a_2025_10_file_has_44_tables() -> None:
    assert len(VERSIONS["2025-10"].tables) == 44
    assert len(VERSIONS["2025-03"].tables) == 11


@pytest.mark.legacy_files
@pytest.mark.parametrize("release", ["2025-10", "2025-03"])
def test_each_release_is_the_real_file_object_for_object(release: str) -> None:
    path = LEGACY / REAL_FILES[release]
    if not path.exists():
        pytest.skip(f"the real legacy files are not in {LEGACY}")
    uri = f"file:{path}?mode=ro&immutable=1"
    with closing(sqlite3.connect(uri, uri=True)) as real:
        assert _created(release) == _objects(real)


@pytest.mark.parametrize("release", ["2025-10", "2025-03"])
def test_each_table_reads_as_sqlite_stores_it(release: str) -> None:
    created = _created(release)
    for table in VERSIONS[release].tables:
        assert table.sql() == created[table.name], table.name


def test_sides_are_the_inventory() -> None:
    assert {n for n, t in TABLES.items() if t.side == CONFIG} == CONFIG_TABLES
    assert {n for n, t in TABLES.items() if t.side == ANALYTICS} == ANALYTICS_TABLES


def test_any_scenario_table_is_analytics_and_an_unknown_one_has_no_side() -> None:
    assert schema.side("articles_scenario_42") == ANALYTICS
    assert schema.side("custom_notes") is None


@pytest.mark.parametrize("name", sorted(TABLES))
def test_keys_and_references_name_real_columns(name: str) -> None:
    table = TABLES[name]
    assert set(table.key) <= set(table.columns())
    for reference in table.references:
        assert reference.column in table.columns()
        assert reference.target in TABLES[reference.table].columns()


@pytest.mark.parametrize("name", sorted(TABLES))
def test_declared_references_are_the_foreign_keys(name: str) -> None:
    table = TABLES[name]
    declared = {
        (ref.column, ref.table, ref.target) for ref in table.references if ref.declared
    }
    assert declared == _foreign_keys(table)


@pytest.mark.parametrize("release", ["2025-10", "2025-03"])
def test_each_release_has_the_tables_its_tables_refer_to(release: str) -> None:
    names = {table.name for table in VERSIONS[release].tables}
    for table in VERSIONS[release].tables:
        assert set(table.parents) <= names, table.name


def test_2025_03_lacks_the_later_columns() -> None:
    (articles,) = [t for t in VERSIONS["2025-03"].tables if t.name == "articles"]
    assert len(articles.columns()) == 18
    assert len(TABLES["articles"].columns()) == 36


def test_a_scenario_table_has_two_columns_per_block() -> None:
    table = schema.scenario_table(7, ("Risk Level", "Key Actors"))
    assert table.columns()[9:] == (
        "risk_level",
        "risk_level_explanation",
        "key_actors",
        "key_actors_explanation",
    )
    assert table.columns()[:9] == TABLES["articles_scenario_1"].columns()[:9]


def test_occasional_tables_are_created_on_request() -> None:
    plain = _created("2025-03")
    everything = _created("2025-03", occasional=True)
    added = {table.name for table in VERSIONS["2025-03"].occasional}
    assert (
        set(everything) - set(plain)
        == added
        == {
            "config",
            "tags",
            "reports",
            "keyword_alert_articles",
        }
    )


def test_an_unknown_release_is_refused() -> None:
    with pytest.raises(ValueError, match="2024-01"):
        schema.version("2024-01")
