"""Saved searches: made from the list, opened, counted, kept per reader."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import SavedSearch
from articles import saved
from articles.models import Article

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _save(client: Client, name: str, query: str, alert: bool = True):
    data = {"name": name, "query": query}
    if alert:
        data["alert"] = "on"
    return client.post(reverse("articles:saved_create"), data)


def test_saving_keeps_the_query_and_returns_to_it(
    member: User, member_client: Client
) -> None:
    response = _save(member_client, "Chips", "q=chips&topic=AI")
    assert response.status_code == 302
    assert response["Location"] == "/?q=chips&topic=AI"
    (searched,) = SavedSearch.objects.filter(user=member)
    assert (searched.name, searched.query, searched.alert) == (
        "Chips",
        "q=chips&topic=AI",
        True,
    )


def test_a_name_is_needed_and_unique_per_reader(
    member_client: Client, admin_client: Client
) -> None:
    _save(member_client, "Chips", "q=chips")
    response = _save(member_client, "Chips", "q=other")
    assert SavedSearch.objects.count() == 1
    shown = member_client.get(response["Location"]).content.decode()
    assert "you already have a search named “Chips”" in shown
    _save(member_client, "   ", "q=x")
    assert SavedSearch.objects.count() == 1
    _save(admin_client, "Chips", "q=chips")  # another reader may use the name
    assert SavedSearch.objects.count() == 2


def test_invalid_filters_are_not_saved(member_client: Client) -> None:
    _save(member_client, "Bad", "date_from=soon")
    assert not SavedSearch.objects.exists()


def test_new_articles_are_counted_until_opened(
    member: User, member_client: Client
) -> None:
    _save(member_client, "AI", "topic=AI")
    searched = SavedSearch.objects.get()
    searched.last_seen_at = timezone.now() - timedelta(hours=1)
    searched.save()
    for n, topic in enumerate(("AI", "AI", "Energy")):
        Article.objects.create(
            uri=f"https://saved.example/{n}",
            topic=topic,
            submission_date=timezone.now(),
        )
    cache.clear()
    (counted,) = saved.with_new_counts(member)
    assert counted.new == 2
    nav = member_client.get(reverse("articles:saved")).content.decode()
    assert 'title="2 new since you last opened it"' in nav
    response = member_client.get(reverse("articles:saved_open", args=[searched.pk]))
    assert response["Location"] == "/?topic=AI"
    (counted,) = saved.with_new_counts(member)
    assert counted.new == 0


def test_each_reader_sees_only_their_own(
    member: User, member_client: Client, outsider: User
) -> None:
    theirs = SavedSearch.objects.create(
        user=outsider, name="Secret", query="q=x", last_seen_at=timezone.now()
    )
    page = member_client.get(reverse("articles:list")).content.decode()
    assert "Secret" not in page
    assert (
        member_client.get(reverse("articles:saved_open", args=[theirs.pk])).status_code
        == 404
    )
    response = member_client.post(
        reverse("articles:saved_update", args=[theirs.pk]), {"action": "delete"}
    )
    assert response.status_code == 404
    assert SavedSearch.objects.filter(pk=theirs.pk).exists()


def test_the_navigation_lists_saved_searches(member_client: Client) -> None:
    _save(member_client, "Weekly chips", "q=chips")
    page = member_client.get(reverse("articles:list")).content.decode()
    searched = SavedSearch.objects.get()
    menu = page[page.index('class="saved-menu"') :]
    assert f'href="/saved/{searched.pk}/">Weekly chips' in menu


def test_alerting_can_be_switched_off_and_a_search_deleted(
    member_client: Client,
) -> None:
    _save(member_client, "Chips", "q=chips")
    searched = SavedSearch.objects.get()
    url = reverse("articles:saved_update", args=[searched.pk])
    member_client.post(url, {"action": "quiet"})
    assert SavedSearch.objects.get().alert is False
    member_client.post(url, {"action": "delete"})
    assert not SavedSearch.objects.exists()


def test_saved_searches_live_in_sqlite() -> None:
    from django.db import router

    assert router.db_for_write(SavedSearch) == "default"
