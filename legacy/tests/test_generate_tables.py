"""The generator fills every table: the registry's DDL, realistic counts that
follow the articles, per-table dirty values where the facts say, unknown tables.

Plain sqlite3 only: these tests need neither Django settings nor a database.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from legacy import schema
from legacy.generate import (
    DUPLICATE_KEY,
    DUPLICATE_UNIQUE,
    NULL_KEY,
    REQUIRED_MISSING,
    GeneratedFacts,
    generate_legacy_file,
)
from legacy.generate.analytics_rows import SIZES, scaled
from legacy.generate.config_rows import SCENARIOS, scenario_tables

ARTICLES = 300
EXTRA = {"extra_tables": ("custom_notes",), "extra_tables_without_rowid": ("codes",)}
STORAGE_CLASSES = {b"integer", b"real", b"text", b"blob", b"null"}
# Config tables whose rows are fixed values shaped like the real copies'; the
# config import's tests rely on them, so nothing is planted there.
FIXED_TABLES = {
    "users", "keyword_groups", "monitored_keywords", "keyword_monitor_settings",
    "keyword_monitor_status", "migrations", "oauth_users", "oauth_sessions",
    "oauth_allowlist", "feed_keyword_groups", "user_feed_subscriptions",
    "mediabias_settings", "config",
}  # fmt: skip
JSON_COLUMNS = {
    "auspex_chats": ("metadata",),
    "auspex_messages": ("metadata",),
    "model_bias_arena_runs": ("selected_models",),
    "analysis_versions": ("version_data",),
    "analysis_versions_v2": ("version_data", "cache_metadata"),
    "trend_consistency_metrics": ("detailed_metrics",),
    "podcasts": ("metadata",),
    "shared_news_feeds": ("feed_data",),
    "feed_items": ("engagement_metrics", "tags", "mentions", "images"),
    "settings_podcasts": ("value",),
    "building_blocks": ("options",),
    "organizational_profiles": (
        "key_concerns", "strategic_priorities", "stakeholder_focus",
        "competitive_landscape", "regulatory_environment",
    ),
    "feed_group_sources": ("keywords", "search_settings"),
    "vantage_desk_filters": ("source_date_combinations",),
}  # fmt: skip


def _build(directory: Path, name: str = "fnaapp.db", **options: Any) -> GeneratedFacts:
    options.setdefault("articles", ARTICLES)
    return generate_legacy_file(directory / name, **options)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFacts:
    return _build(tmp_path_factory.mktemp("dirty"), **EXTRA)


@pytest.fixture(scope="module")
def dirty_2025_03(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFacts:
    return _build(tmp_path_factory.mktemp("dirty-2025-03"), schema="2025-03")


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFacts:
    return _build(tmp_path_factory.mktemp("clean"), dirty=False, **EXTRA)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFacts:
    return _build(tmp_path_factory.mktemp("large"), articles=4_000, dirty=False)


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.text_factory = bytes  # invalid UTF-8 must not stop the reading
    return conn


def _rows(facts: GeneratedFacts, sql: str, *params: object) -> list[tuple[Any, ...]]:
    return _open(facts.path).execute(sql, params).fetchall()


def _where(
    facts: GeneratedFacts, table: str, key: object
) -> tuple[str, tuple[Any, ...]]:
    columns = facts.keys[table]
    values = key if len(columns) > 1 else (key,)
    return " AND ".join(f"{c} IS ?" for c in columns), tuple(values)  # type: ignore[arg-type]


def _value(facts: GeneratedFacts, table: str, key: object, column: str) -> Any:
    where, params = _where(facts, table, key)
    (row,) = _rows(facts, f"SELECT {column} FROM {table} WHERE {where}", *params)
    return row[0]


def _registry(facts: GeneratedFacts) -> dict[str, schema.LegacyTable]:
    release = schema.VERSIONS[facts.schema]
    every = (*release.tables, *release.occasional, *scenario_tables())
    return {table.name: table for table in every}


# --- every table ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dirty", "dirty_2025_03", "clean"])
def test_every_table_has_the_ddl_of_the_registry(
    name: str, request: pytest.FixtureRequest
) -> None:
    facts = request.getfixturevalue(name)
    registry = _registry(facts)
    objects = dict(_rows(facts, "SELECT name, sql FROM sqlite_master"))
    for table in set(facts.columns) - set(facts.extra_tables):
        assert objects[table.encode()] == registry[table].sql().encode(), table
    for index in schema.VERSIONS[facts.schema].indexes:
        assert objects[index.name.encode()] == index.sql.encode(), index.name


def test_a_2025_10_file_has_every_table_of_the_release(clean: GeneratedFacts) -> None:
    release = {table.name for table in schema.VERSIONS["2025-10"].tables}
    assert release <= set(clean.columns)
    assert len(release) == 44


@pytest.mark.parametrize("name", ["dirty", "dirty_2025_03", "clean"])
def test_every_table_has_rows(name: str, request: pytest.FixtureRequest) -> None:
    facts = request.getfixturevalue(name)
    assert [table for table in facts.columns if facts.rows[table] == 0] == []


def test_tables_that_follow_the_articles_have_their_share(
    clean: GeneratedFacts, large: GeneratedFacts
) -> None:
    for facts in (clean, large):
        for table in set(SIZES) & set(facts.columns):
            articles = facts.rows["articles"]
            assert facts.rows[table] == scaled(table, articles), table


def test_counts_grow_with_the_articles(
    clean: GeneratedFacts, large: GeneratedFacts
) -> None:
    growing = [
        "auspex_chats",
        "auspex_messages",
        "shared_news_feeds",
        "incident_status",
        "feed_items",
        "signal_alerts",
        *(spec.table.name for spec in SCENARIOS),
    ]
    for table in growing:
        assert large.rows[table] > clean.rows[table] * 2, table


def test_config_tables_keep_their_size(
    clean: GeneratedFacts, large: GeneratedFacts
) -> None:
    # mediabias_settings aside, whose one row is the only one there can be.
    for table in clean.config_tables:
        assert large.rows[table] == clean.rows[table], table


# --- what the rows hold -------------------------------------------------------------


def test_chats_are_conversations(clean: GeneratedFacts) -> None:
    roles = _rows(clean, "SELECT DISTINCT role FROM auspex_messages ORDER BY role")
    assert roles == [(b"assistant",), (b"system",), (b"user",)]
    first_roles = _rows(
        clean,
        "SELECT m.role FROM auspex_messages m JOIN (SELECT chat_id, min(id) AS id "
        "FROM auspex_messages GROUP BY chat_id) f ON f.id = m.id",
    )
    assert set(first_roles) == {(b"system",)}
    assert len(first_roles) == clean.rows["auspex_chats"]
    (longest,) = _rows(clean, "SELECT max(length(content)) FROM auspex_messages")
    assert 8_000 < longest[0] <= 12_000


def test_scenario_tables_have_a_column_pair_per_block(dirty: GeneratedFacts) -> None:
    scenarios = _rows(
        dirty, "SELECT id, article_table FROM scenarios WHERE article_table IS NOT NULL"
    )
    checked = 0
    for scenario_id, table in scenarios:
        if table.decode() not in dirty.columns:
            continue  # a scenario whose table is gone (planted)
        blocks = _rows(
            dirty,
            "SELECT b.name FROM scenario_blocks s JOIN building_blocks b "
            "ON b.id = s.building_block_id WHERE s.scenario_id = ? ORDER BY b.id",
            scenario_id,
        )
        columns = [
            schema.block_column(name.decode()) + suffix
            for (name,) in blocks
            for suffix in ("", "_explanation")
        ]
        assert list(dirty.columns[table.decode()][9:]) == columns
        checked += 1
    assert checked == len(SCENARIOS)


def test_scenario_articles_are_copies_of_articles(clean: GeneratedFacts) -> None:
    # The columns they share with articles but "analyzed", the scenario's own.
    common = [column.split()[0] for column in schema.SCENARIO_COLUMNS[:8]]
    same = " AND ".join(f"a.{column} IS s.{column}" for column in common)
    for spec in SCENARIOS:
        differing = _rows(
            clean,
            f"SELECT count(*) FROM {spec.table.name} s "
            f"WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE {same})",
        )
        assert differing == [(0,)], spec.table.name


def test_arena_results_are_about_their_runs_articles(clean: GeneratedFacts) -> None:
    strays = _rows(
        clean,
        "SELECT count(*) FROM model_bias_arena_results r WHERE NOT EXISTS ("
        "SELECT 1 FROM model_bias_arena_articles a "
        "WHERE a.run_id = r.run_id AND a.article_uri = r.article_uri)",
    )
    assert strays == [(0,)]


def test_json_columns_of_a_clean_file_hold_json(clean: GeneratedFacts) -> None:
    for table, columns in JSON_COLUMNS.items():
        for column in columns:
            for (value,) in _rows(clean, f"SELECT {column} FROM {table}"):
                if value is not None:
                    json.loads(value)


# --- planted values -------------------------------------------------------------


@pytest.mark.parametrize("name", ["dirty", "dirty_2025_03"])
def test_every_table_but_the_fixed_ones_has_dirty_values(
    name: str, request: pytest.FixtureRequest
) -> None:
    facts = request.getfixturevalue(name)
    planted = {p.table for p in facts.planted} | set(facts.rejects)
    assert set(facts.columns) - planted == FIXED_TABLES & set(facts.columns)


@pytest.mark.parametrize("name", ["dirty", "dirty_2025_03"])
def test_rejected_rows_hold_what_refuses_them(
    name: str, request: pytest.FixtureRequest
) -> None:
    facts = request.getfixturevalue(name)
    for table, rejects in facts.rejects.items():
        pragma = f"PRAGMA table_info({table})"
        info = {row[1]: row for row in _open(facts.path).execute(pragma)}
        for reject in rejects:
            column = reject.column
            assert column is not None, (table, reject)
            if reject.reason == NULL_KEY:
                sql = f"SELECT count(*) FROM {table} WHERE {column} IS NULL"
                assert _rows(facts, sql)[0][0] >= 1, table
                continue
            value = _value(facts, table, reject.key, column)
            if reject.reason in (DUPLICATE_KEY, DUPLICATE_UNIQUE):
                assert b"\x00" in value, (table, reject)
                sql = f"SELECT count(*) FROM {table} WHERE {column} = ?"
                original = value.replace(b"\x00", b"").decode()
                assert _rows(facts, sql, original)[0][0] == 1, (table, reject)
            elif reject.reason == REQUIRED_MISSING:
                assert isinstance(value, bytes), (table, reject)
                assert info[column.encode()][3] == 1, (table, column)  # NOT NULL


def test_orphans_allowed_point_at_no_parent(dirty: GeneratedFacts) -> None:
    orphans = [p for p in dirty.planted if p.kind == "orphan allowed"]
    assert {p.table for p in orphans} >= {
        "auspex_chats",
        "auspex_messages",
        "model_bias_arena_results",
        "scenario_blocks",
        "signal_alerts",
        "feed_items",
    }
    for planted in orphans:
        table = schema.legacy_table(planted.table)
        assert table is not None
        (reference,) = [r for r in table.references if r.column == planted.column]
        sql = f"SELECT count(*) FROM {reference.table} WHERE {reference.target} = ?"
        assert _rows(dirty, sql, planted.stored) == [(0,)], planted


def test_a_scenario_names_a_table_the_file_lacks(dirty: GeneratedFacts) -> None:
    (missing,) = [p for p in dirty.planted if p.kind == "article table missing"]
    assert missing.stored not in dirty.columns


def test_epochs_in_timestamp_columns_are_integers(dirty: GeneratedFacts) -> None:
    epochs = [p for p in dirty.planted if p.kind == "date epoch integer"]
    assert len({p.table for p in epochs}) >= 8
    assert {p.storage for p in epochs} == {"integer"}


# --- unknown tables -------------------------------------------------------------


@pytest.mark.parametrize("name", ["dirty", "clean"])
def test_unknown_tables_hold_every_storage_class(
    name: str, request: pytest.FixtureRequest
) -> None:
    facts = request.getfixturevalue(name)
    assert facts.extra_tables == ("custom_notes", "codes")
    for table in facts.extra_tables:
        classes = _rows(facts, f"SELECT DISTINCT typeof(anything) FROM {table}")
        assert {row[0] for row in classes} == STORAGE_CLASSES


def test_unknown_table_facts_expect_the_archived_values(dirty: GeneratedFacts) -> None:
    planted = dirty.planted_in("custom_notes")
    assert {p.storage for p in planted} == {c.decode() for c in STORAGE_CLASSES}
    (blob,) = [p for p in planted if p.storage == "blob"]
    assert blob.expected == {"base64": "AAF/gP7/"}
    assert _value(dirty, "custom_notes", blob.key, "anything") == blob.stored


def test_a_without_rowid_table_has_no_rowid(dirty: GeneratedFacts) -> None:
    assert dirty.keys["codes"] == ("code",)
    with pytest.raises(sqlite3.OperationalError, match="rowid"):
        _rows(dirty, "SELECT rowid FROM codes")


@pytest.mark.parametrize("name", ["articles", "articles_scenario_9", "sqlite_x", "a b"])
def test_an_extra_table_cannot_take_a_legacy_or_odd_name(
    tmp_path: Path, name: str
) -> None:
    with pytest.raises(ValueError, match="extra table"):
        _build(tmp_path, articles=60, extra_tables=(name,))
    assert list(tmp_path.iterdir()) == []


def test_clean_files_plant_nothing_in_unknown_tables(clean: GeneratedFacts) -> None:
    assert clean.planted == []


# --- determinism ----------------------------------------------------------------


@pytest.mark.parametrize("release", ["2025-10", "2025-03"])
def test_the_same_arguments_give_the_same_bytes(tmp_path: Path, release: str) -> None:
    options = {"articles": 90, "seed": 4, "schema": release, **EXTRA}
    first = _build(tmp_path, "a.db", **options)
    second = _build(tmp_path, "b.db", **options)
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.planted == second.planted
