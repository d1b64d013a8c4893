"""The migrated databases hold each table in exactly one place, properly typed."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connections

ANALYTICS_TABLES = {
    "articles",
    "raw_articles",
    "keyword_article_matches",
    "keyword_alerts",
    "article_analysis_cache",
    "article_annotations",
    "mediabias",
}
DEFAULT_TABLES = {
    "auth_user",
    "auth_group",
    "auth_permission",
    "django_content_type",
    "django_session",
    "django_admin_log",
    "app_config",
    "keyword_groups",
    "monitored_keywords",
    "keyword_monitor_settings",
    "feed_keyword_groups",
    "user_feed_subscriptions",
    "keyword_group_follows",
    "oauth_users",
    "oauth_allowlist",
    "user_legacy_profiles",
    "user_preferences",
}
pytestmark = pytest.mark.django_db(databases=["default", "analytics"])


def tables(alias: str) -> set[str]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def pg_column_types(table: str) -> dict[str, str]:
    with connections["analytics"].cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s",
            [table],
        )
        return dict(cursor.fetchall())


@pytest.mark.parametrize("table", sorted(ANALYTICS_TABLES))
def test_analytics_tables_live_only_in_postgresql(table: str) -> None:
    assert table in tables("analytics")
    assert table not in tables("default")


@pytest.mark.parametrize("table", sorted(DEFAULT_TABLES))
def test_config_tables_live_only_in_sqlite(table: str) -> None:
    assert table in tables("default")
    assert table not in tables("analytics")


@pytest.mark.parametrize(
    "model", [pytest.param(m, id=m._meta.label) for m in apps.get_models()]
)
def test_every_model_table_lives_in_its_routed_database_only(model: type) -> None:
    home = "analytics" if model._meta.app_label == "articles" else "default"
    other = "default" if home == "analytics" else "analytics"
    assert model._meta.db_table in tables(home)
    assert model._meta.db_table not in tables(other)


def test_articles_has_all_36_legacy_columns() -> None:
    columns = set(pg_column_types("articles")) - {"legacy_extra", "search_vector"}
    assert len(columns) == 36


@pytest.mark.parametrize(
    ("table", "column", "data_type"),
    [
        ("articles", "uri", "text"),
        ("articles", "publication_date", "timestamp with time zone"),
        ("articles", "submission_date", "timestamp with time zone"),
        ("articles", "analyzed", "boolean"),
        ("articles", "auto_ingested", "boolean"),
        ("articles", "topic_alignment_score", "double precision"),
        ("articles", "keyword_relevance_score", "double precision"),
        ("articles", "confidence_score", "double precision"),
        ("articles", "quality_score", "double precision"),
        ("articles", "search_vector", "tsvector"),
        ("articles", "legacy_extra", "jsonb"),
        ("raw_articles", "uri", "text"),
        ("raw_articles", "last_updated", "timestamp with time zone"),
        ("keyword_article_matches", "below_threshold", "boolean"),
        ("keyword_article_matches", "is_read", "boolean"),
        ("keyword_article_matches", "group_id", "integer"),
        ("keyword_article_matches", "detected_at", "timestamp with time zone"),
        ("keyword_alerts", "keyword_id", "integer"),
        ("article_analysis_cache", "metadata", "jsonb"),
        ("article_analysis_cache", "expires_at", "timestamp with time zone"),
        ("article_annotations", "is_private", "boolean"),
        ("mediabias", "enabled", "boolean"),
        ("mediabias", "last_updated", "timestamp with time zone"),
    ],
)
def test_postgresql_column_types(table: str, column: str, data_type: str) -> None:
    assert pg_column_types(table)[column] == data_type


def test_analytics_indexes_from_the_plan_exist() -> None:
    with connections["analytics"].cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'articles'")
        definitions = " ".join(row[0] for row in cursor.fetchall())
    for column in ("topic", "submission_date", "auto_ingested", "analyzed"):
        assert f"btree ({column})" in definitions
    assert "gin (search_vector)" in definitions


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout")
        timeout = cursor.fetchone()[0]
    assert mode == "wal"
    assert timeout >= 5000
