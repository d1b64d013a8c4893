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

        page.get_by_role("link", name="Alerts").click()
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
