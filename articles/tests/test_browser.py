"""The analysts' main path in a real headless Chromium, with a screenshot per page.

Screenshots go to ``test-artifacts/`` (kept by CI as artefacts). Skipped when
Debian's ``chromium`` is not installed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from articles.models import Article, ArticleAnnotation, KeywordArticleMatch, RawArticle
from config_app.models import KeywordGroup, KeywordGroupFollow, MonitoredKeyword

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
    pytest.mark.django_db(databases=["default", "analytics"], transaction=True),
]


def _seed() -> tuple[KeywordGroup, Article]:
    User.objects.create_user("bea", "bea@example.com", "bea-password-1")
    when = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
    for n, (title, topic) in enumerate(
        [
            ("Regulators weigh new rules for AI chips", "AI"),
            ("Solid-state batteries reach pilot production", "Energy"),
            ("Wafer shortage eases as new fabs open", "AI"),
            ("Fusion start-up reports record plasma time", "Energy"),
        ]
    ):
        Article.objects.create(
            uri=f"https://news.example.com/{n}",
            title=title,
            news_source="news.example.com",
            publication_date=when - timedelta(days=n),
            summary=f"{title}. Analysts expect the change to matter within a year.",
            topic=topic,
            category="Industry",
            sentiment="Positive" if n % 2 else "Neutral",
            time_to_impact="Mid-term",
            driver_type="Accelerator",
            analyzed=n != 3,
        )
    graphene = Article.objects.create(
        uri="https://news.example.com/graphene?ref=feed",
        title="Graphene membranes cut desalination costs",
        news_source="science.example.org",
        publication_date=when + timedelta(days=1),
        summary="A graphene membrane filters salt water with half the energy.",
        topic="Energy",
        category="Research",
        sentiment="Positive",
        sentiment_explanation="Cheaper clean water is broadly welcome.",
        time_to_impact="Long-term",
        driver_type="Breakthrough",
        tags="graphene, water, membranes",
        analyzed=True,
    )
    RawArticle.objects.create(
        article=graphene,
        raw_markdown=(
            "## Findings\n\nThe team reports **50% lower energy** use.\n\n"
            "<script>document.title='pwned'</script>\n\n"
            '<img src="x" onerror="document.title=\'pwned\'">'
        ),
    )
    group = KeywordGroup.objects.create(name="Materials", topic="Energy")
    keyword = MonitoredKeyword.objects.create(group=group, keyword="graphene")
    KeywordGroupFollow.objects.create(
        user=User.objects.get(username="bea"), group=group
    )
    KeywordArticleMatch.objects.create(
        article=graphene,
        group_id=group.pk,
        keyword_ids=str(keyword.pk),
        detected_at=when,
    )
    return group, graphene


def test_sign_in_search_read_annotate_and_clear_an_alert(live_server) -> None:
    from playwright.sync_api import expect, sync_playwright

    _, graphene = _seed()
    ARTIFACTS.mkdir(exist_ok=True)
    # Django's ORM refuses to run inside Playwright's event loop: all database
    # work happens before and after this block.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        # Chromium reports each script or style the policy blocked on the console.
        blocked: list[str] = []
        page.on(
            "console",
            lambda message: (
                blocked.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.goto(f"{live_server.url}/")
        expect(page).to_have_url(f"{live_server.url}/login/?next=/")
        page.get_by_label("Username").fill("bea")
        page.get_by_label("Password").fill("bea-password-1")
        page.screenshot(path=ARTIFACTS / "01-login.png")
        page.get_by_role("button", name="Sign in").click()

        expect(page.get_by_role("heading", name="Articles")).to_be_visible()
        expect(page.locator(".badge").first).to_have_text("1 unread")
        page.screenshot(path=ARTIFACTS / "02-articles.png", full_page=True)

        page.keyboard.press("/")
        page.keyboard.type("graphene -plasma")
        page.keyboard.press("Enter")
        expect(page.locator("mark").first).to_have_text("Graphene")
        page.screenshot(path=ARTIFACTS / "03-search.png", full_page=True)

        page.get_by_role(
            "link", name="Graphene membranes cut desalination costs"
        ).click()
        expect(page.get_by_role("heading", name="Findings")).to_be_visible()
        assert page.title() != "pwned"
        page.get_by_label("Add a note").fill("Check the energy figure with the lab.")
        page.get_by_label("Only visible to me").check()
        page.get_by_role("button", name="Save note").click()
        expect(page.get_by_text("Note added.")).to_be_visible()
        expect(page.locator(".note .body")).to_have_text(
            "Check the energy figure with the lab."
        )
        assert page.title() != "pwned"
        page.screenshot(path=ARTIFACTS / "04-article.png", full_page=True)

        # Reading the article read its alert.
        page.get_by_role("link", name="Alerts").click()
        expect(page.locator(".alert-row.read")).to_have_count(1)
        page.get_by_role("button", name="Mark unread", exact=True).click()
        expect(page.locator(".alert-row.unread")).to_have_count(1)
        page.screenshot(path=ARTIFACTS / "05-alerts.png", full_page=True)
        page.get_by_role("button", name="Mark read", exact=True).click()
        expect(page.get_by_text("Marked 1 alert read.")).to_be_visible()
        expect(page.locator(".alert-row.read")).to_have_count(1)
        page.screenshot(path=ARTIFACTS / "06-alerts-read.png", full_page=True)

        page.get_by_role("link", name="Keywords").click()
        page.get_by_role("link", name="Materials").click()
        page.get_by_label("New keyword").fill("desalination")
        page.get_by_role("button", name="Add").click()
        expect(page.get_by_text("Now watching “desalination”.")).to_be_visible()
        # The stored article's title mentions it: matched at once, and counted.
        expect(page.locator(".keyword-count").first).to_have_text("1")
        page.screenshot(path=ARTIFACTS / "07-keyword-group.png", full_page=True)

        page.locator(".account-menu summary").click()
        page.get_by_role("link", name="Preferences").click()
        page.get_by_label("Dark").check()
        page.get_by_role("button", name="Save preferences").click()
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        page.screenshot(path=ARTIFACTS / "08-preferences-dark.png", full_page=True)

        phone = browser.new_page(
            viewport={"width": 390, "height": 844}, color_scheme="dark"
        )
        phone.context.add_cookies(page.context.cookies())
        phone.goto(f"{live_server.url}/?q=graphene")
        phone.screenshot(path=ARTIFACTS / "09-phone.png", full_page=True)
        browser.close()

    assert blocked == []
    note = ArticleAnnotation.objects.get()
    assert (note.article_id, note.author, note.is_private) == (
        graphene.uri,
        "bea",
        True,
    )
    # Read before the new keyword; the keyword found the article again: news.
    match = KeywordArticleMatch.objects.get()
    desalination = MonitoredKeyword.objects.get(keyword="desalination")
    assert desalination.pk in match.keyword_id_list
    assert match.is_read is False


def _signed_in(playwright, live_server):
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("bea")
    page.get_by_label("Password").fill("bea-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Articles").wait_for()
    return browser, page


def test_a_trends_chart_is_drawn_and_a_click_filters_the_list(live_server) -> None:
    from playwright.sync_api import expect, sync_playwright

    _seed()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser, page = _signed_in(playwright, live_server)
        page.get_by_role("link", name="Trends").first.click()
        chart = page.locator('[data-chart="sentiment"] svg.bars')
        expect(chart).to_be_visible()
        # Five dated articles over the 90 days up to the newest: 3 Positive.
        expect(page.locator("#trends-window")).to_contain_text("5 articles")
        box = chart.bounding_box()
        assert box is not None and box["height"] > 100
        page.screenshot(path=ARTIFACTS / "10-trends.png", full_page=True)
        positive = page.locator('[data-chart="sentiment"] a[data-value="Positive"]')
        expect(positive).to_have_count(3)
        positive.first.locator("rect").click()
        expect(page.get_by_role("heading", name="Articles")).to_be_visible()
        assert "sentiment=Positive" in page.url
        expect(page.locator("#match-count")).to_have_text("1 article")
        page.screenshot(path=ARTIFACTS / "11-trends-click.png", full_page=True)
        browser.close()


def test_an_export_downloads_and_parses(live_server) -> None:
    import csv

    from playwright.sync_api import sync_playwright

    _seed()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser, page = _signed_in(playwright, live_server)
        page.goto(f"{live_server.url}/?topic=Energy")
        page.screenshot(path=ARTIFACTS / "12-export.png", full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="CSV", exact=True).click()
        path = ARTIFACTS / "12-export.csv"
        download.value.save_as(path)
        name = download.value.suggested_filename
        browser.close()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert name.startswith("aunoo-articles-") and name.endswith(".csv")
    assert [row["title"] for row in rows] == [
        "Graphene membranes cut desalination costs",
        "Solid-state batteries reach pilot production",
        "Fusion start-up reports record plasma time",
    ]


def test_a_saved_search_is_made_and_reopened(live_server) -> None:
    from playwright.sync_api import expect, sync_playwright

    _seed()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser, page = _signed_in(playwright, live_server)
        page.goto(f"{live_server.url}/?q=graphene")
        page.get_by_text("Save this search").click()
        page.get_by_label("Name").fill("Graphene watch")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_text("Saved “Graphene watch”.")).to_be_visible()
        page.goto(f"{live_server.url}/")
        page.locator(".saved-menu summary").click()
        page.screenshot(path=ARTIFACTS / "13-saved-menu.png", full_page=True)
        page.get_by_role("link", name="Graphene watch").click()
        expect(
            page.get_by_role("heading", name="Results for “graphene”")
        ).to_be_visible()
        assert page.url.endswith("/?q=graphene")
        page.screenshot(path=ARTIFACTS / "14-saved-reopened.png", full_page=True)
        browser.close()


def test_j_and_k_move_through_the_compact_list_and_o_opens(live_server) -> None:
    from playwright.sync_api import expect, sync_playwright

    _seed()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser, page = _signed_in(playwright, live_server)
        page.get_by_role("link", name="Titles only").click()
        items = page.locator(".article-list.compact [data-nav-item]")
        expect(items).to_have_count(5)
        page.keyboard.press("j")
        page.keyboard.press("j")
        page.keyboard.press("j")
        page.keyboard.press("k")
        expect(items.nth(1)).to_have_class("article-item current")
        page.screenshot(path=ARTIFACTS / "15-compact-keys.png", full_page=True)
        page.keyboard.press("o")
        expect(
            page.get_by_role("heading", name="Regulators weigh new rules for AI chips")
        ).to_be_visible()
        page.get_by_role("link", name="← Articles").click()
        expect(page.locator(".article-list.compact")).to_be_visible()
        browser.close()
