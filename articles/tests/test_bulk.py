from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import connections, transaction

from articles.bulk import (
    ArticleValidationError,
    BulkResult,
    article_fields,
    save_bulk_articles,
)
from articles.keywords import Keyword, KeywordMatcher
from articles.models import Article, KeywordAlert, KeywordArticleMatch, RawArticle
from config_app.models import KeywordGroup, MonitoredKeyword

BOTH = ["default", "analytics"]


@pytest.fixture
def ai_group() -> KeywordGroup:
    group = KeywordGroup.objects.create(name="AI watch", topic="AI")
    MonitoredKeyword.objects.create(group=group, keyword="AI")
    MonitoredKeyword.objects.create(group=group, keyword="machine learning")
    return group


@pytest.fixture
def energy_group() -> KeywordGroup:
    group = KeywordGroup.objects.create(name="Energy", topic="Climate")
    MonitoredKeyword.objects.create(group=group, keyword="solar")
    return group


def keyword_id(text: str) -> int:
    return MonitoredKeyword.objects.get(keyword=text).pk


# --- upserts -----------------------------------------------------------------


@pytest.mark.django_db(databases=BOTH)
def test_save_creates_articles() -> None:
    result = save_bulk_articles(
        [
            {"uri": "https://a.example/1", "title": "One", "topic": "AI"},
            {"uri": "https://a.example/2", "title": "Two", "sentiment": "Positive"},
        ]
    )

    assert result == BulkResult(created=2)
    assert Article.objects.get(uri="https://a.example/2").sentiment == "Positive"


@pytest.mark.django_db(databases=BOTH)
def test_save_updates_an_article_with_the_same_uri() -> None:
    save_bulk_articles([{"uri": "u1", "title": "Draft"}])

    result = save_bulk_articles([{"uri": "u1", "title": "Final"}])

    assert (result.created, result.updated) == (0, 1)
    assert Article.objects.get().title == "Final"


@pytest.mark.django_db(databases=BOTH)
def test_omitted_fields_keep_their_stored_values() -> None:
    save_bulk_articles([{"uri": "u1", "title": "Kept", "summary": "Also kept"}])

    save_bulk_articles([{"uri": "u1", "sentiment": "Negative", "analyzed": True}])

    article = Article.objects.get()
    assert (article.title, article.summary, article.sentiment, article.analyzed) == (
        "Kept",
        "Also kept",
        "Negative",
        True,
    )


@pytest.mark.django_db(databases=BOTH)
def test_explicit_none_clears_a_field() -> None:
    save_bulk_articles([{"uri": "u1", "title": "T", "bias": "Left"}])

    save_bulk_articles([{"uri": "u1", "bias": None}])

    assert Article.objects.get().bias is None


@pytest.mark.django_db(databases=BOTH)
def test_new_article_gets_the_model_defaults() -> None:
    save_bulk_articles([{"uri": "u1"}])

    article = Article.objects.get()
    assert (article.analyzed, article.auto_ingested, article.ingest_status) == (
        False,
        False,
        "manual",
    )
    assert article.submission_date is not None


@pytest.mark.django_db(databases=BOTH)
def test_every_analysis_field_is_saved() -> None:
    values = {
        "uri": "u1",
        "publication_date": "2025-10-07T09:30:00+02:00",
        "topic_alignment_score": 0.75,
        "keyword_relevance_score": 1,
        "auto_ingested": True,
        "extracted_article_keywords": "ai, chips",
    }

    save_bulk_articles([values])

    article = Article.objects.get()
    assert article.publication_date == datetime(2025, 10, 7, 7, 30, tzinfo=UTC)
    assert article.topic_alignment_score == 0.75
    assert article.keyword_relevance_score == 1.0
    assert article.auto_ingested is True
    assert article.extracted_article_keywords == "ai, chips"


@pytest.mark.django_db(databases=BOTH)
def test_naive_dates_are_utc() -> None:
    save_bulk_articles(
        [
            {"uri": "u1", "publication_date": datetime(2025, 1, 2, 3, 4)},
            {"uri": "u2", "publication_date": "2025-01-02 03:04:00"},
        ]
    )

    dates = set(Article.objects.values_list("publication_date", flat=True))
    assert dates == {datetime(2025, 1, 2, 3, 4, tzinfo=UTC)}


@pytest.mark.django_db(databases=BOTH)
def test_a_uri_given_twice_in_a_batch_is_saved_once_with_the_later_values() -> None:
    result = save_bulk_articles(
        [
            {"uri": "u1", "title": "First", "topic": "AI"},
            {"uri": "u1", "title": "Second"},
        ]
    )

    assert result.created == 1
    assert Article.objects.values_list("title", "topic").get() == ("Second", "AI")


