"""The trends page: its window, its one aggregate, and links that narrow the list."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from articles import trends
from articles.models import Article
from articles.search import Filters

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])
DAY = datetime(2025, 3, 10, 12, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _article(n: int, day: datetime, **fields: object) -> Article:
    fields.setdefault("title", f"Article {n}")
    return Article.objects.create(
        uri=f"https://trends.example/{n}", publication_date=day, **fields
    )


def _seed() -> None:
    # Week of 10 March: 3 Positive (2 AI, 1 Energy); week of 17 March: 1 Negative.
    _article(1, DAY, sentiment="Positive", topic="AI", news_source="a.example")
    _article(2, DAY + timedelta(days=1), sentiment="Positive", topic="AI")
    _article(3, DAY + timedelta(days=2), sentiment="Positive", topic="Energy")
    _article(4, DAY + timedelta(days=7), sentiment="Negative", topic="AI")
    _article(5, None, sentiment="Negative", topic="AI")  # undated: in no bucket


def test_default_window_ends_at_the_newest_article() -> None:
    _seed()
    window = trends.window_for(Filters(), "")
    assert window.end == date(2025, 3, 17)
    assert window.days == trends.DEFAULT_DAYS
    assert window.per == "day"
    assert not window.chosen


def test_long_windows_are_drawn_per_week() -> None:
    filters = Filters(date_from=date(2024, 1, 1), date_to=date(2024, 12, 31))
    assert trends.window_for(filters, "").per == "week"
    assert trends.window_for(filters, "day").per == "day"
    assert trends.window_for(Filters(date_from=date(2020, 1, 1)), "day").per == "week"


def test_counts_per_week_by_sentiment_and_topic() -> None:
    _seed()
    window = trends.Window(date(2025, 3, 10), date(2025, 3, 23), "week", True)
    links = trends.Links(_query(""), window)
    result = trends.trends(Filters(), window, links)
    assert result.total == 4
    charts = {chart.name: chart for chart in result.charts}
    weeks = {
        bar.bucket: {s.value: s.count for s in bar.segments}
        for bar in charts["sentiment"].bars
    }
    assert weeks == {
        date(2025, 3, 10): {"Positive": 3},
        date(2025, 3, 17): {"Negative": 1},
    }
    assert charts["topic"].legend[0][:2] == ("AI", 3)
    sources = {totals.name: totals.rows for totals in result.totals}["news_source"]
    assert [(value, count) for value, count, _, _ in sources] == [
        ("Not set", 3),
        ("a.example", 1),
    ]


def test_the_charts_follow_the_search_and_filters() -> None:
    _seed()
    _article(6, DAY, sentiment="Positive", topic="AI", title="Quantum leap")
    window = trends.Window(date(2025, 3, 10), date(2025, 3, 23), "week", True)
    links = trends.Links(_query(""), window)
    searched = trends.trends(Filters(q="quantum"), window, links)
    assert searched.total == 1
    topic = trends.trends(Filters(topic="Energy"), window, links)
    assert topic.total == 1


def test_a_segment_links_to_the_list_narrowed_to_its_value_and_days() -> None:
    _seed()
    window = trends.Window(date(2025, 3, 12), date(2025, 3, 23), "week", True)
    links = trends.Links(_query("q=x&after=abc&within=7d"), window)
    href = links.to("sentiment", "Positive", date(2025, 3, 10))
    params = parse_qs(urlsplit(href).query)
    # The bucket's week is clipped to the window; paging and quick ranges dropped.
    assert params == {
        "q": ["x"],
        "sentiment": ["Positive"],
        "date_from": ["2025-03-12"],
        "date_to": ["2025-03-16"],
    }
    assert "sentiment" not in parse_qs(urlsplit(links.to("sentiment", "Other")).query)


def test_the_page_draws_each_chart_with_its_data_table(member_client: Client) -> None:
    _seed()
    response = member_client.get(
        reverse("articles:trends"), {"date_from": "2025-03-10", "per": "week"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("sentiment", "category", "topic", "driver_type", "news_source"):
        assert f'data-chart="{name}"' in body
    assert body.count("<table") == 6
    assert 'data-value="Positive"' in body
    assert "4 articles" in body


def test_following_a_segment_lists_exactly_its_articles(member_client: Client) -> None:
    _seed()
    body = member_client.get(
        reverse("articles:trends"), {"date_from": "2025-03-10", "per": "week"}
    ).content.decode()
    href = unescape(
        re.search(r'<a href="([^"]+)"[^>]*data-value="Positive"', body).group(1)
    )
    listed = member_client.get(href).content.decode()
    assert "3 articles" in listed
    assert "Article 3" in listed and "Article 4" not in listed


def test_an_invalid_filter_is_named_at_the_top(member_client: Client) -> None:
    response = member_client.get(reverse("articles:trends"), {"date_from": "soon"})
    assert response.status_code == 200
    assert "Some filters were not used" in response.content.decode()


def test_the_trends_page_needs_a_login(client: Client) -> None:
    response = client.get(reverse("articles:trends"))
    assert response.status_code == 302


def _query(text: str):
    from django.http import QueryDict

    return QueryDict(text)
