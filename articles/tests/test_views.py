from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import UserPreferences
from articles.models import (
    Article,
    ArticleAnalysisCache,
    ArticleAnnotation,
    KeywordArticleMatch,
    RawArticle,
)
from config_app.models import KeywordGroup, KeywordGroupFollow, MonitoredKeyword

BOTH = ["default", "analytics"]
pytestmark = pytest.mark.django_db(databases=BOTH)
START = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Filter menus are cached for minutes; each test starts from its own data.
    cache.clear()


def make_article(uri: str, **fields) -> Article:
    fields.setdefault("title", f"Title of {uri}")
    fields.setdefault("publication_date", START)
    return Article.objects.create(uri=uri, **fields)


def make_group(name: str, *keywords: str) -> KeywordGroup:
    group = KeywordGroup.objects.create(name=name, topic="AI")
    for keyword in keywords:
        MonitoredKeyword.objects.create(group=group, keyword=keyword)
    return group


def match(article: Article, group: KeywordGroup, *, read: bool = False, **extra):
    ids = ",".join(str(k.pk) for k in group.keywords.all())
    return KeywordArticleMatch.objects.create(
        article=article,
        group_id=group.pk,
        keyword_ids=ids,
        is_read=read,
        detected_at=extra.pop("detected_at", START),
        **extra,
    )


# Login everywhere --------------------------------------------------------------