@pytest.mark.django_db(databases=BOTH)
def test_search_vector_is_computed_for_saved_articles() -> None:
    save_bulk_articles([{"uri": "u1", "title": "Quantum computers arrive"}])

    assert Article.objects.filter(search_vector="quantum").count() == 1


@pytest.mark.django_db(databases=BOTH)
def test_raw_markdown_is_saved_with_the_article_topic() -> None:
    result = save_bulk_articles(
        [{"uri": "u1", "topic": "AI", "raw_markdown": "# Heading\n\nBody"}]
    )

    raw = RawArticle.objects.get()
    assert (raw.article_id, raw.raw_markdown, raw.topic) == (
        "u1",
        "# Heading\n\nBody",
        "AI",
    )
    assert result.raw_saved == 1


@pytest.mark.django_db(databases=BOTH)
def test_raw_markdown_is_replaced_on_a_later_save() -> None:
    save_bulk_articles([{"uri": "u1", "raw_markdown": "old"}])

    save_bulk_articles([{"uri": "u1", "raw_markdown": "new"}])

    assert RawArticle.objects.get().raw_markdown == "new"


@pytest.mark.django_db(databases=BOTH)
def test_a_save_without_raw_markdown_keeps_the_stored_one() -> None:
    save_bulk_articles([{"uri": "u1", "raw_markdown": "body"}])

    save_bulk_articles([{"uri": "u1", "title": "T"}])

    assert RawArticle.objects.get().raw_markdown == "body"


@pytest.mark.django_db(databases=BOTH)
def test_dry_run_counts_but_writes_nothing(ai_group: KeywordGroup) -> None:
    result = save_bulk_articles(
        [{"uri": "u1", "title": "AI", "raw_markdown": "x"}], dry_run=True
    )

    assert (result.created, result.raw_saved, result.matches_created) == (1, 1, 1)
    assert not Article.objects.exists()
    assert not KeywordArticleMatch.objects.exists()


@pytest.mark.django_db(databases=BOTH)
def test_an_empty_batch_does_nothing() -> None:
    assert save_bulk_articles([]) == BulkResult()


def test_results_add_up() -> None:
    total = BulkResult(created=1, alerts_created=2) + BulkResult(created=3, updated=1)

    assert total == BulkResult(created=4, updated=1, alerts_created=2)


# --- validation --------------------------------------------------------------


def validation_error(*articles: object) -> ArticleValidationError:
    with pytest.raises(ArticleValidationError) as caught:
        save_bulk_articles(articles)  # type: ignore[arg-type]
    return caught.value


def test_a_missing_uri_is_refused() -> None:
    error = validation_error({"title": "No uri"})

    assert (error.field, error.position) == ("uri", 1)
    assert str(error) == "article #1: uri: is required"


def test_a_bad_date_names_the_article_and_the_field() -> None:
    error = validation_error({"uri": "u1"}, {"uri": "u2", "publication_date": "soon"})

    assert (error.position, error.uri, error.field) == (2, "u2", "publication_date")
    assert "ISO 8601" in str(error)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("analyzed", "yes", "expected true or false"),
        ("confidence_score", "0.9", "expected a number"),
        ("confidence_score", True, "expected a number"),
        ("confidence_score", float("nan"), "expected a finite number"),
        ("title", 12, "expected text"),
        ("summary", "a\x00b", "NUL character"),
        ("summary", "\ud800", "unpaired surrogate"),
        ("submission_date", 1700000000, "expected an ISO 8601 date-time"),
    ],
)
def test_values_of_the_wrong_kind_are_refused(
    field: str, value: object, reason: str
) -> None:
    error = validation_error({"uri": "u1", field: value})

    assert error.field == field
    assert reason in error.reason


def test_an_unknown_field_is_refused() -> None:
    error = validation_error({"uri": "u1", "titel": "typo"})

    assert error.field == "titel"


def test_generated_and_legacy_columns_cannot_be_written() -> None:
    assert {"search_vector", "legacy_extra"}.isdisjoint(article_fields())


@pytest.mark.django_db(databases=BOTH)
def test_a_bad_article_saves_nothing_of_its_batch() -> None:
    with pytest.raises(ArticleValidationError):
        save_bulk_articles([{"uri": "good"}, {"uri": "bad", "analyzed": "maybe"}])

    assert not Article.objects.exists()


# --- keyword matching rules --------------------------------------------------


def matcher(*words: str) -> KeywordMatcher:
    return KeywordMatcher(
        Keyword(id=number, group_id=1, text=word)
        for number, word in enumerate(words, start=1)
    )


def test_keywords_match_whatever_the_case() -> None:
    assert matcher("openai").match("OpenAI ships a model") == {1: {1}}


