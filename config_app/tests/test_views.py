from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from articles.models import Article, KeywordArticleMatch
from config_app.models import (
    KeywordGroup,
    KeywordGroupFollow,
    KeywordMonitorSettings,
    MonitoredKeyword,
)

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])


@pytest.fixture
def group(member: User) -> KeywordGroup:
    return KeywordGroup.objects.create(name="Chips", topic="AI", owner=member)


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    client = Client()
    client.force_login(outsider)
    return client


def test_group_list_shows_groups_and_their_keyword_counts(
    member_client: Client, group: KeywordGroup
) -> None:
    MonitoredKeyword.objects.create(group=group, keyword="wafer")
    response = member_client.get(reverse("keywords:groups"))
    assert response.status_code == 200
    (listed,) = response.context["groups"]
    assert (listed.name, listed.keyword_count, listed.followed) == ("Chips", 1, False)


def test_empty_group_list_explains_groups(member_client: Client) -> None:
    response = member_client.get(reverse("keywords:groups"))
    assert b"No keyword groups yet" in response.content


def test_creating_a_group_makes_the_creator_its_owner(
    member_client: Client, member: User
) -> None:
    member_client.post(
        reverse("keywords:group_create"), {"name": "Fusion", "topic": "Energy"}
    )
    assert KeywordGroup.objects.get(name="Fusion").owner == member


def test_creating_a_group_follows_it(member_client: Client, member: User) -> None:
    response = member_client.post(
        reverse("keywords:group_create"), {"name": "Fusion", "topic": "Energy"}
    )
    created = KeywordGroup.objects.get(name="Fusion")
    assert response["Location"] == reverse("keywords:group", kwargs={"pk": created.pk})
    assert KeywordGroupFollow.objects.filter(user=member, group=created).exists()


def test_a_duplicate_group_name_is_refused_with_a_message(
    member_client: Client, group: KeywordGroup
) -> None:
    response = member_client.post(
        reverse("keywords:group_create"), {"name": "Chips", "topic": "AI"}
    )
    assert response.status_code == 400
    assert b"already exists" in response.content
    assert KeywordGroup.objects.count() == 1


def test_a_blank_group_name_is_refused(member_client: Client) -> None:
    response = member_client.post(
        reverse("keywords:group_create"), {"name": "  ", "topic": "AI"}
    )
    assert response.status_code == 400
    assert not KeywordGroup.objects.exists()


def test_renaming_a_group(member_client: Client, group: KeywordGroup) -> None:
    member_client.post(
        reverse("keywords:group_rename", kwargs={"pk": group.pk}),
        {"name": "Semiconductors", "topic": "AI"},
    )
    group.refresh_from_db()
    assert group.name == "Semiconductors"


def test_deleting_a_group_deletes_its_alerts(
    member_client: Client, group: KeywordGroup
) -> None:
    article = Article.objects.create(uri="https://e.com/a", title="A")
    KeywordArticleMatch.objects.create(
        article=article,
        group_id=group.pk,
        keyword_ids="",
        detected_at=datetime.now(UTC),
    )
    member_client.post(reverse("keywords:group_delete", kwargs={"pk": group.pk}))
    assert not KeywordGroup.objects.exists()
    assert not KeywordArticleMatch.objects.exists()


def _rename(client: Client, group: KeywordGroup, name: str):
    return client.post(
        reverse("keywords:group_rename", kwargs={"pk": group.pk}),
        {"name": name, "topic": "AI"},
    )


def test_another_member_cannot_rename_a_group(
    outsider_client: Client, group: KeywordGroup
) -> None:
    response = _rename(outsider_client, group, "Crisps")
    assert response.status_code == 403
    group.refresh_from_db()
    assert group.name == "Chips"


def test_refusing_a_rename_says_who_may(
    outsider_client: Client, group: KeywordGroup
) -> None:
    response = _rename(outsider_client, group, "Crisps")
    assert "Only its owner (mel) or staff can rename or delete “Chips”." in (
        response.content.decode()
    )


def test_another_member_cannot_delete_a_group_or_its_alerts(
    outsider_client: Client, group: KeywordGroup
) -> None:
    article = Article.objects.create(uri="https://e.com/a", title="A")
    KeywordArticleMatch.objects.create(
        article=article,
        group_id=group.pk,
        keyword_ids="",
        detected_at=datetime.now(UTC),
    )
    response = outsider_client.post(
        reverse("keywords:group_delete", kwargs={"pk": group.pk})
    )
    assert response.status_code == 403
    assert KeywordGroup.objects.filter(pk=group.pk).exists()
    assert KeywordArticleMatch.objects.filter(group_id=group.pk).exists()


