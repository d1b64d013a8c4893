"""validate_migration: counts, key sets, and a checksum of every row and column."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from articles.models import Article, KeywordAlert, MediaBias
from articles.tests.conftest import article, from_psql, old_article
from aunoo.tests.sqlite_files import (
    copy_with_pending_wal,
    held_by_a_writer,
    unwritable,
)
from legacy.connect import django_connector
from legacy.verify import RENDER, SQL_RENDER, jsonb_text

pytestmark = pytest.mark.django_db(databases=["default", "analytics"], transaction=True)


@pytest.fixture
def migrated(legacy_file, migrate_articles):
    alerts = [{"id": 1, "keyword_id": 4, "article_uri": article(1)["uri"]}]
    path = legacy_file(
        {
            "articles": [article(1), article(2, publication_date="soon"), article(3)],
            "keyword_alerts": alerts,
            "mediabias": [{"source": "bbc.co.uk", "enabled": 1}],
        }
    )
    assert migrate_articles("--source", str(path)).code == 0
    return path


def test_a_clean_migration_validates(migrated, validate_migration):
    result = validate_migration("--source", str(migrated))
    assert result.code == 0
    assert "Every table matches the legacy file." in result.out


def unrecorded(statement, params=()):
    """A change no trigger records: made as the engine's own session would."""
    with django_connector()() as pg:
        pg.execute(statement, params)


def test_a_changed_column_fails_and_is_named(migrated, validate_migration):
    unrecorded(
        "UPDATE articles SET summary = 'edited' WHERE uri = %s", [article(2)["uri"]]
    )
    result = validate_migration("--source", str(migrated))
    assert result.code == 1
    assert (
        f"articles {article(2)['uri']!r}: content differs (columns: summary)"
        in result.out
    )


def test_a_changed_timestamp_by_one_microsecond_fails(migrated, validate_migration):
    unrecorded(
        "UPDATE articles SET publication_date = publication_date + "
        "interval '1 microsecond' WHERE uri = %s",
        [article(1)["uri"]],
    )
    assert validate_migration("--source", str(migrated)).code == 1


def test_a_changed_boolean_fails(migrated, validate_migration):
    unrecorded("UPDATE mediabias SET enabled = NULL")
    result = validate_migration("--source", str(migrated))
    assert "content differs (columns: enabled)" in result.out


def test_a_missing_row_fails(migrated, validate_migration):
    unrecorded("DELETE FROM keyword_alerts")
    result = validate_migration("--source", str(migrated))
    assert result.code == 1
    assert "keyword_alerts 1: in the legacy file, missing in PostgreSQL" in result.out


def test_an_extra_row_fails(migrated, validate_migration):
    unrecorded("INSERT INTO articles (uri) VALUES ('https://only.in/postgres')")
    result = validate_migration("--source", str(migrated))
    assert (
        "'https://only.in/postgres': in PostgreSQL, not in the legacy file"
        in result.out
    )


def test_a_change_made_outside_the_app_fails_and_names_the_session(
    migrated, validate_migration
):
    from_psql("UPDATE articles SET title = 'x' WHERE uri = %s", [article(3)["uri"]])
    result = validate_migration("--source", str(migrated))
    assert result.code == 1
    assert (
        f"articles {article(3)['uri']!r}: changed in PostgreSQL outside the app "
        "(by a session named 'psql')" in result.out
    )


def test_the_apps_own_rows_and_changes_validate(migrated, validate_migration):
    Article.objects.filter(uri=article(2)["uri"]).update(summary="edited here")
    Article.objects.create(uri="https://made.in/the-app")
    KeywordAlert.objects.filter(id=1).update(is_read=True)
    MediaBias.objects.all().delete()
    result = validate_migration("--source", str(migrated))
    assert result.code == 0, result.out
    assert "4 rows were created or changed in the app" in result.out


def test_counts_include_the_rejects(legacy_file, migrate_articles, validate_migration):
    path = legacy_file({"articles": [article(1), article(2, uri=None)]})
    migrate_articles("--source", str(path))
    result = validate_migration("--source", str(path))
    line = next(line for line in result.out.splitlines() if line.startswith("articles"))
    assert line.split()[:4] == ["articles", "2", "1", "1"]
    assert result.code == 0


def test_a_deleted_reject_record_fails_the_count(
    legacy_file, migrate_articles, validate_migration
):
    path = legacy_file({"articles": [article(1), article(2, uri=None)]})
    migrate_articles("--source", str(path))
    from articles.models import LegacyReject

    LegacyReject.objects.all().delete()
    assert validate_migration("--source", str(path)).code == 1


def test_wal_changes_it_cannot_read_are_refused_not_validated(
    migrated, validate_migration, tmp_path
):
    folder = tmp_path / "read-only"
    folder.mkdir()
    copy = copy_with_pending_wal(
        migrated, folder, "UPDATE articles SET title = 'Edited by the legacy app'"
    )
    with unwritable(folder):
        result = validate_migration("--source", str(copy))
    assert result.code == 2
    assert f"committed changes in {copy.name}-wal" in result.err
    assert "Every table matches" not in result.out


def test_a_source_locked_by_a_writer_is_in_use(migrated, validate_migration):
    with held_by_a_writer(migrated):
        result = validate_migration("--source", str(migrated), "--lock-timeout", "0.2")
    assert result.code == 1
    assert "is in use by another program" in result.err


def test_tables_missing_in_the_source_are_reported(
    legacy_file, migrate_articles, validate_migration
):
    path = legacy_file({"articles": [old_article(1)]}, schema="2025-03")
    migrate_articles("--source", str(path))
    result = validate_migration("--source", str(path))
    assert result.code == 0
    line = next(line for line in result.out.splitlines() if "Missing in" in line)
    assert line.startswith(
        "Missing in source (the analytics database has these tables, the legacy "
        "file does not): "
    )
    assert {"article_analysis_cache", "mediabias"} <= set(
        line.split(": ")[1].split(", ")
    )


def test_validation_does_not_change_the_source(migrated, validate_migration):
    before = hashlib.sha256(migrated.read_bytes()).hexdigest()
    validate_migration("--source", str(migrated))
    assert hashlib.sha256(migrated.read_bytes()).hexdigest() == before


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "aa": [1.5, 1e20, -0.0, 1e-7, None, True], "a": 'q"\\\n\x01é😀'},
        "plain string",
        12345678901234567890,
        [],
        {},
    ],
)
def test_jsonb_text_matches_postgresql(value):
    from psycopg.types.json import Jsonb

    with django_connector()() as pg:
        stored = pg.execute("SELECT %s::jsonb::text", [Jsonb(value)]).fetchone()[0]
    assert jsonb_text(value) == stored


@pytest.mark.parametrize(
    ("kind", "value", "cast"),
    [
        (
            "timestamptz",
            datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
            "timestamptz",
        ),
        ("timestamptz", datetime(2025, 10, 7, 9, 47, 34, 1, tzinfo=UTC), "timestamptz"),
        ("double", 0.1 + 0.2, "float8"),
        ("double", 1e300, "float8"),
        ("boolean", False, "boolean"),
        ("integer", -5, "int4"),
        ("text", "é\t", "text"),
    ],
)
def test_python_and_sql_renderings_agree(kind, value, cast):
    query = "SELECT " + SQL_RENDER[kind].format(c=f"%(v)s::{cast}")
    with django_connector()() as pg:
        assert pg.execute(query, {"v": value}).fetchone()[0] == RENDER[kind](value)
