"""The migrated databases hold each table in exactly one place, properly typed."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import IntegrityError, connections, transaction

from articles.models import ScenarioArticle, SignalAlert
from legacy.tracking import APP_IDS_ABOVE

ANALYTICS_TABLES = {
    "articles",
    "raw_articles",
    "keyword_article_matches",
    "keyword_alerts",
    "article_analysis_cache",
    "article_annotations",
    "mediabias",
    "feed_items",
    "signal_alerts",
    "incident_status",
    "shared_news_feeds",
    "daily_news_feeds",
    "auspex_chats",
    "auspex_messages",
    "model_bias_arena_runs",
    "model_bias_arena_results",
    "model_bias_arena_articles",
    "analysis_versions",
    "analysis_versions_v2",
    "trend_consistency_metrics",
    "podcasts",
    "reports",
    "keyword_alert_articles",
    "scenario_articles",
    "legacy_archive",
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
    "oauth_sessions",
    "keyword_monitor_status",
    "feed_group_sources",
    "vantage_desk_filters",
    "newsletter_prompts",
    "auspex_prompts",
    "organizational_profiles",
    "signal_instructions",
    "building_blocks",
    "scenarios",
    "scenario_blocks",
    "settings_podcasts",
    "mediabias_settings",
    "config",
    "tags",
    "migrations",
    "migration_history",
}
# The analytics tables added after the cut-over tracking, with their legacy keys.
TRACKED_SINCE_0007 = {
    "feed_items": "id",
    "daily_news_feeds": "id",
    "shared_news_feeds": "id",
    "signal_alerts": "id",
    "incident_status": "id",
    "auspex_chats": "id",
    "auspex_messages": "id",
    "model_bias_arena_runs": "id",
    "model_bias_arena_results": "id",
    "model_bias_arena_articles": "id",
    "analysis_versions": "id",
    "analysis_versions_v2": "id",
    "trend_consistency_metrics": "id",
    "reports": "id",
    "keyword_alert_articles": "id",
    "podcasts": "id",
}
pytestmark = pytest.mark.django_db(databases=["default", "analytics"])


def tables(alias: str) -> set[str]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def sqlite_column_types(table: str) -> dict[str, str]:
    with connections["default"].cursor() as cursor:
        cursor.execute(f'PRAGMA table_info("{table}")')
        return {row[1]: row[2].lower() for row in cursor.fetchall()}


def sqlite_table_sql(table: str) -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [table])
        return str(cursor.fetchone()[0])


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
        ("feed_items", "group_id", "integer"),
        ("feed_items", "publication_date", "timestamp with time zone"),
        ("feed_items", "engagement_metrics", "jsonb"),
        ("feed_items", "tags", "jsonb"),
        ("feed_items", "mentions", "jsonb"),
        ("feed_items", "images", "jsonb"),
        ("feed_items", "is_hidden", "boolean"),
        ("feed_items", "is_starred", "boolean"),
        ("feed_items", "created_at", "timestamp with time zone"),
        ("feed_items", "legacy_extra", "jsonb"),
        ("daily_news_feeds", "feed_date", "date"),
        ("daily_news_feeds", "overview_data", "jsonb"),
        ("daily_news_feeds", "six_articles_data", "jsonb"),
        ("daily_news_feeds", "generated_at", "timestamp with time zone"),
        ("daily_news_feeds", "processing_time_seconds", "double precision"),
        ("shared_news_feeds", "feed_data", "jsonb"),
        ("shared_news_feeds", "date_filter", "text"),
        ("shared_news_feeds", "expires_at", "timestamp with time zone"),
        ("signal_alerts", "instruction_id", "integer"),
        ("signal_alerts", "confidence", "double precision"),
        ("signal_alerts", "is_acknowledged", "boolean"),
        ("signal_alerts", "acknowledged_at", "timestamp with time zone"),
        ("incident_status", "updated_at", "timestamp with time zone"),
        ("auspex_chats", "user_id", "text"),
        ("auspex_chats", "profile_id", "integer"),
        ("auspex_chats", "metadata", "jsonb"),
        ("auspex_messages", "chat_id", "bigint"),
        ("auspex_messages", "timestamp", "timestamp with time zone"),
        ("auspex_messages", "metadata", "jsonb"),
        ("model_bias_arena_runs", "selected_models", "jsonb"),
        ("model_bias_arena_runs", "completed_at", "timestamp with time zone"),
        ("model_bias_arena_results", "run_id", "bigint"),
        ("model_bias_arena_results", "bias_score", "double precision"),
        ("model_bias_arena_results", "confidence_score", "double precision"),
        ("model_bias_arena_articles", "selected_for_benchmark", "boolean"),
        ("analysis_versions", "version_data", "jsonb"),
        ("analysis_versions_v2", "version_data", "jsonb"),
        ("analysis_versions_v2", "cache_metadata", "jsonb"),
        ("analysis_versions_v2", "accessed_at", "timestamp with time zone"),
        ("trend_consistency_metrics", "consistency_score", "double precision"),
        ("trend_consistency_metrics", "detailed_metrics", "jsonb"),
        ("trend_consistency_metrics", "analysis_date", "timestamp with time zone"),
        ("podcasts", "id", "text"),
        ("podcasts", "metadata", "jsonb"),
        ("podcasts", "completed_at", "timestamp with time zone"),
        ("reports", "created_at", "timestamp with time zone"),
        ("keyword_alert_articles", "submission_date", "timestamp with time zone"),
        ("keyword_alert_articles", "analyzed", "boolean"),
        ("keyword_alert_articles", "moved_to_articles", "boolean"),
        ("scenario_articles", "publication_date", "timestamp with time zone"),
        ("scenario_articles", "analyzed", "boolean"),
        ("scenario_articles", "block_values", "jsonb"),
        ("scenario_articles", "legacy_extra", "jsonb"),
        ("legacy_archive", "legacy_rowid", "bigint"),
        ("legacy_archive", "row", "jsonb"),
        ("legacy_archive", "archived_at", "timestamp with time zone"),
    ],
)
def test_postgresql_column_types(table: str, column: str, data_type: str) -> None:
    assert pg_column_types(table)[column] == data_type


@pytest.mark.parametrize(
    ("table", "column", "declared_type"),
    [
        ("oauth_sessions", "expires_at", "datetime"),
        ("keyword_monitor_status", "last_check_time", "datetime"),
        ("keyword_monitor_status", "last_reset_date", "date"),
        ("feed_group_sources", "enabled", "bool"),
        ("feed_group_sources", "last_checked", "datetime"),
        ("vantage_desk_filters", "include_hidden", "bool"),
        ("newsletter_prompts", "last_updated", "datetime"),
        ("auspex_prompts", "is_default", "bool"),
        ("organizational_profiles", "is_default", "bool"),
        ("organizational_profiles", "updated_at", "datetime"),
        ("signal_instructions", "is_active", "bool"),
        ("building_blocks", "created_at", "datetime"),
        ("scenarios", "created_at", "datetime"),
        ("mediabias_settings", "enabled", "bool"),
        ("migrations", "applied_at", "datetime"),
        ("migration_history", "success", "bool"),
    ],
)
def test_sqlite_column_types(table: str, column: str, declared_type: str) -> None:
    assert sqlite_column_types(table)[column] == declared_type


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("feed_group_sources", "keywords"),
        ("feed_group_sources", "search_settings"),
        ("vantage_desk_filters", "source_date_combinations"),
        ("organizational_profiles", "key_concerns"),
        ("organizational_profiles", "strategic_priorities"),
        ("organizational_profiles", "stakeholder_focus"),
        ("organizational_profiles", "competitive_landscape"),
        ("organizational_profiles", "regulatory_environment"),
        ("building_blocks", "options"),
        ("settings_podcasts", "value"),
        ("oauth_sessions", "legacy_extra"),
        ("tags", "legacy_extra"),
    ],
)
def test_sqlite_json_columns_accept_only_json(table: str, column: str) -> None:
    assert f'JSON_VALID("{column}")' in sqlite_table_sql(table)


@pytest.mark.parametrize("table", sorted(TRACKED_SINCE_0007))
def test_new_analytics_tables_carry_the_cutover_triggers_disabled(table: str) -> None:
    with connections["analytics"].cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger "
            "WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [table],
        )
        triggers = dict(cursor.fetchall())
    assert triggers == {"legacy_track": "D", "legacy_guard": "D"}


def test_rows_the_app_adds_to_a_new_table_take_ids_above_the_legacy_range() -> None:
    alert = SignalAlert.objects.create(
        article_uri="https://example.com/a",
        instruction_id=6,
        instruction_name="Musk mentions",
        confidence=0.9,
        threat_level="low",
    )
    assert alert.pk > APP_IDS_ABOVE


def test_a_uri_appears_once_in_each_scenario_table() -> None:
    ScenarioArticle.objects.create(article_table="articles_scenario_1", uri="u")
    ScenarioArticle.objects.create(article_table="articles_scenario_2", uri="u")
    with pytest.raises(IntegrityError), transaction.atomic(using="analytics"):
        ScenarioArticle.objects.create(article_table="articles_scenario_1", uri="u")


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