def test_staff_rename_someone_elses_group(
    admin_client: Client, group: KeywordGroup
) -> None:
    _rename(admin_client, group, "Crisps")
    group.refresh_from_db()
    assert group.name == "Crisps"


def test_staff_delete_someone_elses_group(
    admin_client: Client, group: KeywordGroup
) -> None:
    admin_client.post(reverse("keywords:group_delete", kwargs={"pk": group.pk}))
    assert not KeywordGroup.objects.exists()


def test_a_group_without_owner_is_renamed_only_by_staff(
    member_client: Client,
) -> None:
    legacy = KeywordGroup.objects.create(name="Imported", topic="AI")
    assert _rename(member_client, legacy, "Mine now").status_code == 403


def test_the_group_page_offers_rename_and_delete_to_its_owner(
    member_client: Client, group: KeywordGroup
) -> None:
    content = member_client.get(reverse("keywords:group", kwargs={"pk": group.pk}))
    assert b"Delete this group" in content.content
    assert reverse("keywords:group_rename", kwargs={"pk": group.pk}).encode() in (
        content.content
    )


def test_the_group_page_hides_rename_and_delete_from_others(
    outsider_client: Client, group: KeywordGroup
) -> None:
    content = outsider_client.get(reverse("keywords:group", kwargs={"pk": group.pk}))
    assert b"Delete this group" not in content.content
    assert reverse("keywords:group_rename", kwargs={"pk": group.pk}).encode() not in (
        content.content
    )


def test_adding_and_removing_a_keyword(
    member_client: Client, group: KeywordGroup
) -> None:
    member_client.post(
        reverse("keywords:keyword_add", kwargs={"pk": group.pk}), {"keyword": " wafer "}
    )
    keyword = MonitoredKeyword.objects.get(group=group)
    assert keyword.keyword == "wafer"
    member_client.post(
        reverse(
            "keywords:keyword_remove", kwargs={"pk": group.pk, "keyword_pk": keyword.pk}
        )
    )
    assert not MonitoredKeyword.objects.exists()


def test_a_duplicate_keyword_is_refused_with_a_message(
    member_client: Client, group: KeywordGroup
) -> None:
    MonitoredKeyword.objects.create(group=group, keyword="Wafer")
    response = member_client.post(
        reverse("keywords:keyword_add", kwargs={"pk": group.pk}), {"keyword": "wafer"}
    )
    assert response.status_code == 400
    assert "is already in this group" in response.content.decode()
    assert MonitoredKeyword.objects.count() == 1


def test_follow_then_unfollow(
    member_client: Client, member: User, group: KeywordGroup
) -> None:
    url = reverse("keywords:group_follow", kwargs={"pk": group.pk})
    member_client.post(url, {"follow": "yes"})
    assert KeywordGroupFollow.objects.filter(user=member, group=group).exists()
    member_client.post(url, {"follow": "no"})
    assert not KeywordGroupFollow.objects.filter(user=member, group=group).exists()


def test_following_needs_csrf(member: User, group: KeywordGroup) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(
        reverse("keywords:group_follow", kwargs={"pk": group.pk}), {"follow": "yes"}
    )
    assert response.status_code == 403
    assert not KeywordGroupFollow.objects.exists()


def test_monitor_settings_refuse_members(member_client: Client) -> None:
    response = member_client.get(reverse("keywords:settings"))
    assert response.status_code == 403
    assert b"You cannot open this page" in response.content


def test_members_cannot_change_monitor_settings(member_client: Client) -> None:
    member_client.post(reverse("keywords:settings"), _settings(check_interval=99))
    assert KeywordMonitorSettings.load().check_interval == 15


def test_staff_change_monitor_settings(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("keywords:settings"), _settings(check_interval=30)
    )
    assert response.status_code == 302
    assert KeywordMonitorSettings.load().check_interval == 30


def test_bad_monitor_settings_are_refused_with_messages(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("keywords:settings"),
        _settings(check_interval=0, min_relevance_threshold=3),
    )
    assert response.status_code == 400
    assert b"Must be greater than zero." in response.content
    assert b"Must be between 0 and 1." in response.content
    assert KeywordMonitorSettings.load().check_interval == 15


def _settings(**changes: object) -> dict[str, object]:
    values = {
        "is_enabled": "on",
        "check_interval": 15,
        "interval_unit": 60,
        "provider": "newsapi",
        "search_fields": "title,description,content",
        "language": "en",
        "sort_by": "publishedAt",
        "page_size": 10,
        "daily_request_limit": 100,
        "search_date_range": 7,
        "max_articles_per_run": 50,
        "min_relevance_threshold": 0.0,
        "quality_control_enabled": "on",
        "default_llm_model": "gpt-4o-mini",
        "llm_temperature": 0.1,
        "llm_max_tokens": 1000,
    }
    values.update(changes)
    return values
