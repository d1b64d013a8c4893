"""Exports of the list, a search and the alerts: formats, filters, visibility."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from articles import export
from articles.models import Article, ArticleAnnotation, KeywordArticleMatch
from config_app.models import KeywordGroup, KeywordGroupFollow

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])
START = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _articles(count: int, **fields: object) -> list[Article]:
    return [
        Article.objects.create(
            uri=f"https://export.example/{n}",
            title=f"Article {n}",
            publication_date=START + timedelta(hours=n),
            **fields,
        )
        for n in range(count)
    ]


def _body(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def test_csv_holds_every_match_across_chunks(
    member_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "CHUNK", 3)
    _articles(8, topic="AI")
    Article.objects.create(uri="https://export.example/other", topic="Energy")
    response = member_client.get(
        reverse("articles:export"), {"format": "csv", "topic": "AI"}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(_body(response).lstrip("\ufeff"))))
    assert [row["title"] for row in rows] == [f"Article {n}" for n in range(7, -1, -1)]


def test_csv_neutralises_formulas() -> None:
    for dangerous in ("=1+1", "+1", "-2", "@SUM(A1)", "\tx"):
        assert export.neutralise(dangerous) == f"'{dangerous}"
    assert export.neutralise("plain -1") == "plain -1"


def test_a_formula_title_is_text_in_the_file(member_client: Client) -> None:
    Article.objects.create(
        uri="https://export.example/f",
        title='=HYPERLINK("http://evil.example","x")',
        publication_date=START,
    )
    text = _body(member_client.get(reverse("articles:export"), {"format": "csv"}))
    (row,) = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    assert row["title"].startswith("'=HYPERLINK")


def test_json_lines_follow_the_search(member_client: Client) -> None:
    _articles(3)
    Article.objects.create(
        uri="https://export.example/q", title="Quantum sensors", publication_date=START
    )
    text = _body(
        member_client.get(
            reverse("articles:export"), {"format": "jsonl", "q": "quantum"}
        )
    )
    records = [json.loads(line) for line in text.splitlines()]
    assert [record["uri"] for record in records] == ["https://export.example/q"]
    assert records[0]["publication_date"] == START.isoformat()


def test_notes_keep_their_visibility(
    member: User, member_client: Client, outsider: User
) -> None:
    (article,) = _articles(1)
    for author, private, text in (
        (outsider, True, "otto's secret"),
        (outsider, False, "otto's shared note"),
        (member, True, "mel's own private note"),
    ):
        ArticleAnnotation.objects.create(
            article=article,
            author=author.username,
            user_id=author.pk,
            content=text,
            is_private=private,
        )
    text = _body(member_client.get(reverse("articles:export"), {"format": "jsonl"}))
    (record,) = [json.loads(line) for line in text.splitlines()]
    assert sorted(record["notes"]) == [
        "mel: mel's own private note",
        "otto: otto's shared note",
    ]


def test_markdown_reading_list(member_client: Client) -> None:
    Article.objects.create(
        uri="https://export.example/md",
        title="Chips [and] *stars*",
        news_source="news.example",
        publication_date=START,
        summary="A summary.",
    )
    text = _body(member_client.get(reverse("articles:export"), {"format": "md"}))
    assert text.startswith("# Reading list\n")
    assert "## [Chips \\[and\\] \\*stars\\*](<https://export.example/md>)" in text
    assert "news.example · 2025-01-01" in text


def test_an_unknown_format_or_bad_filter_is_refused(member_client: Client) -> None:
    response = member_client.get(reverse("articles:export"), {"format": "pdf"})
    assert response.status_code == 400
    assert "format=csv" in response.content.decode()
    response = member_client.get(
        reverse("articles:export"), {"format": "csv", "date_from": "soon"}
    )
    assert response.status_code == 400
    assert "Published from" in response.content.decode()


def test_alerts_export_holds_only_followed_groups(
    member: User, member_client: Client
) -> None:
    mine = KeywordGroup.objects.create(name="Mine", topic="AI")
    other = KeywordGroup.objects.create(name="Other", topic="AI")
    KeywordGroupFollow.objects.create(user=member, group=mine)
    first, second = _articles(2)
    for article, group in ((first, mine), (second, other)):
        KeywordArticleMatch.objects.create(
            article=article, group_id=group.pk, keyword_ids="", detected_at=START
        )
    text = _body(
        member_client.get(reverse("articles:alerts_export"), {"format": "csv"})
    )
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(row["group"], row["uri"]) for row in rows] == [("Mine", first.uri)]


def test_export_needs_a_login(client: Client) -> None:
    assert client.get(reverse("articles:export"), {"format": "csv"}).status_code == 302
