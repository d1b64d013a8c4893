"""Details of reading articles: the admin's article form and order, shown values,
and a search of common words only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Article

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])


def test_the_admin_cannot_change_an_articles_uri(admin_client: Client) -> None:
    Article.objects.create(uri="https://e.test/a", title="Original")
    url = reverse("admin:articles_article_change", args=["https://e.test/a"])
    form = admin_client.get(url).context["adminform"].form
    assert "uri" not in form.fields
    data = {
        "uri": "https://e.test/b",
        "title": "Edited",
        "raw-TOTAL_FORMS": "0",
        "raw-INITIAL_FORMS": "0",
        "keyword_matches-TOTAL_FORMS": "0",
        "keyword_matches-INITIAL_FORMS": "0",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context.get(
        "errors"
    )
    assert list(Article.objects.values_list("uri", "title")) == [
        ("https://e.test/a", "Edited")
    ]


def test_the_admin_lists_undated_articles_last(admin_client: Client) -> None:
    Article.objects.create(uri="https://e.test/undated", title="Undated")
    Article.objects.create(
        uri="https://e.test/old",
        title="Old",
        publication_date=datetime(2020, 1, 1, tzinfo=UTC),
    )
    Article.objects.create(
        uri="https://e.test/new",
        title="New",
        publication_date=datetime(2025, 1, 1, tzinfo=UTC),
    )
    response = admin_client.get(reverse("admin:articles_article_changelist"))
    shown = [article.title for article in response.context["cl"].result_list]
    assert shown == ["New", "Old", "Undated"]


def test_scores_are_rounded_and_tags_spaced(member_client: Client) -> None:
    Article.objects.create(
        uri="https://e.test/s",
        title="Scores",
        topic_alignment_score=0.1 + 0.2,
        confidence_score=0.8333333333333334,
        tags="energy,fusion, grid",
    )
    response = member_client.get(reverse("articles:detail", args=["https://e.test/s"]))
    body = response.content.decode()
    assert "0.30000000000000004" not in body and ">0.3<" in body
    assert "0.833" in body and "0.8333" not in body
    assert "energy, fusion, grid" in body


def test_a_search_of_common_words_only_says_why_nothing_matches(
    member_client: Client,
) -> None:
    Article.objects.create(uri="https://e.test/w", title="The Who and the band")
    response = member_client.get(reverse("articles:list"), {"q": "the and of"})
    body = response.content.decode()
    assert "holds only common words" in body
    assert "No article matches" not in body


def test_a_search_that_finds_nothing_still_says_so(member_client: Client) -> None:
    Article.objects.create(uri="https://e.test/w", title="Fusion")
    response = member_client.get(reverse("articles:list"), {"q": "zeppelin"})
    body = response.content.decode()
    assert "No article matches" in body
    assert "common words" not in body
