"""The legacy file generator: schema, dirty catalogue, sizes and determinism.

Plain sqlite3 only: these tests need neither Django settings nor a database.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import bcrypt
import pytest

from legacy.generate import (
    CONVERSIONS,
    DUPLICATE_KEY,
    NULL_KEY,
    ORPHAN,
    REJECT_REASONS,
    REQUIRED_MISSING,
    GeneratedFacts,
    Planted,
    generate_legacy_file,
    main,
)
from legacy.schema import VERSIONS

LEGACY = Path(__file__).resolve().parents[2].parent / "shared" / "legacy"
REAL_FILES = {
    "2025-10": "fnaapp_20251007_1d8143a4.db",
    "2025-03": "fnaapp_20250318_4c0b0e03.db",
}
_PRAGMAS = ("journal_mode", "user_version", "page_size", "encoding")
ARTICLES = 300


def _build(directory: Path, name: str = "fnaapp.db", **options: Any) -> GeneratedFacts:
    options.setdefault("articles", ARTICLES)
    return generate_legacy_file(directory / name, **options)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFacts:
    return _build(tmp_path_factory.mktemp("dirty"))


@pytest.fixture(scope="module")
def dirty_2025_03(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFacts:
    return _build(tmp_path_factory.mktemp("dirty-2025-03"), schema="2025-03")


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFacts:
    return _build(tmp_path_factory.mktemp("clean"), dirty=False)


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.text_factory = bytes  # invalid UTF-8 must not stop the reading
    return conn


def _real(schema: str) -> Path:
    path = LEGACY / REAL_FILES[schema]
    if not path.exists():
        pytest.skip(f"the real legacy files are not in {LEGACY}")
    return path


def _objects(path: Path) -> dict[str, bytes]:
    query = "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"
    return {name.decode(): sql for name, sql in _open(path).execute(query)}


def _columns(path: Path, table: str) -> list[str]:
    rows = _open(path).execute(f"PRAGMA table_info({table})")
    return [row[1].decode() for row in rows]


def _count(path: Path, sql: str, *params: object) -> int:
    return int(_open(path).execute(sql, params).fetchone()[0])


def _stored(facts: GeneratedFacts, planted: Planted) -> tuple[bytes, object]:
    """The SQLite type of a planted value and the value, text as raw bytes."""
    keys = facts.keys[planted.table]
    values = planted.key if len(keys) > 1 else (planted.key,)
    where = " AND ".join(f"{key} IS ?" for key in keys)
    column = planted.column
    sql = f"SELECT typeof({column}), {column} FROM {planted.table} WHERE {where}"
    (row,) = _open(facts.path).execute(sql, values).fetchall()
    return row[0], row[1]


# --- the file and its schema ----------------------------------------------


@pytest.mark.parametrize("name", ["dirty", "dirty_2025_03", "clean"])
def test_file_passes_quick_check(name: str, request: pytest.FixtureRequest) -> None:
    facts = request.getfixturevalue(name)
    assert _open(facts.path).execute("PRAGMA quick_check").fetchall() == [(b"ok",)]


@pytest.mark.legacy_files
@pytest.mark.parametrize("name", ["dirty", "dirty_2025_03"])
def test_every_table_index_and_trigger_of_the_real_file_is_there(
    name: str, request: pytest.FixtureRequest
) -> None:
    facts = request.getfixturevalue(name)
    real = _objects(_real(facts.schema))
    generated = _objects(facts.path)
    assert {name: generated.get(name) for name in real} == real


@pytest.mark.legacy_files
@pytest.mark.parametrize("name", ["dirty", "dirty_2025_03"])
def test_column_sets_are_the_real_files(
    name: str, request: pytest.FixtureRequest
) -> None:
    facts = request.getfixturevalue(name)
    real = _real(facts.schema)
    for table in set(facts.columns) & set(_objects(real)):
        assert set(facts.columns[table]) == set(_columns(real, table)), table


@pytest.mark.legacy_files
@pytest.mark.parametrize("name", ["dirty", "dirty_2025_03"])
def test_journal_mode_and_user_version_are_the_real_files(
    name: str, request: pytest.FixtureRequest
) -> None:
    facts = request.getfixturevalue(name)

    def modes(path: Path) -> list[tuple[object, ...]]:
        conn = _open(path)
        return [conn.execute(f"PRAGMA {name}").fetchone() for name in _PRAGMAS]

    assert modes(facts.path) == modes(_real(facts.schema))


def test_2025_03_file_lacks_the_later_columns(dirty_2025_03: GeneratedFacts) -> None:
    assert len(dirty_2025_03.columns["articles"]) == 18
    assert "below_threshold" not in dirty_2025_03.columns["keyword_article_matches"]
    assert "mediabias" not in dirty_2025_03.columns


def test_2025_10_file_has_36_article_columns(clean: GeneratedFacts) -> None:
    assert len(clean.columns["articles"]) == 36
    assert "below_threshold" in clean.columns["keyword_article_matches"]


@pytest.mark.parametrize("name", ["dirty", "dirty_2025_03", "clean"])
def test_row_counts_are_the_facts(name: str, request: pytest.FixtureRequest) -> None:
    facts = request.getfixturevalue(name)
    for table, rows in facts.rows.items():
        assert _count(facts.path, f"SELECT count(*) FROM {table}") == rows, table
    assert facts.rows["articles"] == ARTICLES


def test_keyword_monitor_settings_is_one_row_with_id_1(dirty: GeneratedFacts) -> None:
    rows = _open(dirty.path).execute("SELECT id FROM keyword_monitor_settings")
    assert rows.fetchall() == [(1,)]


@pytest.mark.parametrize("name", ["dirty", "dirty_2025_03", "clean"])
def test_tables_are_split_by_side(name: str, request: pytest.FixtureRequest) -> None:
    facts = request.getfixturevalue(name)
    assert "articles" in facts.analytics_tables and "users" in facts.config_tables
    sides = facts.analytics_tables + facts.config_tables + facts.extra_tables
    assert sorted(sides) == sorted(facts.columns)


@pytest.mark.parametrize("name", ["dirty", "dirty_2025_03"])
def test_dirty_files_have_the_occasional_tables(
    name: str, request: pytest.FixtureRequest
) -> None:
    facts = request.getfixturevalue(name)
    release = VERSIONS[facts.schema]
    assert {table.name for table in release.occasional} <= set(facts.columns)
    assert facts.columns["config"] == ("name", "content")


def test_clean_files_have_the_release_tables_and_scenarios(
    clean: GeneratedFacts,
) -> None:
    release = [table.name for table in VERSIONS["2025-10"].tables]
    scenarios = ["articles_scenario_2", "articles_scenario_3"]
    assert list(clean.columns) == release + scenarios


def test_passwords_in_the_facts_open_the_users(dirty: GeneratedFacts) -> None:
    hashes = dict(
        _open(dirty.path).execute("SELECT username, password_hash FROM users")
    )
    for user, password in dirty.passwords.items():
        assert bcrypt.checkpw(password.encode(), hashes[user.encode()])
    assert dirty.passwords["analyst"] == "analyst-password"


# --- the dirty catalogue --------------------------------------------------


@pytest.mark.parametrize("name", ["dirty", "dirty_2025_03"])
def test_every_planted_value_is_stored_as_stated(
    name: str, request: pytest.FixtureRequest
) -> None:
    facts = request.getfixturevalue(name)
    for planted in facts.planted:
        value = planted.stored
        expected = value.encode() if isinstance(value, str) else value
        assert _stored(facts, planted) == (planted.storage.encode(), expected), planted


def test_dirty_file_plants_every_category(dirty: GeneratedFacts) -> None:
    conversions = {name for counts in dirty.conversions.values() for name in counts}
    reasons = {r.reason for rejects in dirty.rejects.values() for r in rejects}
    assert conversions == set(CONVERSIONS)
    assert reasons == set(REJECT_REASONS)


def test_conversion_counts_add_up_the_planted_values(dirty: GeneratedFacts) -> None:
    counted: dict[str, Counter[str]] = {}
    for planted in dirty.planted:
        if planted.conversion:
            counted.setdefault(planted.table, Counter())[planted.conversion] += 1
    assert dirty.conversions == {t: dict(c) for t, c in counted.items()}


def test_dirty_file_plants_every_kind(dirty: GeneratedFacts) -> None:
    kinds = {planted.kind for planted in dirty.planted}
    assert {
        "date sqlite", "date only", "date iso", "date microseconds", "date z",
        "date utc offset", "date offset", "date rfc 2822", "date epoch text",
        "date epoch integer", "date empty", "date null", "date unparseable",
        "boolean 'true'", "boolean 'false'", "boolean 'yes'", "boolean 'no'",
        "boolean 'TRUE'", "score 17 decimals", "score text", "trailing spaces",
        "emoji", "right-to-left", "combining marks", "newlines and tabs",
        "backslashes", "copy null marker", "quotes", "empty text", "null text",
        "nul in text", "nul in key", "invalid utf-8", "tags comma",
        "tags comma space", "placeholder", "orphan allowed", "json truncated",
        "keyword ids unsorted, one deleted", "deleted keyword id",
    } <= kinds  # fmt: skip


def test_expected_rows_leave_out_the_rejects(dirty: GeneratedFacts) -> None:
    assert dirty.expected_rows("articles") == ARTICLES - 2
    assert dirty.expected_rows("raw_articles") == dirty.rows["raw_articles"] - 3


def test_article_without_a_uri_is_in_the_file(dirty: GeneratedFacts) -> None:
    assert dirty.rejects["articles"][0].reason == NULL_KEY
    assert _count(dirty.path, "SELECT count(*) FROM articles WHERE uri IS NULL") == 1


def test_duplicate_uris_differ_only_by_a_nul(dirty: GeneratedFacts) -> None:
    (duplicate,) = [r for r in dirty.rejects["articles"] if r.reason == DUPLICATE_KEY]
    assert isinstance(duplicate.key, str) and "\x00" in duplicate.key
    sql = "SELECT count(*) FROM articles WHERE uri IN (?, ?)"
    assert (
        _count(dirty.path, sql, duplicate.key, duplicate.key.replace("\x00", "")) == 2
    )


def test_orphans_point_at_no_article(dirty: GeneratedFacts) -> None:
    children = {"raw_articles": "uri"}
    for table, rejects in dirty.rejects.items():
        link = children.get(table, "article_uri")
        for reject in (r for r in rejects if r.reason == ORPHAN):
            (key,) = dirty.keys[table]
            sql = (
                f"SELECT count(*) FROM {table} JOIN articles "
                f"ON articles.uri = {table}.{link} WHERE {table}.{key} IS ?"
            )
            assert _count(dirty.path, sql, reject.key) == 0
    assert len([r for r in dirty.rejects["keyword_alerts"] if r.reason == ORPHAN]) == 3


def test_analysis_cache_orphans_are_not_rejects(dirty: GeneratedFacts) -> None:
    planted = dirty.planted_in("article_analysis_cache")
    orphans = [p for p in planted if p.kind == "orphan allowed"]
    assert len(orphans) == 3
    assert "article_analysis_cache" not in dirty.rejects


def test_text_in_a_not_null_integer_column_is_a_reject(dirty: GeneratedFacts) -> None:
    (reject,) = [
        r
        for r in dirty.rejects["keyword_article_matches"]
        if r.reason == REQUIRED_MISSING
    ]
    sql = "SELECT typeof(group_id) FROM keyword_article_matches WHERE id = ?"
    assert _open(dirty.path).execute(sql, (reject.key,)).fetchone() == (b"text",)


def test_invalid_utf8_is_text_that_does_not_decode(dirty: GeneratedFacts) -> None:
    broken = [p for p in dirty.planted if p.kind == "invalid utf-8"]
    assert len(broken) >= 3
    for planted in broken:
        kind, stored = _stored(dirty, planted)
        assert kind == b"text"
        assert isinstance(stored, bytes)
        with pytest.raises(UnicodeDecodeError):
            stored.decode()


def test_deleted_keyword_ids_are_referenced_but_gone(dirty: GeneratedFacts) -> None:
    gone = dirty.deleted_keyword_ids
    sql = "SELECT count(*) FROM monitored_keywords WHERE id IN (?, ?)"
    assert _count(dirty.path, sql, gone[0], gone[1]) == 0
    (unsorted,) = [p for p in dirty.planted if p.column == "keyword_ids"]
    ids = [int(part) for part in str(unsorted.stored).split(",")]
    assert gone[0] in ids and ids != sorted(ids)


def test_sequences_run_far_above_the_row_counts(dirty: GeneratedFacts) -> None:
    assert dirty.sequences["keyword_alerts"] > dirty.rows["keyword_alerts"] + 100_000


def test_clean_file_ids_are_consecutive(clean: GeneratedFacts) -> None:
    assert clean.sequences["keyword_alerts"] == clean.rows["keyword_alerts"]


def test_clean_file_plants_nothing(clean: GeneratedFacts) -> None:
    assert (clean.rejects, clean.conversions, clean.planted) == ({}, {}, [])


def test_clean_file_values_are_what_their_columns_say(clean: GeneratedFacts) -> None:
    conn = _open(clean.path)
    for table in clean.columns:
        for _, column, declared, *_ in conn.execute(f"PRAGMA table_info({table})"):
            name = column.decode()
            values = [value for (value,) in conn.execute(f"SELECT {name} FROM {table}")]
            if declared.split()[0] in (b"REAL", b"INTEGER", b"BOOLEAN"):
                assert not any(isinstance(v, bytes) for v in values), (table, name)
            for value in values:
                if isinstance(value, bytes):
                    assert b"\x00" not in value, (table, name)
                    value.decode()  # raises on invalid UTF-8


# --- sizes ----------------------------------------------------------------


def test_raw_markdown_sizes_are_realistic(clean: GeneratedFacts) -> None:
    conn = _open(clean.path)
    count, shortest, longest, mean = conn.execute(
        "SELECT count(*), min(length(raw_markdown)), max(length(raw_markdown)), "
        "avg(length(raw_markdown)) FROM raw_articles"
    ).fetchone()
    assert 0.4 < count / ARTICLES < 0.6
    assert (shortest, longest) == (874, 65_003)
    assert 14_000 < mean < 25_000


def test_raw_scale_shrinks_the_raw_markdown_only(
    tmp_path: Path, clean: GeneratedFacts
) -> None:
    small = _build(tmp_path, dirty=False, raw_scale=0.36)
    query = (
        "SELECT count(*), min(length(raw_markdown)), max(length(raw_markdown)), "
        "avg(length(raw_markdown)) FROM raw_articles"
    )
    count, shortest, longest, mean = _open(small.path).execute(query).fetchone()
    assert count == _open(clean.path).execute(query).fetchone()[0]
    assert (shortest, longest) == (int(874 * 0.36), int(65_003 * 0.36))
    assert 5_000 < mean < 9_000  # about 3.5 KB per article, half have one
    assert small.rows == clean.rows


def test_raw_scale_outside_its_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="raw_scale must be between"):
        _build(tmp_path, dirty=False, raw_scale=0)


def test_article_text_sizes_are_realistic(clean: GeneratedFacts) -> None:
    averages = "avg(length(title)), avg(length(summary)), avg(length(uri))"
    query = f"SELECT {averages} FROM articles"
    title, summary, uri = _open(clean.path).execute(query).fetchone()
    assert 50 < title < 110
    assert 250 < summary < 900
    assert 70 < uri < 200


def test_two_or_three_matches_and_alerts_per_four_articles(
    clean: GeneratedFacts,
) -> None:
    assert 0.5 < clean.rows["keyword_article_matches"] / ARTICLES < 0.75
    assert 0.5 < clean.rows["keyword_alerts"] / ARTICLES < 0.8


def test_mediabias_shrinks_for_tiny_files(tmp_path: Path) -> None:
    facts = _build(tmp_path, articles=10, dirty=False)
    assert facts.rows["mediabias"] == 100


# --- options and determinism ----------------------------------------------


def test_same_seed_same_file(tmp_path: Path) -> None:
    first = _build(tmp_path, "a.db", articles=80, seed=3)
    second = _build(tmp_path, "b.db", articles=80, seed=3)
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.planted == second.planted


def test_other_seed_other_rows(tmp_path: Path) -> None:
    first = _build(tmp_path, "a.db", articles=80, seed=3, dirty=False)
    second = _build(tmp_path, "b.db", articles=80, seed=4, dirty=False)
    query = "SELECT uri, title FROM articles ORDER BY rowid"
    assert _open(first.path).execute(query).fetchall() != (
        _open(second.path).execute(query).fetchall()
    )


@pytest.mark.parametrize("schema", ["2025-10", "2025-03"])
def test_shuffled_column_order_differs(tmp_path: Path, schema: str) -> None:
    legacy = _build(tmp_path, "legacy.db", articles=60, schema=schema)
    shuffled = _build(
        tmp_path, "shuffled.db", articles=60, schema=schema, column_order="shuffled"
    )
    for table in ("articles", "raw_articles"):
        assert shuffled.columns[table] != legacy.columns[table]
        assert set(shuffled.columns[table]) == set(legacy.columns[table])
    assert shuffled.columns["keyword_alerts"] == legacy.columns["keyword_alerts"]


def test_shuffled_column_order_keeps_the_rows(tmp_path: Path) -> None:
    legacy = _build(tmp_path, "legacy.db", articles=60)
    shuffled = _build(tmp_path, "shuffled.db", articles=60, column_order="shuffled")
    names = ", ".join(legacy.columns["articles"])
    query = f"SELECT {names} FROM articles ORDER BY rowid"
    assert _open(legacy.path).execute(query).fetchall() == (
        _open(shuffled.path).execute(query).fetchall()
    )


def test_extra_article_columns_hold_values(tmp_path: Path) -> None:
    facts = _build(tmp_path, articles=60, extra_article_columns=("legacy_note",))
    assert facts.columns["articles"][-1] == "legacy_note"
    sql = "SELECT count(*) FROM articles WHERE legacy_note IS NOT NULL"
    assert _count(facts.path, sql) == 60


def test_extra_column_named_like_a_legacy_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="title"):
        _build(tmp_path, articles=60, extra_article_columns=("title",))
    assert list(tmp_path.iterdir()) == []


def test_dirty_file_needs_room_for_the_planted_articles(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least"):
        _build(tmp_path, articles=5)
    assert list(tmp_path.iterdir()) == []


def test_empty_clean_file_has_the_schema(tmp_path: Path) -> None:
    facts = _build(tmp_path, articles=0, dirty=False)
    assert facts.rows["articles"] == 0
    assert len(facts.columns["articles"]) == 36


def test_an_existing_file_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "fnaapp.db").write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        _build(tmp_path)
    assert (tmp_path / "fnaapp.db").read_bytes() == b"precious"


# --- command line ---------------------------------------------------------


def test_command_line_prints_the_facts_without_django(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    out = tmp_path / "cli.db"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "legacy.generate",
            str(out),
            "--articles",
            "60",
            "--extra-table",
            "custom_notes",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "planted rejects:" in result.stdout
    assert "analyst / analyst-password" in result.stdout
    assert "custom_notes" in result.stdout
    assert out.exists()


def test_command_line_refuses_an_existing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "fnaapp.db"
    out.write_bytes(b"precious")
    with pytest.raises(SystemExit) as exit_info:
        main([str(out), "--articles", "60", "--clean"])
    assert exit_info.value.code == 2
    assert "--force" in capsys.readouterr().err
