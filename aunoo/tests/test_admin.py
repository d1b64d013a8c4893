"""Every registered model's admin works for staff and refuses everyone else."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    LegacyProfile,
    OAuthAllowlistEntry,
    OAuthSession,
    OAuthUser,
    SavedSearch,
    UserPreferences,
)
from articles.models import (
    AnalysisVersion,
    AnalysisVersionV2,
    Article,
    ArticleAnalysisCache,
    ArticleAnnotation,
    AuspexChat,
    AuspexMessage,
    DailyNewsFeed,
    FeedItem,
    IncidentStatus,
    KeywordAlert,
    KeywordAlertArticle,
    KeywordArticleMatch,
    KeywordScan,
    LegacyAppChange,
    LegacyArchive,
    LegacyConflict,
    LegacyReject,
    MediaBias,
    MigrationRun,
    ModelBiasArenaArticle,
    ModelBiasArenaResult,
    ModelBiasArenaRun,
    Podcast,
    RawArticle,
    Report,
    ScenarioArticle,
    SharedNewsFeed,
    SignalAlert,
    TrendConsistencyMetric,
)
from config_app.models import (
    AppSetting,
    AuspexPrompt,
    BuildingBlock,
    ConfigItem,
    FeedGroupSource,
    FeedKeywordGroup,
    KeywordGroup,
    KeywordGroupFollow,
    KeywordMonitorSettings,
    KeywordMonitorStatus,
    LegacyConfigReject,
    LegacyMigrationHistory,
    LegacySchemaMigration,
    MediaBiasSettings,
    MonitoredKeyword,
    NewsletterPrompt,
    OrganizationalProfile,
    PodcastSetting,
    Scenario,
    ScenarioBlock,
    SignalInstruction,
    Tag,
    UserFeedSubscription,
    VantageDeskFilter,
)

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])
# The migration engine's records: shown, never edited by hand.
READ_ONLY = {
    MigrationRun,
    LegacyConflict,
    LegacyAppChange,
    LegacyReject,
    LegacyArchive,
    LegacyConfigReject,
}
REGISTERED = [
    pytest.param(model, id=model._meta.label) for model in admin.site._registry
]
EDITABLE = [
    pytest.param(model, id=model._meta.label)
    for model in admin.site._registry
    if model not in READ_ONLY
]


def admin_url(model: type, view: str, *args: object) -> str:
    return reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args
    )


@pytest.fixture
def sample_rows(admin_user: User) -> dict[type, object]:
    article = Article.objects.create(
        uri="https://example.com/news/1?x=1",
        title="Solar output doubles",
        topic="Climate",
        category="Energy",
        publication_date=dt.datetime(2025, 10, 6, 21, 41, tzinfo=dt.UTC),
    )
    group = KeywordGroup.objects.create(name="Solar", topic="Climate")
    now = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
    keyword = MonitoredKeyword.objects.create(group=group, keyword="solar")
    return {
        Article: article,
        RawArticle: RawArticle.objects.create(article=article, raw_markdown="# Solar"),
        KeywordArticleMatch: KeywordArticleMatch.objects.create(
            article=article, keyword_ids=str(keyword.pk), group_id=group.pk
        ),
        KeywordAlert: KeywordAlert.objects.create(
            keyword_id=keyword.pk, article=article
        ),
        KeywordScan: KeywordScan.objects.create(
            keyword_id=keyword.pk,
            group_id=group.pk,
            keyword="solar",
            requested_at=now,
        ),
        ArticleAnalysisCache: ArticleAnalysisCache.objects.create(
            article_uri=article.uri,
            analysis_type="summary",
            content="c",
            model_used="m",
        ),
        ArticleAnnotation: ArticleAnnotation.objects.create(
            article=article, author="ada", content="check this"
        ),
        MediaBias: MediaBias.objects.create(source="example.com", bias="center"),
        KeywordGroup: group,
        MonitoredKeyword: keyword,
        KeywordMonitorSettings: KeywordMonitorSettings.load(),
        KeywordGroupFollow: KeywordGroupFollow.objects.create(
            user=admin_user, group=group
        ),
        AppSetting: AppSetting.objects.create(config_key="theme", config_value="dark"),
        FeedKeywordGroup: (feed := FeedKeywordGroup.objects.create(name="Feeds")),
        UserFeedSubscription: UserFeedSubscription.objects.create(
            user=admin_user, group=feed
        ),
        LegacyProfile: LegacyProfile.objects.create(user=admin_user),
        OAuthUser: OAuthUser.objects.create(email="ada@example.com", provider="google"),
        OAuthAllowlistEntry: OAuthAllowlistEntry.objects.create(
            email="ada@example.com"
        ),
        UserPreferences: UserPreferences.for_user(admin_user),
        SavedSearch: SavedSearch.objects.create(
            user=admin_user, name="Solar", query="q=solar", last_seen_at=timezone.now()
        ),
        MigrationRun: (
            run := MigrationRun.objects.create(
                source_path="/data/fnaapp.db",
                source_sha256="0" * 64,
                mode="migrate",
                started_at=now,
            )
        ),
        LegacyReject: LegacyReject.objects.create(
            run=run,
            source_path="/data/fnaapp.db",
            table_name="articles",
            legacy_rowid=4,
            reason="null key",
            row={"uri": None},
            created_at=now,
        ),
        LegacyConflict: LegacyConflict.objects.create(
            run=run,
            source_path="/data/fnaapp.db",
            table_name="articles",
            key=article.uri,
            kind=LegacyConflict.Kind.BOTH_CHANGED,
            columns=["title"],
            detected_at=now,
        ),
        LegacyAppChange: LegacyAppChange.objects.create(
            table_name="articles",
            key=article.uri,
            first_changed_at=now,
            changed_at=now,
        ),
        LegacyArchive: LegacyArchive.objects.create(
            run=run,
            source_path="/data/fnaapp.db",
            table_name="saved_dashboards",
            legacy_rowid=3,
            legacy_key="3",
            row={"id": 3, "layout": {"base64": "AAE="}, "name": "Morning"},
            archived_at=now,
        ),
        LegacyConfigReject: LegacyConfigReject.objects.create(
            source_path="/data/fnaapp.db",
            table_name="monitored_keywords",
            legacy_rowid=9,
            legacy_key="9",
            reason="parent missing",
            column="group_id",
            message="monitored_keywords 9: rejected, its group 42 does not exist",
            row={"id": 9, "group_id": 42, "keyword": "solar"},
            recorded_at=now,
        ),
        User: admin_user,
        Group: Group.objects.create(name="analysts"),
        **legacy_inventory_rows(article, feed, now),
    }


def legacy_inventory_rows(
    article: Article, feed: FeedKeywordGroup, now: dt.datetime
) -> dict[type, object]:
    """A row of each of the other legacy tables, as a legacy file would hold it."""
    instruction = SignalInstruction.objects.create(
        name="Musk mentions", instruction="Flag any mention of Elon Musk"
    )
    profile = OrganizationalProfile.objects.create(
        name="Publisher", key_concerns=["Peer review", "AI"]
    )
    block = BuildingBlock.objects.create(
        name="Topic Sentiment", kind="sentiment", prompt="What is the sentiment?"
    )
    scenario = Scenario.objects.create(
        name="Basic", topic="Climate", article_table="articles_scenario_1"
    )
    chat = AuspexChat.objects.create(
        topic="Climate", user_id="ada", profile_id=profile.pk, metadata={"a": 1}
    )
    run = ModelBiasArenaRun.objects.create(
        name="October", benchmark_model="gpt-4o", selected_models=["gpt-4o-mini"]
    )
    return {
        FeedItem: FeedItem.objects.create(
            source_type="bluesky",
            source_id="at://post/1",
            group_id=feed.pk,
            title="Solar on rooftops",
            url="https://bsky.app/post/1",
            tags=["solar"],
        ),
        DailyNewsFeed: DailyNewsFeed.objects.create(
            topic="Climate",
            feed_date=dt.date(2025, 10, 7),
            overview_data={"items": []},
            six_articles_data=[],
        ),
        SharedNewsFeed: SharedNewsFeed.objects.create(
            share_token="v4p7Im76D7mV", feed_type="overview", feed_data={"items": []}
        ),
        SignalAlert: SignalAlert.objects.create(
            article_uri=article.uri,
            instruction_id=instruction.pk,
            instruction_name=instruction.name,
            confidence=0.87,
            threat_level="low",
        ),
        IncidentStatus: IncidentStatus.objects.create(
            incident_name="Grid outage", topic="Climate"
        ),
        AuspexChat: chat,
        AuspexMessage: AuspexMessage.objects.create(
            chat_id=chat.pk, role="user", content="What changed?"
        ),
        ModelBiasArenaRun: run,
        ModelBiasArenaResult: ModelBiasArenaResult.objects.create(
            run_id=run.pk, article_uri=article.uri, model_name="gpt-4o-mini"
        ),
        ModelBiasArenaArticle: ModelBiasArenaArticle.objects.create(
            run_id=run.pk, article_uri=article.uri
        ),
        AnalysisVersion: AnalysisVersion.objects.create(
            topic="Climate", version_data={"trends": []}
        ),
        AnalysisVersionV2: AnalysisVersionV2.objects.create(
            cache_key="climate:2025-10", topic="Climate", version_data={}
        ),
        TrendConsistencyMetric: TrendConsistencyMetric.objects.create(
            topic="Climate", consistency_score=0.85
        ),
        Podcast: Podcast.objects.create(id="pod-1", title="Daily News"),
        Report: Report.objects.create(content="# Q3", created_at=now),
        KeywordAlertArticle: KeywordAlertArticle.objects.create(
            url="https://example.com/found", title="Found"
        ),
        ScenarioArticle: ScenarioArticle.objects.create(
            article_table=scenario.article_table,
            scenario_id=scenario.pk,
            uri=article.uri,
            block_values={"topic_sentiment": "Positive"},
        ),
        OAuthSession: OAuthSession.objects.create(
            user_id=1, session_token="secret-token", provider="google"
        ),
        KeywordMonitorStatus: KeywordMonitorStatus.objects.create(
            requests_today=13, last_reset_date=dt.date(2025, 10, 7)
        ),
        FeedGroupSource: FeedGroupSource.objects.create(
            group_id=feed.pk, source_type="arxiv", keywords=["solar"]
        ),
        VantageDeskFilter: VantageDeskFilter.objects.create(
            user_key="local:ada", group_id=feed.pk
        ),
        NewsletterPrompt: NewsletterPrompt.objects.create(
            content_type_id="market_impact",
            prompt_template="Analyse '{topic}'",
            description="Market impact",
        ),
        AuspexPrompt: AuspexPrompt.objects.create(
            name="default", title="Default", content="You are Auspex"
        ),
        OrganizationalProfile: profile,
        SignalInstruction: instruction,
        BuildingBlock: block,
        Scenario: scenario,
        ScenarioBlock: ScenarioBlock.objects.create(
            scenario_id=scenario.pk, building_block_id=block.pk
        ),
        PodcastSetting: PodcastSetting.objects.create(
            key="defaults_conversation", value={"host_name": "Auspex"}
        ),
        MediaBiasSettings: MediaBiasSettings.objects.create(source_file="mbfc.csv"),
        ConfigItem: ConfigItem.objects.create(name="topics", content="{}"),
        Tag: Tag.objects.create(name="climate"),
        LegacySchemaMigration: LegacySchemaMigration.objects.create(
            name="add_topic_column"
        ),
        LegacyMigrationHistory: LegacyMigrationHistory.objects.create(
            migration_name="add_profile_id_to_auspex_chats.sql"
        ),
    }


@pytest.mark.parametrize("model", REGISTERED)
def test_changelist_renders_for_staff(
    admin_client: Client, sample_rows: dict[type, object], model: type
) -> None:
    response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", EDITABLE)
def test_add_page_renders_for_staff(admin_client: Client, model: type) -> None:
    response = admin_client.get(admin_url(model, "add"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", sorted(READ_ONLY, key=str))
def test_engine_records_cannot_be_added_by_hand(
    admin_client: Client, model: type
) -> None:
    response = admin_client.get(admin_url(model, "add"))
    assert response.status_code == 403


@pytest.mark.parametrize("model", REGISTERED)
def test_change_page_renders_for_staff(
    admin_client: Client, sample_rows: dict[type, object], model: type
) -> None:
    obj = sample_rows[model]
    response = admin_client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200


def test_the_single_settings_row_cannot_be_added_twice(
    admin_client: Client, sample_rows: dict[type, object]
) -> None:
    response = admin_client.get(admin_url(KeywordMonitorSettings, "add"))
    assert response.status_code == 403


@pytest.mark.parametrize("model", REGISTERED)
def test_non_staff_users_are_refused(member_client: Client, model: type) -> None:
    response = member_client.get(admin_url(model, "changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_anonymous_users_are_sent_to_the_admin_login(client: Client) -> None:
    response = client.get(admin_url(Article, "changelist"))
    assert response.status_code == 302


def test_article_changelist_never_counts_the_whole_table(
    admin_client: Client, sample_rows: dict[type, object]
) -> None:
    Article.objects.bulk_create(
        Article(uri=f"https://example.com/bulk/{i}", title=f"Bulk {i}", topic="Climate")
        for i in range(60)
    )
    with CaptureQueriesContext(connections["analytics"]) as queries:
        response = admin_client.get(
            admin_url(Article, "changelist"), {"topic": "Climate"}
        )
    assert response.status_code == 200
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts, "the changelist should still report how many rows matched"
    assert all("LIMIT" in sql.upper() for sql in counts), counts
    assert not any("DISTINCT" in q["sql"].upper() for q in queries)


def test_article_search_uses_the_search_vector_and_uri_prefix(
    admin_client: Client, sample_rows: dict[type, object]
) -> None:
    with CaptureQueriesContext(connections["analytics"]) as queries:
        response = admin_client.get(admin_url(Article, "changelist"), {"q": "solar"})
    assert response.status_code == 200
    assert "Solar output doubles" in response.content.decode()
    assert not any("LIKE UPPER" in q["sql"] for q in queries)


def test_date_hierarchy_drills_down_without_truncating_every_row(
    admin_client: Client, sample_rows: dict[type, object]
) -> None:
    Article.objects.create(
        uri="https://example.com/old",
        title="Older",
        publication_date=dt.datetime(2023, 3, 1, tzinfo=dt.UTC),
    )
    with CaptureQueriesContext(connections["analytics"]) as queries:
        response = admin_client.get(admin_url(Article, "changelist"))
    page = response.content.decode()
    assert "2023" in page and "2025" in page
    assert not any("DATE_TRUNC" in q["sql"].upper() for q in queries)


def test_staff_log_in_to_the_admin_with_their_password(admin_user: User) -> None:
    client = Client(enforce_csrf_checks=False)
    response = client.post(
        reverse("admin:login"),
        {"username": "ada", "password": "ada-password-1", "next": "/admin/"},
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_members_cannot_log_in_to_the_admin(member: User) -> None:
    client = Client()
    response = client.post(
        reverse("admin:login"), {"username": "mel", "password": "mel-password-1"}
    )
    assert response.status_code == 200
    assert "staff account" in response.content.decode()


def test_feed_items_name_their_groups_with_one_query_per_page(
    admin_client: Client, sample_rows: dict[type, object]
) -> None:
    groups = [FeedKeywordGroup.objects.create(name=n) for n in ("Solar Watch", "Labs")]
    FeedItem.objects.bulk_create(
        FeedItem(
            source_type="arxiv",
            source_id=str(i),
            group_id=groups[i % 2].pk,
            title=f"Paper {i}",
            url=f"https://arxiv.org/abs/{i}",
        )
        for i in range(10)
    )
    with CaptureQueriesContext(connections["default"]) as queries:
        response = admin_client.get(admin_url(FeedItem, "changelist"))
    page = response.content.decode()
    assert "Solar Watch" in page and "Labs" in page
    assert len([q for q in queries if "feed_keyword_groups" in q["sql"]]) == 1


def test_a_feed_item_whose_group_is_gone_shows_its_id(
    admin_client: Client, sample_rows: dict[type, object]
) -> None:
    FeedItem.objects.create(
        source_type="arxiv", source_id="x", group_id=999, title="Orphan", url="u"
    )
    response = admin_client.get(admin_url(FeedItem, "changelist"))
    assert "#999 (gone)" in response.content.decode()


@pytest.mark.parametrize(
    ("model", "column"),
    [
        (FeedItem, "source_type"),
        (SignalAlert, "threat_level"),
        (AuspexMessage, "role"),
        (ModelBiasArenaResult, "model_name"),
        (ScenarioArticle, "article_table"),
    ],
)
def test_analytics_filter_menus_walk_an_index_instead_of_distinct(
    admin_client: Client, sample_rows: dict[type, object], model: type, column: str
) -> None:
    cache.clear()  # menus are cached; this one must be read now
    with CaptureQueriesContext(connections["analytics"]) as queries:
        response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert f"?{column}=" in response.content.decode()
    assert not any("DISTINCT" in q["sql"].upper() for q in queries)


def test_an_archived_row_shows_every_legacy_column(
    admin_client: Client, sample_rows: dict[type, object]
) -> None:
    archived = sample_rows[LegacyArchive]
    response = admin_client.get(admin_url(LegacyArchive, "change", archived.pk))
    page = response.content.decode()
    assert "saved_dashboards" in page
    assert "Morning" in page and "AAE=" in page


def test_legacy_oauth_session_tokens_are_never_shown(
    admin_client: Client, sample_rows: dict[type, object]
) -> None:
    session = sample_rows[OAuthSession]
    response = admin_client.get(admin_url(OAuthSession, "change", session.pk))
    assert response.status_code == 200
    assert "secret-token" not in response.content.decode()
