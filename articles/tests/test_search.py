from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from articles import search
from articles.models import Article
from articles.search import Cursor, Filters, search_page

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])
START = datetime(2025, 1, 1, tzinfo=UTC)


def make_article(uri: str, title: str = "", summary: str = "", **fields) -> Article:
    fields.setdefault("publication_date", START)
    return Article.objects.create(uri=uri, title=title, summary=summary, **fields)


def found(q: str, **filters) -> list[str]:
    page = search_page(Filters(q=q, **filters), size=50)
    return [article.uri for article in page.articles]


def test_title_matches_rank_above_summary_matches() -> None:
    make_article("u:summary", "Market report", "A note on graphene production.")
    make_article("u:title", "Graphene breakthrough", "Labs report progress.")
    assert found("graphene") == ["u:title", "u:summary"]


def test_more_matching_words_rank_higher() -> None:
    make_article("u:one", "Battery news", "Cells improve.")
    make_article("u:both", "Solid battery news", "Solid cells improve.")
    assert found("solid battery")[0] == "u:both"


def test_quoted_phrase_needs_the_words_together() -> None:
    make_article("u:phrase", "Solid state battery ships", "")
    make_article("u:apart", "State aid for solid fuel and a battery plant", "")
    assert found('"solid state battery"') == ["u:phrase"]


def test_minus_excludes_a_word() -> None:
    make_article("u:lithium", "Lithium battery recall", "")
    make_article("u:sodium", "Sodium battery pilot", "")
    assert found("battery -lithium") == ["u:sodium"]


def test_or_finds_either_word() -> None:
    make_article("u:solar", "Solar farms grow", "")
    make_article("u:wind", "Wind farms grow", "")
    make_article("u:coal", "Coal plants close", "")
    assert sorted(found("solar or wind")) == ["u:solar", "u:wind"]


def test_stemming_matches_other_forms_of_a_word() -> None:
    make_article("u:stem", "Regulators regulate regulation", "")
    assert found("regulating") == ["u:stem"]


def test_tags_are_searched() -> None:
    make_article("u:tagged", "Quarterly update", "", tags="semiconductors, fabs")
    assert found("semiconductors") == ["u:tagged"]


def test_an_accented_word_finds_the_same_accented_word() -> None:
    make_article("u:cafe", "Café culture spreads", "")
    assert found("café") == ["u:cafe"]


def test_a_word_typed_without_accents_finds_the_accented_word() -> None:
    make_article("u:cafe", "Café culture spreads", "")
    assert found("cafe") == ["u:cafe"]


def test_an_accented_query_finds_the_word_written_without_accents() -> None:
    make_article("u:resume", "Resume writing tips", "")
    assert found("résumé") == ["u:resume"]


def test_sql_in_a_query_is_just_words() -> None:
    make_article("u:drop", "Drop table: articles on furniture sales", "")
    assert found("'; DROP TABLE articles; --") == ["u:drop"]
    assert Article.objects.count() == 1


def test_html_in_a_query_is_just_words(member_client: Client) -> None:
    make_article("u:script", "Script writers strike", "")
    response = member_client.get(
        reverse("articles:list"), {"q": "<script>alert(1)</script>"}
    )
    assert response.status_code == 200
    assert b"<script>alert(1)" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


def test_a_query_of_stop_words_finds_nothing_without_error() -> None:
    make_article("u:any", "The and of", "")
    assert found("the of and") == []


def test_filters_combine_with_search() -> None:
    make_article("u:ai", "Chip shortage", "", topic="AI")
    make_article("u:bio", "Chip shortage", "", topic="Bio")
    assert found("chip", topic="Bio") == ["u:bio"]


def test_headline_marks_matches_and_escapes_the_article_html() -> None:
    make_article(
        "u:html",
        "Fish & <i>chips</i>",
        "chip shortage <img src=1 onerror=alert(1)> in fabs",
    )
    (article,) = search_page(Filters(q="chip"), size=5).articles
    summary = search.highlight(article.summary_headline)
    title = search.highlight(article.title_headline)
    assert "<mark>chip</mark>" in summary
    assert "&lt;img src=1 onerror=alert(1)&gt;" in summary
    assert title == "Fish &amp; &lt;i&gt;<mark>chips</mark>&lt;/i&gt;"


def test_highlight_of_nothing_is_empty() -> None:
    assert search.highlight(None) == ""


def every_page(q: str, *, size: int) -> list[str]:
    """The uris of every page of a search, following the "next" cursors."""
    seen: list[str] = []
    after = ""
    while True:
        page = search_page(Filters(q=q), size=size, after=after)
        seen += [article.uri for article in page.articles]
        if not page.next_cursor:
            return seen
        after = page.next_cursor


def test_ranked_pages_reach_every_match_once() -> None:
    for n in range(11):
        words = " ".join(["fusion"] * (n % 4 + 1))
        make_article(f"u:{n:02}", f"Fusion {n}", words)
    seen = every_page("fusion", size=4)
    assert sorted(seen) == [f"u:{n:02}" for n in range(11)]


def test_undated_articles_come_after_dated_ones_newest_first() -> None:
    make_article("u:undated", "Undated", publication_date=None)
    make_article("u:old", "Old", publication_date=START)
    make_article("u:new", "New", publication_date=START + timedelta(days=1))
    assert found("") == ["u:new", "u:old", "u:undated"]