PAGES = [
    ("articles:list", {}),
    ("articles:detail", {"uri": "https://example.com/a"}),
    ("articles:alerts", {}),
    ("keywords:groups", {}),
    ("keywords:group", {"pk": 1}),
    ("keywords:settings", {}),
    ("accounts:preferences", {}),
    ("password_change", {}),
    ("articles:annotation_edit", {"pk": 1}),
]


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_anonymous_users_are_sent_to_login(client: Client, name: str, kwargs) -> None:
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_open(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_login_with_a_wrong_password_says_so(client: Client, member: User) -> None:
    response = client.post(reverse("login"), {"username": "mel", "password": "wrong"})
    assert response.status_code == 200
    assert b"do not match" in response.content


def test_login_without_a_password_asks_for_both(client: Client, member: User) -> None:
    response = client.post(reverse("login"), {"username": "mel", "password": ""})
    assert response.status_code == 200
    assert b"Enter both your username and your password." in response.content


def test_login_then_logout(client: Client, member: User) -> None:
    client.post(reverse("login"), {"username": "mel", "password": "mel-password-1"})
    assert client.get(reverse("articles:list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("articles:list")).status_code == 302


def test_unknown_page_renders_the_custom_404(member_client: Client) -> None:
    response = member_client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"This page does not exist" in response.content


# Article list --------------------------------------------------------------------


def test_list_shows_articles_newest_first(member_client: Client) -> None:
    make_article("https://e.com/old", title="Old news", publication_date=START)
    make_article(
        "https://e.com/new", title="New news", publication_date=START + timedelta(1)
    )
    content = member_client.get(reverse("articles:list")).content.decode()
    assert content.index("New news") < content.index("Old news")


def test_list_filters_by_topic(member_client: Client) -> None:
    make_article("https://e.com/ai", title="About AI", topic="AI")
    make_article("https://e.com/bio", title="About Bio", topic="Bio")
    response = member_client.get(reverse("articles:list"), {"topic": "Bio"})
    assert b"About Bio" in response.content
    assert b"About AI" not in response.content


def test_list_filters_by_analysed_state(member_client: Client) -> None:
    make_article("https://e.com/done", title="Done one", analyzed=True)
    make_article("https://e.com/todo", title="Pending one", analyzed=None)
    response = member_client.get(reverse("articles:list"), {"analyzed": "no"})
    assert b"Pending one" in response.content
    assert b"Done one" not in response.content


def test_list_filters_by_date_range(member_client: Client) -> None:
    make_article("https://e.com/jan", title="January", publication_date=START)
    make_article(
        "https://e.com/mar",
        title="March",
        publication_date=START + timedelta(days=60),
    )
    response = member_client.get(
        reverse("articles:list"), {"date_from": "2025-02-01", "date_to": "2025-03-31"}
    )
    assert b"March" in response.content
    assert b"January" not in response.content


def test_list_rejects_an_inverted_date_range_with_a_message(
    member_client: Client,
) -> None:
    response = member_client.get(
        reverse("articles:list"), {"date_from": "2025-03-01", "date_to": "2025-01-01"}
    )
    assert b"The end date is before the start date." in response.content


def test_list_accepts_the_last_day_of_the_calendar_as_end_date(
    member_web_client: Client,
) -> None:
    make_article("https://e.com/jan", title="January", publication_date=START)
    response = member_web_client.get(
        reverse("articles:list"), {"date_to": "9999-12-31"}
    )
    assert response.status_code == 200
    assert b"January" in response.content


def test_list_ignores_a_date_beyond_year_9999_and_names_it(
    member_web_client: Client,
) -> None:
    make_article("https://e.com/jan", title="January", publication_date=START)
    response = member_web_client.get(
        reverse("articles:list"), {"date_from": "99999-01-01"}
    )
    assert response.status_code == 200
    assert b"January" in response.content
    assert (
        "“Published from” is not a date (YYYY-MM-DD, years 1 to 9999): "
        "the list ignores it."
    ) in response.content.decode()


def _cursor(key: object, uri: str) -> str:
    raw = json.dumps([key, uri]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_list_ignores_a_cursor_holding_a_nul_character(
    member_web_client: Client,
) -> None:
    make_article("https://e.com/jan", title="January", publication_date=START)
    cursor = _cursor(START.isoformat(), "https://e.com/\x00")
    response = member_web_client.get(reverse("articles:list"), {"after": cursor})
    assert response.status_code == 200
    assert b"January" in response.content


def test_list_ignores_a_search_cursor_holding_a_nul_character(
    member_web_client: Client,
) -> None:
    make_article("https://e.com/jan", title="January", publication_date=START)
    cursor = _cursor(0.5, "https://e.com/\x00")
    response = member_web_client.get(
        reverse("articles:list"), {"q": "january", "before": cursor}
    )
    assert response.status_code == 200
    assert b"January" in response.content


@pytest.mark.parametrize(
    "key", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"]
)
def test_list_ignores_a_cursor_date_postgresql_cannot_hold(
    member_web_client: Client, key: str
) -> None:
    make_article("https://e.com/jan", title="January", publication_date=START)
    response = member_web_client.get(
        reverse("articles:list"), {"after": _cursor(key, "")}
    )
    assert response.status_code == 200
    assert b"January" in response.content


def test_list_applies_the_default_topic_of_the_preferences(
    member_client: Client, member: User
) -> None:
    make_article("https://e.com/ai", title="About AI", topic="AI")
    make_article("https://e.com/bio", title="About Bio", topic="Bio")
    UserPreferences.objects.create(user=member, default_topic="AI")
    response = member_client.get(reverse("articles:list"))
    assert b"About AI" in response.content
    assert b"About Bio" not in response.content


def test_list_pages_follow_the_preferred_page_size(
    member_client: Client, member: User
) -> None:
    UserPreferences.objects.create(user=member, page_size=5)
    for day in range(7):
        make_article(f"https://e.com/{day}", publication_date=START + timedelta(day))
    page = member_client.get(reverse("articles:list")).context["page"]
    assert len(page.articles) == 5
    assert page.next_cursor


def test_next_and_previous_walk_every_article_once(
    member_client: Client, member: User
) -> None:
    UserPreferences.objects.create(user=member, page_size=5)
    uris = {f"https://e.com/{n}" for n in range(12)}
    for n, uri in enumerate(sorted(uris)):
        make_article(uri, publication_date=None if n < 3 else START + timedelta(n))
    seen: list[str] = []
    params: dict[str, str] = {}
    while True:
        page = member_client.get(reverse("articles:list"), params).context["page"]
        seen += [article.uri for article in page.articles]
        if not page.next_cursor:
            break
        params = {"after": page.next_cursor}
    assert sorted(seen) == sorted(uris)
    back = member_client.get(
        reverse("articles:list"), {"before": page.previous_cursor}
    ).context["page"]
    assert [a.uri for a in back.articles] == seen[5:10]


def test_list_queries_stay_bounded_with_many_articles_and_alerts(
    member_client: Client, member: User
) -> None:
    group = make_group("Chips", "chip", "wafer")
    KeywordGroupFollow.objects.create(user=member, group=group)
    for n in range(120):
        article = make_article(
            f"https://e.com/{n:03}", topic="AI", publication_date=START + timedelta(n)
        )
        match(article, group)
    member_client.get(reverse("articles:list"))  # warms the facet cache
    with (
        CaptureQueriesContext(connections["analytics"]) as pg,
        CaptureQueriesContext(connections["default"]) as sqlite,
    ):
        response = member_client.get(reverse("articles:list"), {"q": "title"})
    assert response.status_code == 200
    # The ranking window (dated, then undated uris), the ranked page, the rest.
    assert len(pg) <= 5
    # session, user, password-change flag; preferences; followed groups (badge).
    assert len(sqlite) <= 5
    assert all("OFFSET" not in query["sql"].upper() for query in pg.captured_queries)
    assert all("COUNT(*)" not in query["sql"] for query in pg.captured_queries[:-1])


# Article page ------------------------------------------------------------------------


def test_get_absolute_url_round_trips_a_uri_with_query_and_slashes(
    member_client: Client,
) -> None:
    article = make_article("https://e.com/a/b?x=1&y=2#part", title="Round trip")
    response = member_client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert response.context["article"].uri == article.uri


def test_an_article_address_holding_a_nul_character_is_404(
    member_web_client: Client,
) -> None:
    encoded = base64.urlsafe_b64encode(b"https://e.com/\x00").decode().rstrip("=")
    assert member_web_client.get(f"/articles/{encoded}/").status_code == 404


def test_unknown_article_is_404(member_client: Client) -> None:
    response = member_client.get(
        reverse("articles:detail", kwargs={"uri": "https://e.com/none"})
    )
    assert response.status_code == 404


def test_article_page_shows_analysis_text_analyses_and_matches(
    member_client: Client,
) -> None:
    article = make_article(
        "https://e.com/full",
        sentiment="Positive",
        sentiment_explanation="Upbeat tone",
        driver_type="Accelerator",
        analyzed=True,
    )
    RawArticle.objects.create(article=article, raw_markdown="# Heading\n\n**bold**")
    ArticleAnalysisCache.objects.create(
        article_uri=article.uri,
        analysis_type="summary",
        content="A *cached* summary",
        model_used="gpt",
    )
    group = make_group("Chips", "wafer")
    match(article, group)
    content = member_client.get(article.get_absolute_url()).content.decode()
    assert "Upbeat tone" in content
    assert "Accelerator" in content
    assert "<h1>Heading</h1>" in content
    assert "<em>cached</em>" in content
    assert "Chips" in content
    assert "wafer" in content


def test_script_in_an_article_renders_inert(member_client: Client) -> None:
    article = make_article(
        "javascript:alert(1)//",
        title='<script>alert("title")</script><img src=x onerror=alert(1)>',
        summary="<script>alert('summary')</script>",
    )
    RawArticle.objects.create(
        article=article,
        raw_markdown=(
            "Hello <script>alert('md')</script>\n\n"
            '<img src="x" onerror="alert(2)">\n\n'
            "[click](javascript:alert(3))\n\n"
            '<a href="https://ok.example" onclick="alert(4)">ok</a>'
        ),
    )
    content = member_client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert" not in content
    # No element of the page carries an event handler attribute.
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", content, re.IGNORECASE)
    assert 'href="javascript:' not in content
    assert "&lt;script&gt;alert(&quot;title&quot;)" in content


def test_script_in_an_article_title_is_escaped_in_the_list(
    member_client: Client,
) -> None:
    make_article("https://e.com/x", title="<script>alert(1)</script> chips")
    for params in ({}, {"q": "chips"}):
        content = member_client.get(reverse("articles:list"), params).content.decode()
        assert "<script>alert(1)" not in content
        assert "&lt;script&gt;" in content


# Notes -------------------------------------------------------------------------------


def note(article: Article, user: User, content: str, *, private: bool = False):
    return ArticleAnnotation.objects.create(
        article=article,
        author=user.username,
        user_id=user.pk,
        content=content,
        is_private=private,
        created_at=START,
    )


def test_adding_a_note_records_its_author(member_client: Client, member: User) -> None:
    article = make_article("https://e.com/n")
    response = member_client.post(
        reverse("articles:annotation_add", kwargs={"uri": article.uri}),
        {"content": "Worth a follow-up", "is_private": "on"},
    )
    assert response.status_code == 302
    saved = ArticleAnnotation.objects.get()
    assert (saved.user_id, saved.author, saved.is_private) == (member.pk, "mel", True)


def test_an_empty_note_is_refused_with_a_message(member_client: Client) -> None:
    article = make_article("https://e.com/n")
    response = member_client.post(
        reverse("articles:annotation_add", kwargs={"uri": article.uri}),
        {"content": "   "},
    )
    assert response.status_code == 400
    assert b"Write something before saving the note." in response.content
    assert not ArticleAnnotation.objects.exists()


def test_private_notes_are_visible_only_to_their_author(
    member_client: Client, outsider: User, member: User
) -> None:
    article = make_article("https://e.com/n")
    note(article, outsider, "Otto's secret", private=True)
    note(article, outsider, "Otto's shared note")
    note(article, member, "Mel's secret", private=True)
    content = member_client.get(article.get_absolute_url()).content.decode()
    assert "Otto&#x27;s shared note" in content
    assert "Mel&#x27;s secret" in content
    assert "Otto&#x27;s secret" not in content


def test_a_member_edits_their_own_note(member_client: Client, member: User) -> None:
    own = note(make_article("https://e.com/n"), member, "draft")
    member_client.post(
        reverse("articles:annotation_edit", kwargs={"pk": own.pk}),
        {"content": "final"},
    )
    own.refresh_from_db()
    assert own.content == "final"
    assert own.updated_at is not None


def test_a_member_cannot_edit_someone_elses_note(
    member_client: Client, outsider: User
) -> None:
    theirs = note(make_article("https://e.com/n"), outsider, "theirs")
    response = member_client.post(
        reverse("articles:annotation_edit", kwargs={"pk": theirs.pk}),
        {"content": "hijacked"},
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.content == "theirs"


def test_a_member_cannot_delete_someone_elses_note(
    member_client: Client, outsider: User
) -> None:
    theirs = note(make_article("https://e.com/n"), outsider, "theirs")
    response = member_client.post(
        reverse("articles:annotation_delete", kwargs={"pk": theirs.pk})
    )
    assert response.status_code == 404
    assert ArticleAnnotation.objects.filter(pk=theirs.pk).exists()


def test_a_member_deletes_their_own_note(member_client: Client, member: User) -> None:
    own = note(make_article("https://e.com/n"), member, "mine")
    member_client.post(reverse("articles:annotation_delete", kwargs={"pk": own.pk}))
    assert not ArticleAnnotation.objects.filter(pk=own.pk).exists()


def test_adding_a_note_without_csrf_token_is_refused(member: User) -> None:
    article = make_article("https://e.com/n")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(
        reverse("articles:annotation_add", kwargs={"uri": article.uri}),
        {"content": "sneaky"},
    )
    assert response.status_code == 403
    assert not ArticleAnnotation.objects.exists()


# Alerts ------------------------------------------------------------------------------


def test_alerts_list_followed_groups_only_unread_first(
    member_client: Client, member: User
) -> None:
    followed = make_group("Chips", "wafer")
    other = make_group("Other", "noise")
    KeywordGroupFollow.objects.create(user=member, group=followed)
    match(make_article("https://e.com/r", title="Read one"), followed, read=True)
    match(
        make_article("https://e.com/u", title="Unread one"),
        followed,
        detected_at=START - timedelta(days=5),
    )
    match(make_article("https://e.com/o", title="Not followed"), other)
    content = member_client.get(reverse("articles:alerts")).content.decode()
    assert "Not followed" not in content
    assert content.index("Unread one") < content.index("Read one")
    assert "wafer" in content


def test_alerts_without_followed_groups_explain_what_to_do(
    member_client: Client,
) -> None:
    response = member_client.get(reverse("articles:alerts"))
    assert b"You follow no keyword group yet" in response.content


def test_navigation_shows_the_unread_count(member_client: Client, member: User) -> None:
    group = make_group("Chips", "wafer")
    KeywordGroupFollow.objects.create(user=member, group=group)
    for n in range(3):
        match(make_article(f"https://e.com/{n}"), group)
    match(make_article("https://e.com/read"), group, read=True)
    response = member_client.get(reverse("articles:list"))
    assert b'title="3 unread"' in response.content


def _followed_matches(member: User, count: int) -> list[KeywordArticleMatch]:
    group = make_group("Chips", "wafer")
    KeywordGroupFollow.objects.create(user=member, group=group)
    return [match(make_article(f"https://e.com/{n}"), group) for n in range(count)]


def test_mark_one_alert_read(member_client: Client, member: User) -> None:
    first, second = _followed_matches(member, 2)
    member_client.post(
        reverse("articles:alerts_mark"), {"mark_one": f"read:{first.pk}"}
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_read, second.is_read) == (True, False)


def test_mark_a_selection_read(member_client: Client, member: User) -> None:
    first, second, third = _followed_matches(member, 3)
    member_client.post(
        reverse("articles:alerts_mark"),
        {"action": "read", "ids": [first.pk, third.pk]},
    )
    states = dict(KeywordArticleMatch.objects.values_list("pk", "is_read"))
    assert states == {first.pk: True, second.pk: False, third.pk: True}


def test_mark_a_whole_group_unread(member_client: Client, member: User) -> None:
    matches = _followed_matches(member, 3)
    KeywordArticleMatch.objects.update(is_read=True)
    member_client.post(
        reverse("articles:alerts_mark"),
        {"action": "unread", "group": matches[0].group_id},
    )
    assert not KeywordArticleMatch.objects.filter(is_read=True).exists()


def test_marking_without_a_selection_is_refused_with_a_message(
    member_client: Client, member: User
) -> None:
    _followed_matches(member, 1)
    response = member_client.post(
        reverse("articles:alerts_mark"), {"action": "read"}, follow=True
    )
    assert b"Tick at least one alert" in response.content
    assert not KeywordArticleMatch.objects.filter(is_read=True).exists()


def test_alerts_of_unfollowed_groups_cannot_be_marked(
    member_client: Client, member: User
) -> None:
    other = make_group("Other", "noise")
    theirs = match(make_article("https://e.com/o"), other)
    member_client.post(
        reverse("articles:alerts_mark"), {"mark_one": f"read:{theirs.pk}"}
    )
    member_client.post(
        reverse("articles:alerts_mark"), {"action": "read", "group": other.pk}
    )
    theirs.refresh_from_db()
    assert theirs.is_read is False


def test_marking_alerts_requires_csrf(member: User) -> None:
    (only,) = _followed_matches(member, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(
        reverse("articles:alerts_mark"), {"mark_one": f"read:{only.pk}"}
    )
    assert response.status_code == 403
    only.refresh_from_db()
    assert only.is_read is False


def test_alerts_queries_stay_bounded(member_client: Client, member: User) -> None:
    groups = [make_group(f"Group {n}", f"kw{n}a", f"kw{n}b") for n in range(5)]
    for group in groups:
        KeywordGroupFollow.objects.create(user=member, group=group)
    for n in range(100):
        match(make_article(f"https://e.com/{n:03}"), groups[n % 5])
    with (
        CaptureQueriesContext(connections["analytics"]) as pg,
        CaptureQueriesContext(connections["default"]) as sqlite,
    ):
        response = member_client.get(reverse("articles:alerts"))
    assert response.status_code == 200
    assert len(response.context["matches"]) == 25
    assert len(pg) <= 2
    # session, user, password-change flag; then followed groups, preferences,
    # the page's keywords, the navigation's saved searches: whatever the number
    # of alerts.
    assert len(sqlite) <= 7


def test_alerts_pages_reach_every_alert(member_client: Client, member: User) -> None:
    UserPreferences.objects.create(user=member, page_size=5)
    matches = _followed_matches(member, 12)
    KeywordArticleMatch.objects.filter(pk__in=[m.pk for m in matches[:4]]).update(
        is_read=True
    )
    seen, params = [], {}
    while True:
        response = member_client.get(reverse("articles:alerts"), params)
        seen += [m.pk for m in response.context["matches"]]
        if not response.context["next_token"]:
            break
        params = {"after": response.context["next_token"]}
    assert sorted(seen) == sorted(m.pk for m in matches)


def test_alerts_ignore_a_cursor_date_postgresql_cannot_hold(
    member_web_client: Client, member: User
) -> None:
    _followed_matches(member, 1)
    raw = json.dumps([True, "0001-01-01T00:00:00+23:59", 1]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = member_web_client.get(reverse("articles:alerts"), {"after": cursor})
    assert response.status_code == 200
    assert len(response.context["matches"]) == 1