def test_keywords_match_whole_words_only() -> None:
    assert matcher("AI").match("He said the rain was fine") == {}


def test_keywords_match_next_to_punctuation() -> None:
    assert matcher("AI").match("An (AI)-driven plan") == {1: {1}}


def test_keywords_with_symbols_match() -> None:
    assert matcher("C++").match("Rewritten in C++, again") == {1: {1}}


def test_phrases_match_across_any_whitespace() -> None:
    assert matcher("machine learning").match("new Machine\n  Learning chips") == {
        1: {1}
    }


def test_matching_uses_unicode_case_folding() -> None:
    assert matcher("strasse").match("Die STRAẞE ist gesperrt") == {1: {1}}


def test_accents_are_significant() -> None:
    assert matcher("cafe").match("Un café") == {}


def test_blank_keywords_never_match() -> None:
    assert not matcher("  ")


def test_a_word_monitored_by_two_groups_matches_both() -> None:
    both = KeywordMatcher([Keyword(1, 10, "AI"), Keyword(2, 20, "ai")])

    assert both.match("AI news") == {10: {1}, 20: {2}}


# --- keyword monitoring on save -----------------------------------------------


@pytest.mark.django_db(databases=BOTH)
def test_a_match_row_is_created_per_article_and_group(
    ai_group: KeywordGroup, energy_group: KeywordGroup
) -> None:
    result = save_bulk_articles(
        [{"uri": "u1", "title": "AI runs solar farms", "summary": "machine learning"}]
    )

    matches = dict(KeywordArticleMatch.objects.values_list("group_id", "keyword_ids"))
    ai_ids = sorted([keyword_id("AI"), keyword_id("machine learning")])
    assert matches == {
        ai_group.pk: ",".join(map(str, ai_ids)),
        energy_group.pk: str(keyword_id("solar")),
    }
    assert result.matches_created == 2


@pytest.mark.django_db(databases=BOTH)
def test_raw_markdown_is_matched(energy_group: KeywordGroup) -> None:
    save_bulk_articles([{"uri": "u1", "title": "Grid", "raw_markdown": "**Solar** up"}])

    assert KeywordArticleMatch.objects.get().group_id == energy_group.pk


@pytest.mark.django_db(databases=BOTH)
def test_articles_without_keywords_get_no_match(ai_group: KeywordGroup) -> None:
    save_bulk_articles([{"uri": "u1", "title": "Rainfall records"}])

    assert not KeywordArticleMatch.objects.exists()


@pytest.mark.django_db(databases=BOTH)
def test_a_partial_save_matches_the_stored_text(energy_group: KeywordGroup) -> None:
    save_bulk_articles([{"uri": "u1", "raw_markdown": "solar"}], dry_run=False)
    KeywordArticleMatch.objects.all().delete()

    save_bulk_articles([{"uri": "u1", "sentiment": "Positive"}])

    assert KeywordArticleMatch.objects.filter(article_id="u1").exists()


@pytest.mark.django_db(databases=BOTH)
def test_new_keyword_ids_merge_into_the_existing_match(
    ai_group: KeywordGroup,
) -> None:
    save_bulk_articles([{"uri": "u1", "title": "Old news"}])
    # A legacy row: unsorted, padded, naming a keyword deleted since (999).
    KeywordArticleMatch.objects.create(
        article_id="u1", group_id=ai_group.pk, keyword_ids="999, 3", is_read=True
    )

    result = save_bulk_articles([{"uri": "u1", "title": "AI news"}])

    match = KeywordArticleMatch.objects.get()
    assert match.keyword_ids == ",".join(map(str, sorted([3, keyword_id("AI"), 999])))
    assert match.is_read is False
    assert (result.matches_created, result.matches_merged) == (0, 1)


@pytest.mark.django_db(databases=BOTH)
def test_saving_again_leaves_a_read_match_alone(ai_group: KeywordGroup) -> None:
    save_bulk_articles([{"uri": "u1", "title": "AI news"}])
    KeywordArticleMatch.objects.update(is_read=True)

    result = save_bulk_articles([{"uri": "u1", "title": "AI news"}])

    assert KeywordArticleMatch.objects.get().is_read is True
    assert (result.matches_created, result.matches_merged) == (0, 0)


@pytest.mark.django_db(databases=BOTH)
def test_keyword_ids_are_never_duplicated(ai_group: KeywordGroup) -> None:
    save_bulk_articles([{"uri": "u1", "title": "AI"}])
    save_bulk_articles([{"uri": "u1", "title": "AI and machine learning"}])

    ids = KeywordArticleMatch.objects.get().keyword_id_list
    assert sorted(ids) == sorted({keyword_id("AI"), keyword_id("machine learning")})
    assert len(ids) == 2


