"""The per-scenario articles_scenario_N tables land in scenario_articles."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from articles.models import LegacyReject, MigrationRun, ScenarioArticle
from articles.tests.conftest import article, from_psql
from aunoo.tests.sqlite_files import execute
from legacy.schema import scenario_table

pytestmark = pytest.mark.django_db(databases=["default", "analytics"], transaction=True)


def scenario_row(number: int, **values: object) -> dict[str, object]:
    row = {
        "uri": f"https://news.example/{number}",
        "title": f"Title {number}",
        "news_source": "example.com",
        "publication_date": "2025-10-07 09:47:34",
        "submission_date": "2025-10-07 10:00:00",
        "summary": f"Summary of article {number}",
        "tags": "ai, policy",
        "topic": "AI",
        "analyzed": 1,
        "topic_sentiment": "Positive",
        "topic_sentiment_explanation": f"Because {number}",
        "sensitivity_level": "Low",
        "sensitivity_level_explanation": None,
    }
    row.update(values)
    return row


@pytest.fixture
def scenario_file(legacy_file) -> Path:
    """Scenario 1 (the file's own) and scenario 7, whose blocks differ."""
    path = legacy_file(
        {
            "articles": [article(n) for n in range(1, 4)],
            "articles_scenario_1": [
                scenario_row(1),
                scenario_row(2, publication_date="Tue, 07 Oct 2025 09:47:34 GMT"),
                scenario_row(3, analyzed="maybe", summary="With a \x00 NUL"),
                scenario_row(4, uri=None),  # SQLite lets a TEXT key be NULL
                # The same uri as row 1 once NULs are removed.
                scenario_row(5, uri="https://news.ex\x00ample/1"),
                # Its article is gone: kept, it carries its own copy.
                scenario_row(6, uri="https://news.example/deleted"),
            ],
        }
    )
    seven = scenario_table(7, ("Market Signal",))
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(seven.sql())
        conn.execute(
            "INSERT INTO articles_scenario_7 (uri, title, analyzed, market_signal, "
            "market_signal_explanation) VALUES ('https://news.example/1', 'One', 1, "
            "'Bullish', 'Orders up')"
        )
        conn.execute(
            "INSERT INTO scenarios (id, name, topic, article_table) VALUES "
            "(70, 'Markets', 'AI', 'articles_scenario_7')"
        )
        conn.commit()
    return path


def stored(table: str, uri: str) -> ScenarioArticle:
    return ScenarioArticle.objects.get(article_table=table, uri=uri)


def test_scenario_rows_land_typed_with_their_blocks(scenario_file, migrate_articles):
    result = migrate_articles("--source", str(scenario_file))
    assert result.code == 0, result.err
    assert "Scenario tables, their rows in scenario_articles: " in result.out
    one = stored("articles_scenario_1", "https://news.example/1")
    assert one.scenario_id == 1
    assert one.analyzed is True
    assert one.publication_date == datetime(2025, 10, 7, 9, 47, 34, tzinfo=UTC)
    assert one.block_values == {
        "topic_sentiment": "Positive",
        "topic_sentiment_explanation": "Because 1",
        "sensitivity_level": "Low",
        "sensitivity_level_explanation": None,
    }
    two = stored("articles_scenario_1", "https://news.example/2")
    assert two.publication_date == datetime(2025, 10, 7, 9, 47, 34, tzinfo=UTC)
    three = stored("articles_scenario_1", "https://news.example/3")
    assert three.analyzed is None
    assert three.legacy_extra == {"unparsed": {"analyzed": "maybe"}}
    assert three.summary == "With a  NUL"
    assert stored("articles_scenario_1", "https://news.example/deleted")
    seven = stored("articles_scenario_7", "https://news.example/1")
    assert seven.scenario_id == 70  # from scenarios.article_table
    assert seven.block_values == {
        "market_signal": "Bullish",
        "market_signal_explanation": "Orders up",
    }
    summary = MigrationRun.objects.get().summary["articles_scenario_1"]
    assert (summary["source"], summary["migrated"], summary["rejected"]) == (6, 4, 2)
    assert summary["home"] == "scenario_articles"
    assert summary["conversions"]["analyzed"] == {"invalid boolean": 1}
    reasons = dict(
        LegacyReject.objects.filter(table_name="articles_scenario_1").values_list(
            "legacy_rowid", "reason"
        )
    )
    assert sorted(reasons.values()) == ["duplicate key", "null key"]


def test_scenario_rows_validate_and_a_changed_value_is_named(
    scenario_file, migrate_articles, validate_migration
):
    assert migrate_articles("--source", str(scenario_file)).code == 0
    result = validate_migration("--source", str(scenario_file))
    assert result.code == 0, result.out + result.err
    line = next(
        x for x in result.out.splitlines() if x.startswith("articles_scenario_1")
    )
    assert line.split()[1:5] == ["6", "4", "2", "0"]
    from_psql(
        "UPDATE scenario_articles "
        "SET block_values = block_values - 'sensitivity_level' "
        "WHERE uri = 'https://news.example/2' "
        "AND article_table = 'articles_scenario_1'"
    )
    result = validate_migration("--source", str(scenario_file))
    assert result.code == 1
    assert (
        "articles_scenario_1 'https://news.example/2': changed in PostgreSQL outside "
        "the app (by a session named 'psql')"
    ) in result.out
    # Catch-up keeps it and says so until the operator chooses.
    result = migrate_articles("--source", str(scenario_file), "--catch-up")
    assert result.code == 1
    assert "changed in scenario_articles outside the app" in result.out + result.err
    two = stored("articles_scenario_1", "https://news.example/2")
    assert "sensitivity_level" not in two.block_values
    result = migrate_articles(
        "--source", str(scenario_file), "--catch-up", "--prefer", "legacy"
    )
    assert result.code == 0, result.out + result.err
    two = stored("articles_scenario_1", "https://news.example/2")
    assert two.block_values["sensitivity_level"] == "Low"
    assert validate_migration("--source", str(scenario_file)).code == 0


def test_a_value_changed_without_a_trace_is_named(
    scenario_file, migrate_articles, validate_migration
):
    assert migrate_articles("--source", str(scenario_file)).code == 0
    from_psql("ALTER TABLE scenario_articles DISABLE TRIGGER legacy_track")
    try:
        from_psql(
            "UPDATE scenario_articles SET tags = 'tampered' "
            "WHERE uri = 'https://news.example/2'"
        )
    finally:
        from_psql("ALTER TABLE scenario_articles ENABLE TRIGGER legacy_track")
    result = validate_migration("--source", str(scenario_file))
    assert result.code == 1
    assert (
        "articles_scenario_1 'https://news.example/2': content differs (scenario row) "
        "(columns: tags)"
    ) in result.out


def test_catch_up_brings_legacy_changes_and_keeps_the_apps(
    scenario_file, migrate_articles, validate_migration
):
    assert migrate_articles("--source", str(scenario_file)).code == 0
    # The app: an analyst corrects one row's block answer.
    row = stored("articles_scenario_1", "https://news.example/1")
    row.block_values = {**row.block_values, "topic_sentiment": "Negative"}
    row.save()
    # The legacy app: edits that row too, edits another, deletes one, adds one.
    execute(
        scenario_file,
        "UPDATE articles_scenario_1 SET title = 'Legacy edit' "
        "WHERE uri IN ('https://news.example/1', 'https://news.example/2')",
    )
    execute(
        scenario_file,
        "DELETE FROM articles_scenario_1 WHERE uri = 'https://news.example/deleted'",
    )
    execute(
        scenario_file,
        "INSERT INTO articles_scenario_1 (uri, title) "
        "VALUES ('https://news.example/9', 'New')",
    )
    result = migrate_articles("--source", str(scenario_file), "--catch-up")
    assert result.code == 0, result.err
    assert (
        stored("articles_scenario_1", "https://news.example/2").title == "Legacy edit"
    )
    assert stored("articles_scenario_1", "https://news.example/9").title == "New"
    assert not ScenarioArticle.objects.filter(uri="https://news.example/deleted")
    kept = stored("articles_scenario_1", "https://news.example/1")
    assert kept.block_values["topic_sentiment"] == "Negative"
    assert kept.title == "Title 1"  # the app's version stays whole
    summary = MigrationRun.objects.latest("id").summary["articles_scenario_1"]
    assert summary["app_kept"] == 1
    result = validate_migration("--source", str(scenario_file))
    assert result.code == 0, result.out
    assert "1 rows were created or changed in the app" in result.out


def test_a_row_the_app_deleted_is_not_brought_back(scenario_file, migrate_articles):
    assert migrate_articles("--source", str(scenario_file)).code == 0
    stored("articles_scenario_7", "https://news.example/1").delete()
    assert migrate_articles("--source", str(scenario_file), "--catch-up").code == 0
    assert not ScenarioArticle.objects.filter(article_table="articles_scenario_7")


def test_a_rerun_writes_nothing_and_a_fixed_reject_lands(
    scenario_file, migrate_articles
):
    assert migrate_articles("--source", str(scenario_file)).code == 0
    ids = dict(ScenarioArticle.objects.values_list("uri", "id"))
    result = migrate_articles("--source", str(scenario_file), "--catch-up")
    assert (
        MigrationRun.objects.latest("id").summary["articles_scenario_1"]["updated"] == 0
    ), result.out
    execute(
        scenario_file,
        "UPDATE articles_scenario_1 SET uri = 'https://news.example/4' "
        "WHERE uri IS NULL",
    )
    assert migrate_articles("--source", str(scenario_file), "--catch-up").code == 0
    assert stored("articles_scenario_1", "https://news.example/4").title == "Title 4"
    assert dict(ScenarioArticle.objects.values_list("uri", "id")).items() >= ids.items()
    assert list(
        LegacyReject.objects.filter(table_name="articles_scenario_1").values_list(
            "reason", flat=True
        )
    ) == ["duplicate key"]