def test_oldest_first_keeps_undated_articles_last() -> None:
    make_article("u:undated", "Undated", publication_date=None)
    make_article("u:old", "Old", publication_date=START)
    make_article("u:new", "New", publication_date=START + timedelta(days=1))
    assert found("", sort=search.SORT_OLDEST) == ["u:old", "u:new", "u:undated"]


def test_a_foreign_cursor_is_ignored() -> None:
    assert Cursor.decode("not-a-cursor!", search.SORT_NEWEST) is None
    assert Cursor.decode("WzEsMl0", search.SORT_NEWEST) is None  # [1,2]


def test_a_cursor_round_trips() -> None:
    cursor = Cursor(START, "https://e.com/?a=1")
    assert Cursor.decode(cursor.encode(), search.SORT_NEWEST) == cursor


def test_a_deep_page_is_read_from_the_date_index() -> None:
    cursor = Cursor(START, "https://e.com/x")
    queryset = search.filter_articles(Filters())
    rows = search._Segment("dated", descending=True).rows(queryset, cursor)[:26]
    sql, params = rows.query.get_compiler("analytics").as_sql()
    with connections["analytics"].cursor() as db:
        # On a tiny table the planner would rather sort; forbid the other plans
        # to prove the query can be answered in index order from the cursor on.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            db.execute(f"SET LOCAL {setting} = off")
        db.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in db.fetchall())
    assert "idx_articles_pubdate_uri" in plan
    assert "Sort" not in plan


# The ranking window -------------------------------------------------------------


def make_dated_matches(count: int) -> None:
    """``count`` articles matching "quasar", the oldest the best match."""
    for n in range(count):
        title = "Quasar quasar survey" if n == 0 else "Survey"
        make_article(
            f"u:{n:02}", title, "A quasar.", publication_date=START + timedelta(days=n)
        )


def test_relevance_ranks_every_match_when_they_fit_the_window(settings) -> None:
    settings.SEARCH_RANK_WINDOW = 5
    make_dated_matches(5)
    page = search_page(Filters(q="quasar"), size=50)
    assert page.articles[0].uri == "u:00"
    assert len(page.articles) == 5
    assert "rank_window" not in page.extra


def test_relevance_ranks_only_the_newest_matches_beyond_the_window(settings) -> None:
    settings.SEARCH_RANK_WINDOW = 3
    make_dated_matches(5)
    page = search_page(Filters(q="quasar"), size=50)
    assert sorted(article.uri for article in page.articles) == ["u:02", "u:03", "u:04"]
    assert page.extra["rank_window"] == 3


def test_sorting_by_date_still_lists_every_match(settings) -> None:
    settings.SEARCH_RANK_WINDOW = 3
    make_dated_matches(5)
    assert found("quasar", sort=search.SORT_OLDEST) == [f"u:{n:02}" for n in range(5)]


def test_the_window_takes_undated_matches_after_dated_ones() -> None:
    make_article("u:undated-a", "Quasar", publication_date=None)
    make_article("u:undated-b", "Quasar", publication_date=None)
    make_article("u:old", "Quasar", publication_date=START)
    make_article("u:new", "Quasar", publication_date=START + timedelta(days=1))
    make_article("u:other", "Pulsar", publication_date=START + timedelta(days=2))
    matches = search.filter_articles(Filters(q="quasar"))
    assert search.newest_matches(matches, 3) == ["u:new", "u:old", "u:undated-b"]
    assert search.newest_matches(matches, 9) == [
        "u:new", "u:old", "u:undated-b", "u:undated-a",
    ]  # fmt: skip


def test_the_window_is_taken_after_the_filters(settings) -> None:
    settings.SEARCH_RANK_WINDOW = 2
    make_article("u:a-old", "Quasar", topic="A", publication_date=START)
    make_article("u:a-new", "Quasar", topic="A", publication_date=START.replace(day=2))
    make_article("u:b-1", "Quasar", topic="B", publication_date=START.replace(day=3))
    make_article("u:b-2", "Quasar", topic="B", publication_date=START.replace(day=4))
    assert sorted(found("quasar", topic="A")) == ["u:a-new", "u:a-old"]


def test_ranked_pages_within_the_window_reach_each_windowed_match_once(
    settings,
) -> None:
    settings.SEARCH_RANK_WINDOW = 7
    for n in range(11):
        words = " ".join(["fusion"] * (n % 4 + 1))
        make_article(
            f"u:{n:02}", f"Fusion {n}", words, publication_date=START + timedelta(n)
        )
    seen = every_page("fusion", size=3)
    assert sorted(seen) == [f"u:{n:02}" for n in range(4, 11)]


def test_the_page_says_when_the_ranking_window_was_full(
    member_client: Client, settings
) -> None:
    settings.SEARCH_RANK_WINDOW = 3
    make_dated_matches(4)
    url = reverse("articles:list")
    body = member_client.get(url, {"q": "quasar", "topic": ""}).content.decode()
    assert "Ranked among the 3 newest matches" in body
    assert "sort=newest" in body
    make_article("u:other", "Pulsar")
    body = member_client.get(url, {"q": "pulsar", "topic": ""}).content.decode()
    assert 'id="rank-window"' not in body
