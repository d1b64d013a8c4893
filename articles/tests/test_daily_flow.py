"""The daily flow: counts, quick ranges, chips, the way back, compact view, alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import search
from articles.models import Article, KeywordArticleMatch
from config_app.models import KeywordGroup, KeywordGroupFollow

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])
START = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _article(n: int, **fields: object) -> Article:
    fields.setdefault("publication_date", START + timedelta(hours=n))
    fields.setdefault("title", f"Article {n}")
    return Article.objects.create(uri=f"https://flow.example/{n}", **fields)


def test_the_list_counts_its_matches_exactly(member_client: Client) -> None:
    for n in range(3):
        _article(n, topic="AI")
    _article(9, topic="Energy")
    body = member_client.get(reverse("articles:list"), {"topic": "AI"}).content
    assert b'id="match-count">3 articles<' in body


def test_beyond_the_bound_the_count_is_about(
    member_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "LIST_COUNT_LIMIT", 2)
    for n in range(5):
        _article(n)
    body = member_client.get(reverse("articles:list")).content.decode()
    assert 'id="match-count">about ' in body


def test_a_quick_range_keeps_the_last_day(member_client: Client) -> None:
    now = timezone.now()
    _article(1, publication_date=now - timedelta(hours=2), title="Fresh news")
    _article(2, publication_date=now - timedelta(days=3), title="Older news")
    body = member_client.get(reverse("articles:list"), {"within": "24h"}).content
    assert b"Fresh news" in body and b"Older news" not in body
    body = member_client.get(reverse("articles:list"), {"within": "7d"}).content
    assert b"Older news" in body


def test_invalid_filters_are_named_at_the_top(member_client: Client) -> None:
    response = member_client.get(
        reverse("articles:list"),
        {"within": "1y", "sort": "loudest", "analyzed": "maybe", "date_to": "x"},
    )
    body = response.content.decode()
    top = body[body.index('id="ignored-filters"') : body.index('id="results-title"')]
    for named in ("Published within", "Order", "Analysis", "Published until"):
        assert named in top


def test_a_tampered_page_link_is_named(member_client: Client) -> None:
    _article(1)
    body = member_client.get(reverse("articles:list"), {"after": "nonsense"}).content
    assert b"The page link was not understood" in body


def test_chips_filter_by_their_value(member_client: Client) -> None:
    _article(1, category="Policy", sentiment="Negative")
    body = member_client.get(
        reverse("articles:list"), {"q": "article"}
    ).content.decode()
    assert 'href="?q=article&amp;category=Policy"' in body
    assert 'href="?q=article&amp;sentiment=Negative"' in body


def test_the_way_back_keeps_the_search(member_client: Client) -> None:
    article = _article(1, topic="AI")
    body = member_client.get(
        reverse("articles:list"), {"q": "article"}
    ).content.decode()
    assert f'{article.get_absolute_url()}?back=q%3Darticle"' in body
    detail = member_client.get(
        article.get_absolute_url(), {"back": "q=article&topic=AI&evil=1"}
    ).content.decode()
    assert 'href="/?q=article&amp;topic=AI" id="back-to-list"' in detail


def test_the_compact_view_lists_titles_for_the_keyboard(member_client: Client) -> None:
    _article(1, summary="A long summary that the compact view leaves out.")
    body = member_client.get(reverse("articles:list"), {"view": "compact"}).content
    assert b"article-list compact" in body and b"data-keyboard-list" in body
    assert b"A long summary" not in body


def test_opening_an_article_marks_its_alerts_read(
    member: User, member_client: Client
) -> None:
    article = _article(1)
    followed = KeywordGroup.objects.create(name="Followed", topic="AI")
    unfollowed = KeywordGroup.objects.create(name="Unfollowed", topic="AI")
    KeywordGroupFollow.objects.create(user=member, group=followed)
    for group in (followed, unfollowed):
        KeywordArticleMatch.objects.create(
            article=article, group_id=group.pk, keyword_ids="", detected_at=START
        )
    member_client.get(article.get_absolute_url())
    read = dict(KeywordArticleMatch.objects.values_list("group_id", "is_read"))
    assert read == {followed.pk: True, unfollowed.pk: False}


def test_a_ranked_search_counts_the_matches_it_read(
    member_client: Client, settings
) -> None:
    settings.SEARCH_RANK_WINDOW = 3
    for n in range(3):
        _article(n, title=f"Quantum chip {n}")
    body = member_client.get(reverse("articles:list"), {"q": "quantum"}).content
    assert b'id="match-count">3 articles<' in body
    _article(7, title="Quantum chip 7")
    body = member_client.get(reverse("articles:list"), {"q": "quantum"}).content
    assert b'id="match-count">about ' in body
