from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command, get_commands
from django.db import connections

from articles.models import (
    Article,
    ArticleAnalysisCache,
    ArticleAnnotation,
    KeywordAlert,
    KeywordArticleMatch,
    MediaBias,
    RawArticle,
)
from aunoo.tests.sqlite_files import execute, held_by_a_writer, sqlite_rows
from legacy.generate import generate_legacy_file
from legacy.rollback import create_legacy_file

# The dedicated reader only sees committed rows, hence transaction=True.
pytestmark = pytest.mark.django_db(databases=["default", "analytics"], transaction=True)

WHEN = datetime(2025, 10, 7, 9, 47, 34, 123456, tzinfo=UTC)
# The legacy 2025-03 articles table: 18 columns, none of the later ones.
OLD_ARTICLES_DDL = """
CREATE TABLE articles (
    uri TEXT PRIMARY KEY, title TEXT, news_source TEXT, publication_date TEXT,
    submission_date TEXT DEFAULT CURRENT_TIMESTAMP, summary TEXT, category TEXT,
    future_signal TEXT, future_signal_explanation TEXT, sentiment TEXT,
    sentiment_explanation TEXT, time_to_impact TEXT, time_to_impact_explanation TEXT,
    tags TEXT, driver_type TEXT, driver_type_explanation TEXT, topic TEXT,
    analyzed BOOLEAN DEFAULT FALSE
)
"""


