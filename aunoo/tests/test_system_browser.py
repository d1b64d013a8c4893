"""The System page in a real headless Chromium, with a screenshot."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from articles.tests.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from aunoo import system

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
    pytest.mark.django_db(databases=["default", "analytics"], transaction=True),
]


def test_staff_open_the_system_page_from_the_menu(live_server, settings, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    settings.BACKUP_DIR = tmp_path
    system.cache.clear()
    User.objects.create_superuser("sam", "sam@example.com", "sam-password-1")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        blocked: list[str] = []
        page.on(
            "console",
            lambda message: (
                blocked.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill("sam")
        page.get_by_label("Password").fill("sam-password-1")
        page.get_by_role("button", name="Sign in").click()
        page.locator(".account-menu summary").click()
        page.get_by_role("link", name="System").click()
        expect(page.get_by_role("heading", name="System", exact=True)).to_be_visible()
        expect(page.locator('tr[data-alias="analytics"] .status-ok')).to_have_text("up")
        expect(page.locator('tr[data-alias="default"] .status-ok')).to_have_text("up")
        expect(page.get_by_role("heading", name="Backups")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "10-system.png", full_page=True)
        browser.close()
    assert blocked == []