@pytest.mark.django_db(databases=BOTH)
def test_an_alert_is_created_per_keyword_and_article(ai_group: KeywordGroup) -> None:
    result = save_bulk_articles([{"uri": "u1", "title": "AI and machine learning"}])

    alerts = set(KeywordAlert.objects.values_list("keyword_id", "article_id"))
    assert alerts == {(keyword_id("AI"), "u1"), (keyword_id("machine learning"), "u1")}
    assert result.alerts_created == 2


@pytest.mark.django_db(databases=BOTH)
def test_existing_alerts_are_kept_as_they_are(ai_group: KeywordGroup) -> None:
    save_bulk_articles([{"uri": "u1", "title": "AI"}])
    KeywordAlert.objects.update(is_read=True)

    result = save_bulk_articles([{"uri": "u1", "title": "AI"}])

    assert result.alerts_created == 0
    assert KeywordAlert.objects.get().is_read is True


# --- concurrency ----------------------------------------------------------------

WRITERS = 10


def run_in_threads(targets: list) -> list[BaseException]:
    """Start every target at once; return what any of them raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))

    def run(target) -> None:
        try:
            barrier.wait()
            target()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def overlapping_batch(writer: int) -> list[dict[str, object]]:
    """Writer i saves articles 3i..3i+8: each article is shared by up to 3 writers."""
    return [
        {
            "uri": f"https://news.example/{number:03d}",
            "title": f"Report {number} on kw{writer}",
            "sentiment": f"writer {writer}",
            "raw_markdown": f"Body of {number}",
        }
        for number in range(3 * writer, 3 * writer + 9)
    ]


@pytest.fixture
def writer_keywords() -> dict[int, int]:
    """Keyword kw<i> for each writer i, all in one group: writer -> keyword id."""
    group = KeywordGroup.objects.create(name="Writers", topic="Test")
    return {
        writer: MonitoredKeyword.objects.create(group=group, keyword=f"kw{writer}").pk
        for writer in range(WRITERS)
    }


def expected_keyword_ids(writer_keywords: dict[int, int]) -> dict[str, str]:
    ids: dict[str, set[int]] = {}
    for writer, kid in writer_keywords.items():
        for article in overlapping_batch(writer):
            ids.setdefault(str(article["uri"]), set()).add(kid)
    return {uri: ",".join(map(str, sorted(found))) for uri, found in ids.items()}


@pytest.mark.django_db(databases=BOTH, transaction=True)
def test_concurrent_overlapping_saves_end_with_the_union(
    writer_keywords: dict[int, int],
) -> None:
    targets = [
        (lambda w=writer: save_bulk_articles(overlapping_batch(w)))
        for writer in range(WRITERS)
    ]

    errors = run_in_threads(targets)

    expected = expected_keyword_ids(writer_keywords)
    assert errors == []
    assert set(Article.objects.values_list("uri", flat=True)) == set(expected)
    assert RawArticle.objects.count() == len(expected)
    matches = dict(KeywordArticleMatch.objects.values_list("article_id", "keyword_ids"))
    assert matches == expected
    assert KeywordArticleMatch.objects.count() == len(expected)
    assert KeywordAlert.objects.count() == sum(
        len(ids.split(",")) for ids in expected.values()
    )


@pytest.mark.django_db(databases=BOTH, transaction=True)
def test_readers_never_wait_for_concurrent_saves(
    writer_keywords: dict[int, int],
) -> None:
    writing = threading.Event()
    seen: list[tuple[int, int]] = []

    def read_until_writers_finish() -> None:
        while writing.is_set() or not seen:
            with transaction.atomic(using="analytics"):
                cursor = connections["analytics"].cursor()
                # Waiting for any lock would fail the query instead.
                cursor.execute("SET LOCAL lock_timeout = '100ms'")
                cursor.execute(
                    "SELECT count(*), count(*) FILTER (WHERE r.uri IS NULL)"
                    " FROM articles a LEFT JOIN raw_articles r USING (uri)"
                )
                seen.append(cursor.fetchone())

    def write(writer: int) -> None:
        save_bulk_articles(overlapping_batch(writer))

    reader_errors: list[BaseException] = []
    reader = threading.Thread(
        target=lambda: reader_errors.extend(run_in_threads([read_until_writers_finish]))
    )
    writing.set()
    reader.start()
    errors = run_in_threads([lambda w=w: write(w) for w in range(WRITERS)])
    writing.clear()
    reader.join(timeout=60)

    assert errors == []
    assert reader_errors == []
    assert not reader.is_alive()
    # Every snapshot saw whole batches: no article without its raw markdown.
    assert all(orphans == 0 for _, orphans in seen)
    counts = [total for total, _ in seen]
    assert counts == sorted(counts)
