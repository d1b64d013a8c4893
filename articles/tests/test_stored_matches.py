"""Keyword monitoring on what is stored: a keyword added later finds old articles."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.test import Client
from django.urls import reverse

from articles import stored_matches
from articles.bulk import save_bulk_articles
from articles.keywords import KeywordMatcher, load_keywords
from articles.models import KeywordAlert, KeywordArticleMatch, KeywordScan
from config_app.models import KeywordGroup, MonitoredKeyword

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])

STORED = [
    {"uri": "https://e.test/1", "title": "Fusion power plant opens"},
    {"uri": "https://e.test/2", "title": "Markets", "summary": "FUSION cuisine"},
    {"uri": "https://e.test/3", "title": "Confusion reigns", "summary": "no match"},
    {"uri": "https://e.test/4", "title": "Quiet day", "summary": "nothing here"},
    {
        "uri": "https://e.test/5",
        "title": "Café culture",
        "summary": "A new café opens",
    },
    {"uri": "https://e.test/6", "title": "Cafe society", "summary": "plain cafe"},
    {"uri": "https://e.test/7", "title": "C++ code review", "summary": "tools"},
    {"uri": "https://e.test/8", "title": "The Who in concert", "summary": "rock"},
    {"uri": "https://e.test/9", "title": "Machine\nlearning", "summary": "ML"},
    {"uri": "https://e.test/10", "title": "École ouverte", "summary": "school"},
    {"uri": "https://e.test/11", "title": "Fusions", "summary": "plural"},
]


@pytest.fixture
def group(member: User) -> KeywordGroup:
    return KeywordGroup.objects.create(name="Energy", topic="Energy", owner=member)


@pytest.fixture
def stored() -> None:
    # Saved before any keyword exists: the write path matches nothing.
    save_bulk_articles(STORED)
    assert not KeywordArticleMatch.objects.exists()


def add_keyword(group: KeywordGroup, text: str) -> MonitoredKeyword:
    return MonitoredKeyword.objects.create(group=group, keyword=text)


def scan(keyword: MonitoredKeyword) -> stored_matches.ScanCounts:
    return stored_matches.match_stored_articles(
        keyword.pk, keyword.group_id, keyword.keyword
    )


def matched_uris(keyword: MonitoredKeyword) -> set[str]:
    alerts = KeywordAlert.objects.filter(keyword_id=keyword.pk)
    return set(alerts.values_list("article_id", flat=True))


def write_path_uris(keyword: MonitoredKeyword) -> set[str]:
    """What saving each stored article now would match, by articles.keywords."""
    matcher = KeywordMatcher(k for k in load_keywords() if k.id == keyword.pk)
    return {
        row["uri"]
        for row in STORED
        if matcher.match(row.get("title"), row.get("summary"))
    }


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fusion", {"https://e.test/1", "https://e.test/2"}),
        ("café", {"https://e.test/5"}),
        ("cafe", {"https://e.test/6"}),
        ("C++", {"https://e.test/7"}),
        ("the who", {"https://e.test/8"}),
        ("machine   learning", {"https://e.test/9"}),
        ("école", {"https://e.test/10"}),
    ],
)
def test_a_new_keyword_matches_the_stored_articles_by_the_write_path_rule(
    group: KeywordGroup, text: str, expected: set[str]
) -> None:
    keyword = add_keyword(group, text)
    counts = scan(keyword)
    assert matched_uris(keyword) == expected == write_path_uris(keyword)
    assert counts.articles_matched == counts.alerts_created == len(expected)
    matches = KeywordArticleMatch.objects.filter(group_id=group.pk)
    assert set(matches.values_list("article_id", flat=True)) == expected
    assert {m.keyword_ids for m in matches} == {str(keyword.pk)}


@pytest.mark.usefixtures("stored")
def test_a_scan_merges_the_keyword_into_existing_matches_and_surfaces_them(
    group: KeywordGroup,
) -> None:
    older = add_keyword(group, "power plant")
    save_bulk_articles([STORED[0]])  # the write path matches the older keyword
    KeywordArticleMatch.objects.update(is_read=True)
    keyword = add_keyword(group, "fusion")
    counts = scan(keyword)
    match = KeywordArticleMatch.objects.get(article_id="https://e.test/1")
    assert match.keyword_id_list == sorted([older.pk, keyword.pk])
    assert match.is_read is False
    assert (counts.matches_created, counts.matches_merged) == (1, 1)


@pytest.mark.usefixtures("stored")
def test_scanning_twice_changes_nothing(group: KeywordGroup) -> None:
    keyword = add_keyword(group, "fusion")
    scan(keyword)
    KeywordArticleMatch.objects.update(is_read=True)
    again = scan(keyword)
    assert again == stored_matches.ScanCounts(articles_matched=2)
    assert not KeywordArticleMatch.objects.filter(is_read=False).exists()


@pytest.mark.usefixtures("stored")
def test_the_indexed_and_the_full_scan_agree(group: KeywordGroup) -> None:
    keyword = add_keyword(group, "fusion")
    indexed = stored_matches.match_stored_articles(
        keyword.pk, group.pk, "fusion", use_index=True
    )
    assert indexed.articles_matched == scan(keyword).articles_matched == 2


def test_a_mention_only_in_the_body_is_found(group: KeywordGroup) -> None:
    save_bulk_articles(
        [
            {
                "uri": "https://e.test/body",
                "title": "Weekly roundup",
                "summary": "Several stories",
                "raw_markdown": "Deep in the text: a hydrogen valley opens.",
            }
        ]
    )
    keyword = add_keyword(group, "hydrogen valley")
    assert scan(keyword).articles_matched == 1
    assert matched_uris(keyword) == {"https://e.test/body"}


@pytest.mark.usefixtures("stored")
def test_a_pending_scan_runs_once_and_records_its_counts(group: KeywordGroup) -> None:
    keyword = add_keyword(group, "fusion")
    (requested,) = stored_matches.request_scans([keyword])
    assert stored_matches.run_next_scan() is not None
    assert stored_matches.run_next_scan() is None
    done = KeywordScan.objects.get(pk=requested.pk)
    assert (done.articles_matched, done.alerts_created, done.error) == (2, 2, "")
    keyword.refresh_from_db()
    assert keyword.last_checked == done.finished_at


@pytest.mark.usefixtures("stored")
def test_a_scan_of_a_keyword_changed_since_matches_nothing(
    group: KeywordGroup,
) -> None:
    keyword = add_keyword(group, "fusion")
    stored_matches.request_scans([keyword])
    MonitoredKeyword.objects.filter(pk=keyword.pk).update(keyword="quiet")
    done = stored_matches.run_next_scan()
    assert done is not None and "became “quiet”" in done.error
    assert not KeywordAlert.objects.exists()


@pytest.mark.django_db(databases=["default", "analytics"], transaction=True)
@pytest.mark.usefixtures("stored")
def test_a_scan_held_by_another_worker_is_skipped(group: KeywordGroup) -> None:
    keyword = add_keyword(group, "fusion")
    (requested,) = stored_matches.request_scans([keyword])
    # Another worker's transaction holds the row: this one must not run it too.
    other = connections.create_connection("analytics")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(
                "SELECT 1 FROM keyword_scans WHERE id = %s FOR UPDATE", [requested.pk]
            )
            assert stored_matches.run_next_scan() is None
            cursor.execute("ROLLBACK")
    finally:
        other.close()
    # The holder stopped without finishing (a killed worker): it runs now.
    assert stored_matches.run_next_scan() is not None


@pytest.mark.usefixtures("stored")
def test_adding_a_keyword_on_its_page_matches_and_shows_the_count(
    member_client: Client, group: KeywordGroup
) -> None:
    response = member_client.post(
        reverse("keywords:keyword_add", args=[group.pk]),
        {"keyword": "fusion"},
        follow=True,
    )
    keyword = MonitoredKeyword.objects.get(keyword="fusion")
    assert matched_uris(keyword) == {"https://e.test/1", "https://e.test/2"}
    (shown,) = response.context["keywords"]
    assert shown.article_count == 2
    assert b"2 matched" in response.content
    listing = member_client.get(reverse("keywords:groups"))
    assert listing.context["groups"][0].matched_articles == 2


@pytest.mark.usefixtures("stored")
def test_changing_a_keyword_matches_its_new_text(
    member_client: Client, group: KeywordGroup
) -> None:
    keyword = add_keyword(group, "quiet")
    member_client.post(
        reverse("keywords:keyword_change", args=[group.pk, keyword.pk]),
        {"keyword": "fusion"},
    )
    keyword.refresh_from_db()
    assert keyword.keyword == "fusion"
    assert matched_uris(keyword) == {"https://e.test/1", "https://e.test/2"}


def test_changing_a_keyword_to_one_the_group_has_is_refused(
    member_client: Client, group: KeywordGroup
) -> None:
    add_keyword(group, "fusion")
    keyword = add_keyword(group, "fission")
    response = member_client.post(
        reverse("keywords:keyword_change", args=[group.pk, keyword.pk]),
        {"keyword": "Fusion"},
    )
    assert response.status_code == 400
    assert "“Fusion” is already in this group." in response.content.decode()


@pytest.mark.usefixtures("stored")
def test_a_group_can_be_matched_again(
    member_client: Client, group: KeywordGroup
) -> None:
    keyword = add_keyword(group, "fusion")
    member_client.post(reverse("keywords:group_rescan", args=[group.pk]))
    assert matched_uris(keyword) == {"https://e.test/1", "https://e.test/2"}


@pytest.mark.django_db(databases=["default", "analytics"], transaction=True)
def test_on_a_large_table_the_scan_runs_in_the_background(
    member_client: Client, group: KeywordGroup, settings: Any
) -> None:
    save_bulk_articles(STORED)
    settings.KEYWORD_SCAN_INLINE_LIMIT = 1
    response = member_client.post(
        reverse("keywords:keyword_add", args=[group.pk]),
        {"keyword": "fusion"},
        follow=True,
    )
    assert b"in the background" in response.content
    stored_matches.run_in_background().join(timeout=30)
    keyword = MonitoredKeyword.objects.get(keyword="fusion")
    assert matched_uris(keyword) == {"https://e.test/1", "https://e.test/2"}
    assert KeywordScan.objects.get().is_done


@pytest.mark.usefixtures("stored")
def test_the_command_runs_pending_scans_and_asks_for_a_group(
    group: KeywordGroup,
) -> None:
    keyword = add_keyword(group, "fusion")
    out = StringIO()
    call_command("run_keyword_scans", group=[group.pk], stdout=out)
    assert "“fusion”: 2 stored article(s) mention it" in out.getvalue()
    assert "No scan pending." in out.getvalue()
    assert matched_uris(keyword) == {"https://e.test/1", "https://e.test/2"}


def test_the_command_names_an_unknown_keyword() -> None:
    with pytest.raises(CommandError, match="No monitored keyword or keyword group"):
        call_command("run_keyword_scans", keyword=[424242], stdout=StringIO())


def test_the_monitor_settings_page_says_what_each_setting_controls(
    admin_client: Client,
) -> None:
    response = admin_client.get(reverse("keywords:settings"))
    form = response.context["form"]
    assert all(field.help_text for field in form)
    assert "Seconds in one interval unit" in response.content.decode()
