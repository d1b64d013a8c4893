"""Every registered model's admin works for staff and refuses everyone else."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import (
    LegacyProfile,
    OAuthAllowlistEntry,
    OAuthUser,
    UserPreferences,
)
from articles.models import (
    Article,
    ArticleAnalysisCache,
    ArticleAnnotation,
    KeywordAlert,
    KeywordArticleMatch,
    LegacyAppChange,
    LegacyConflict,
    LegacyReject,
    MediaBias,
    MigrationRun,
    RawArticle,
)
from config_app.models import (
    AppSetting,
    FeedKeywordGroup,
    KeywordGroup,
    KeywordGroupFollow,
    KeywordMonitorSettings,
    MonitoredKeyword,
    UserFeedSubscription,
)

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])
# The migration engine's records: shown, never edited by hand.
READ_ONLY = {MigrationRun, LegacyConflict, LegacyAppChange, LegacyReject}
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
        User: admin_user,
        Group: Group.objects.create(name="analysts"),
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