def rollback(target: Path, *args: str) -> str:
    out = StringIO()
    call_command("rollback_articles", "--target", str(target), *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def empty_legacy_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("legacy") / "empty.db"
    create_legacy_file(path)
    return path


@pytest.fixture
def target(tmp_path: Path, empty_legacy_file: Path) -> Path:
    path = tmp_path / "fnaapp.db"
    shutil.copyfile(empty_legacy_file, path)
    return path


@pytest.fixture
def old_target(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    execute(path, OLD_ARTICLES_DDL)
    return path


def article(uri: str = "https://example.com/a", **fields: object) -> Article:
    values = {"title": "A title", "submission_date": WHEN, **fields}
    return Article.objects.create(uri=uri, **values)


def test_article_lands_under_its_legacy_names(target: Path) -> None:
    article(news_source="Example News")
    rollback(target, "--all", "--no-backup")
    assert sqlite_rows(target, "SELECT uri, title, news_source FROM articles") == [
        ("https://example.com/a", "A title", "Example News")
    ]


def test_dates_are_written_as_legacy_utc_text(target: Path) -> None:
    article()
    rollback(target, "--all", "--no-backup")
    assert sqlite_rows(target, "SELECT submission_date FROM articles") == [
        ("2025-10-07 09:47:34",)
    ]


def test_booleans_are_written_as_0_and_1(target: Path) -> None:
    article(analyzed=True, auto_ingested=False)
    rollback(target, "--all", "--no-backup")
    assert sqlite_rows(target, "SELECT analyzed, auto_ingested FROM articles") == [
        (1, 0)
    ]


def test_scores_keep_every_digit(target: Path) -> None:
    article(quality_score=0.12345678901234567)
    rollback(target, "--all", "--no-backup")
    assert sqlite_rows(target, "SELECT quality_score FROM articles") == [
        (0.12345678901234567,)
    ]


def test_unparsed_original_is_written_back(target: Path) -> None:
    article(
        publication_date=None,
        legacy_extra={"unparsed": {"publication_date": "sometime in May"}},
    )
    rollback(target, "--all", "--no-backup")
    assert sqlite_rows(target, "SELECT publication_date FROM articles") == [
        ("sometime in May",)
    ]


def test_unparsed_original_yields_to_a_value_set_since(target: Path) -> None:
    article(
        publication_date=WHEN,
        legacy_extra={"unparsed": {"publication_date": "sometime in May"}},
    )
    rollback(target, "--all", "--no-backup")
    assert sqlite_rows(target, "SELECT publication_date FROM articles") == [
        ("2025-10-07 09:47:34",)
    ]


def test_unmapped_column_is_written_when_the_target_has_it(target: Path) -> None:
    execute(target, "ALTER TABLE articles ADD COLUMN reading_level TEXT")
    article(legacy_extra={"unmapped": {"reading_level": "expert"}})
    rollback(target, "--all", "--no-backup")
    assert sqlite_rows(target, "SELECT reading_level FROM articles") == [("expert",)]


def test_old_schema_target_gets_only_its_columns(old_target: Path) -> None:
    article(quality_score=0.5, analyzed=True)
    rollback(old_target, "--all", "--no-backup")
    assert sqlite_rows(old_target, "SELECT uri, analyzed FROM articles") == [
        ("https://example.com/a", 1)
    ]


def test_columns_the_target_lacks_are_reported(old_target: Path) -> None:
    article()
    output = rollback(old_target, "--all", "--no-backup")
    assert "not written: bias, factual_reporting" in output


def test_tables_the_target_lacks_are_reported(old_target: Path) -> None:
    output = rollback(old_target, "--all", "--no-backup")
    assert "mediabias: not in the target file, skipped" in output


def test_changed_row_replaces_the_legacy_row(target: Path) -> None:
    execute(
        target,
        "INSERT INTO articles (uri, title) VALUES ('https://example.com/a', 'Old')",
    )
    article(title="New")
    rollback(target, "--all", "--no-backup")
    assert sqlite_rows(target, "SELECT title FROM articles") == [("New",)]


def test_rows_only_in_the_file_are_kept(target: Path) -> None:
    execute(target, "INSERT INTO articles (uri, title) VALUES ('legacy-only', 'Kept')")
    article()
    rollback(target, "--all", "--no-backup")
    assert sqlite_rows(target, "SELECT count(*) FROM articles") == [(2,)]


def test_children_are_written_with_their_ids(target: Path) -> None:
    parent = article()
    KeywordArticleMatch.objects.create(
        id=4100, article=parent, keyword_ids="3,1", group_id=80, detected_at=WHEN
    )
    rollback(target, "--all", "--no-backup")
    assert sqlite_rows(
        target,
        "SELECT id, article_uri, keyword_ids, group_id, is_read, below_threshold "
        "FROM keyword_article_matches",
    ) == [(4100, "https://example.com/a", "3,1", 80, 0, 0)]


def test_every_analytics_table_is_written(target: Path) -> None:
    parent = article()
    RawArticle.objects.create(article=parent, raw_markdown="# Body")
    KeywordArticleMatch.objects.create(article=parent, keyword_ids="1", group_id=1)
    KeywordAlert.objects.create(article=parent, keyword_id=1)
    ArticleAnalysisCache.objects.create(
        article_uri=parent.uri, analysis_type="summary", content="x", model_used="m"
    )
    ArticleAnnotation.objects.create(article=parent, author="ada", content="note")
    MediaBias.objects.create(source="example.com")
    output = rollback(target, "--all", "--no-backup")
    assert output.count(": 1 rows written") == 7


def test_json_metadata_is_written_as_json_text(target: Path) -> None:
    ArticleAnalysisCache.objects.create(
        article_uri="u", analysis_type="t", content="c", model_used="m",
        metadata={"tokens": 12, "note": "Ørsted"},
    )  # fmt: skip
    rollback(target, "--all", "--no-backup")
    [(text,)] = sqlite_rows(target, "SELECT metadata FROM article_analysis_cache")
    assert json.loads(text) == {"tokens": 12, "note": "Ørsted"}


def test_annotation_user_id_is_not_a_legacy_column(target: Path) -> None:
    ArticleAnnotation.objects.create(
        article=article(), author="ada", content="note", user_id=7
    )
    output = rollback(target, "--all", "--no-backup")
    assert "not written: user_id" in output


def test_since_selects_rows_dated_from_then(target: Path) -> None:
    article("https://example.com/old", submission_date=datetime(2024, 1, 1, tzinfo=UTC))
    article("https://example.com/new", submission_date=WHEN)
    rollback(target, "--since", "2025-01-01", "--no-backup")
    assert sqlite_rows(target, "SELECT uri FROM articles") == [
        ("https://example.com/new",)
    ]


def test_since_reads_child_tables_by_their_own_dates(target: Path) -> None:
    parent = article(submission_date=datetime(2024, 1, 1, tzinfo=UTC))
    KeywordAlert.objects.create(article=parent, keyword_id=1, detected_at=WHEN)
    rollback(target, "--since", "2025-01-01", "--no-backup")
    assert sqlite_rows(target, "SELECT keyword_id FROM keyword_alerts") == [(1,)]


def test_unreadable_since_is_a_usage_error(target: Path) -> None:
    with pytest.raises(CommandError) as raised:
        rollback(target, "--since", "last tuesday", "--no-backup")
    assert raised.value.returncode == 2


def test_scope_is_required(target: Path) -> None:
    with pytest.raises(CommandError, match="one of the arguments --since --all"):
        rollback(target, "--no-backup")


def test_scope_missing_exits_2_from_the_command_line(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "manage.py", "rollback_articles", "--target", "x.db"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        check=False,
    )
    assert completed.returncode == 2


def test_backup_copy_holds_the_file_as_it_was(target: Path) -> None:
    execute(
        target,
        "INSERT INTO articles (uri, title) VALUES ('https://example.com/a', 'Old')",
    )
    article(title="New")
    rollback(target, "--all")
    [backup] = target.parent.glob("fnaapp.db.bak-*")
    assert sqlite_rows(backup, "SELECT title FROM articles") == [("Old",)]


def test_backup_path_is_printed(target: Path) -> None:
    output = rollback(target, "--all")
    [backup] = target.parent.glob("fnaapp.db.bak-*")
    assert str(backup) in output


def test_no_backup_takes_none(target: Path) -> None:
    rollback(target, "--all", "--no-backup")
    assert list(target.parent.glob("*.bak-*")) == []


def test_missing_target_is_created_with_the_legacy_schema(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    article()
    rollback(path, "--all")
    assert sqlite_rows(path, "SELECT count(*) FROM articles") == [(1,)]


def refused(target: Path, *args: str) -> CommandError:
    with pytest.raises(CommandError) as raised:
        rollback(target, "--all", *args)
    return raised.value


def test_target_that_is_not_sqlite_is_refused_without_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database, just notes " * 100)
    error = refused(path)
    assert error.returncode == 2
    assert f"{path} is not an SQLite database" in str(error)
    assert "give the legacy app's fnaapp.db" in str(error)
    assert list(tmp_path.glob("*.bak-*")) == []


def test_target_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path / "no-such-folder" / "fnaapp.db")
    assert error.returncode == 2
    assert f"The folder {tmp_path / 'no-such-folder'} does not exist" in str(error)
    assert "create it" in str(error)


def test_target_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path)
    assert error.returncode == 2
    assert f"{tmp_path} is a folder" in str(error)
    assert f"{tmp_path / 'fnaapp.db'}" in str(error)


def test_target_another_program_holds_is_refused_after_the_lock_timeout(
    target: Path,
) -> None:
    article()
    with held_by_a_writer(target):
        error = refused(target, "--lock-timeout", "0.2")
    assert error.returncode == 1
    assert f"{target} is in use by another program" in str(error)
    assert "Stop the legacy app" in str(error) and "--lock-timeout" in str(error)
    assert list(target.parent.glob("*.bak-*")) == []
    assert sqlite_rows(target, "SELECT count(*) FROM articles") == [(0,)]


def test_a_negative_lock_timeout_is_a_usage_error(target: Path) -> None:
    error = refused(target, "--lock-timeout", "-1")
    assert (error.returncode, "--lock-timeout" in str(error)) == (2, True)


def test_column_names_with_quotes_and_spaces_are_written_back(target: Path) -> None:
    execute(
        target,
        'ALTER TABLE articles ADD COLUMN "reading ""time"""',
        'ALTER TABLE articles ADD COLUMN "word count"',
    )
    article(legacy_extra={"unmapped": {'reading "time"': "4 min", "word count": 812}})
    rollback(target, "--all", "--no-backup")
    assert sqlite_rows(
        target, 'SELECT "reading ""time""", "word count" FROM articles'
    ) == [("4 min", 812)]


def test_invalid_json_kept_as_a_string_is_written_as_its_text(target: Path) -> None:
    ArticleAnalysisCache.objects.create(
        article_uri="u", analysis_type="t", content="c", model_used="m",
        metadata="{truncated: json",
    )  # fmt: skip
    rollback(target, "--all", "--no-backup")
    assert sqlite_rows(target, "SELECT metadata FROM article_analysis_cache") == [
        ("{truncated: json",)
    ]


# --- round trip: legacy -> PostgreSQL -> changes -> legacy -> PostgreSQL -------------

NEW_URI = "https://example.com/written-after-the-cut-over"
CHANGED_TITLE = "Title changed in PostgreSQL"


def empty_analytics() -> None:
    """A fresh analytics database: every table of the articles app emptied."""
    tables = [
        model._meta.db_table for model in apps.get_app_config("articles").get_models()
    ]
    with connections["analytics"].cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


@dataclass
class RoundTrip:
    legacy: Path
    target: Path
    changed_uri: str


@pytest.fixture(scope="module")
def generated_legacy_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("generated") / "fnaapp.db"
    generate_legacy_file(path, articles=60, seed=11)
    return path


@pytest.fixture
def round_trip(tmp_path: Path, generated_legacy_file: Path) -> RoundTrip:
    if "migrate_articles" not in get_commands():
        pytest.skip("migrate_articles is not in the project yet")
    legacy = tmp_path / "legacy.db"
    shutil.copyfile(generated_legacy_file, legacy)
    call_command("migrate_articles", "--source", str(legacy), stdout=StringIO())
    changed_uri = Article.objects.order_by("uri").values_list("uri", flat=True)[0]
    Article.objects.filter(uri=changed_uri).update(title=CHANGED_TITLE)
    new = article(NEW_URI, title="Written after the cut-over", analyzed=True)
    KeywordAlert.objects.create(article=new, keyword_id=1, detected_at=WHEN)
    target = tmp_path / "rollback.db"
    shutil.copyfile(legacy, target)
    rollback(target, "--all")
    return RoundTrip(legacy, target, changed_uri)


def test_round_trip_keeps_every_original_article(round_trip: RoundTrip) -> None:
    originals = {
        uri for (uri,) in sqlite_rows(round_trip.legacy, "SELECT uri FROM articles")
    }
    after = {
        uri for (uri,) in sqlite_rows(round_trip.target, "SELECT uri FROM articles")
    }
    assert originals <= after


def test_round_trip_holds_the_change(round_trip: RoundTrip) -> None:
    assert sqlite_rows(
        round_trip.target,
        "SELECT title FROM articles WHERE uri = ?",
        (round_trip.changed_uri,),
    ) == [(CHANGED_TITLE,)]


def test_round_trip_holds_the_new_rows_in_legacy_form(round_trip: RoundTrip) -> None:
    assert sqlite_rows(
        round_trip.target,
        "SELECT a.submission_date, a.analyzed, k.detected_at, k.is_read "
        "FROM articles a JOIN keyword_alerts k ON k.article_uri = a.uri "
        "WHERE a.uri = ?",
        (NEW_URI,),
    ) == [("2025-10-07 09:47:34", 1, "2025-10-07 09:47:34", 0)]


def test_round_trip_keeps_the_legacy_schema(round_trip: RoundTrip) -> None:
    schema = "SELECT type, name, sql FROM sqlite_master ORDER BY name"
    assert sqlite_rows(round_trip.target, schema) == sqlite_rows(
        round_trip.legacy, schema
    )


def test_round_trip_file_migrates_again_and_validates_clean(
    round_trip: RoundTrip,
) -> None:
    empty_analytics()
    call_command(
        "migrate_articles", "--source", str(round_trip.target), stdout=StringIO()
    )
    # validate_migration exits 1 (SystemExit) on any difference.
    call_command(
        "validate_migration", "--source", str(round_trip.target), stdout=StringIO()
    )
    assert Article.objects.filter(
        uri=NEW_URI, title="Written after the cut-over"
    ).exists()


def test_rows_the_file_refuses_are_listed_and_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "strict.db"
    execute(path, "CREATE TABLE articles (uri TEXT PRIMARY KEY, title TEXT NOT NULL)")
    article("https://example.com/untitled", title=None)
    out = StringIO()
    with pytest.raises(CommandError, match="1 rows could not be written") as raised:
        call_command(
            "rollback_articles", target=str(path), all=True, backup=False, stdout=out
        )
    assert raised.value.returncode == 1
    assert "https://example.com/untitled: not written, NOT NULL" in out.getvalue()


def test_rows_the_file_accepts_are_still_written(tmp_path: Path) -> None:
    path = tmp_path / "strict.db"
    execute(path, "CREATE TABLE articles (uri TEXT PRIMARY KEY, title TEXT NOT NULL)")
    article("https://example.com/untitled", title=None)
    article("https://example.com/titled", title="Kept")
    with pytest.raises(CommandError):
        rollback(path, "--all", "--no-backup")
    assert sqlite_rows(path, "SELECT uri FROM articles") == [
        ("https://example.com/titled",)
    ]


def test_missing_analytics_table_is_reported_before_any_write(target: Path) -> None:
    with connections["analytics"].cursor() as cursor:
        cursor.execute("ALTER TABLE mediabias RENAME TO mediabias_elsewhere")
    try:
        with pytest.raises(CommandError, match="has no mediabias table"):
            rollback(target, "--all")
    finally:
        with connections["analytics"].cursor() as cursor:
            cursor.execute("ALTER TABLE mediabias_elsewhere RENAME TO mediabias")
    assert list(target.parent.glob("*.bak-*")) == []


def test_every_analytics_table_goes_back(generated_legacy, migrate_articles, tmp_path):
    from django.core.management import call_command

    from legacy.connect import django_connector

    path, _facts = generated_legacy(articles=60)
    migrate_articles("--source", str(path))
    target = tmp_path / "back.db"
    call_command("rollback_articles", "--target", str(target), "--all", "--no-backup")
    with django_connector()() as pg, closing(sqlite3.connect(target)) as conn:
        for table in ("auspex_chats", "auspex_messages", "feed_items", "podcasts"):
            here = pg.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            back = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            assert (table, back) == (table, here)
            assert here > 0, table


def test_scenario_and_archived_tables_go_back(
    generated_legacy, migrate_articles, tmp_path
):
    path, _facts = generated_legacy(
        articles=60,
        dirty=False,
        extra_tables=("custom_log",),
        extra_tables_without_rowid=("custom_pairs",),
    )
    assert migrate_articles("--source", str(path)).code == 0
    target = tmp_path / "back.db"  # a new file: every table is created
    call_command("rollback_articles", "--target", str(target), "--all", "--no-backup")

    def rows(file: Path, query: str) -> list[tuple[object, ...]]:
        with closing(sqlite3.connect(file)) as conn:
            conn.text_factory = bytes
            return sorted(conn.execute(query).fetchall(), key=repr)

    with closing(sqlite3.connect(path)) as conn:
        scenarios = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE name LIKE 'articles_scenario_%'"
            )
        ]
    assert scenarios
    for table in scenarios:
        with closing(sqlite3.connect(path)) as conn:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        blocks = [
            c for c in columns if c not in {"publication_date", "submission_date"}
        ]
        query = f"SELECT {', '.join(blocks)} FROM {table}"
        assert rows(target, query) == rows(path, query), table
        assert len(rows(path, query)) > 0, table
    for table in ("custom_log", "custom_pairs"):
        with closing(sqlite3.connect(path)) as conn:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        typed = ", ".join(f'typeof("{c}"), "{c}"' for c in columns)
        query = f"SELECT {typed} FROM {table}"
        assert rows(target, query) == rows(path, query), table
        assert len(rows(path, query)) > 0, table
