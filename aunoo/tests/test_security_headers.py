"""Every page sends a Content-Security-Policy; signed-in pages are never cached."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])

TEMPLATE_FOLDERS = [
    Path(settings.BASE_DIR) / "templates",
    *Path(settings.BASE_DIR).glob("*/templates"),
]


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    pairs = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {name: value for name, value in pairs}


def test_signed_in_pages_send_a_content_security_policy(
    member_client: Client,
) -> None:
    policy = directives(member_client.get(reverse("articles:list")))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"


def test_the_sign_in_page_sends_a_content_security_policy(client: Client) -> None:
    assert directives(client.get(reverse("login")))["default-src"] == "'self'"


def test_error_pages_send_a_content_security_policy(member_client: Client) -> None:
    response = member_client.get("/no/such/page/")
    assert response.status_code == 404
    assert directives(response)["default-src"] == "'self'"


def test_signed_in_pages_are_private_and_not_stored(member_client: Client) -> None:
    response = member_client.get(reverse("articles:list"))
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control


def test_signed_in_redirects_are_private_too(member_client: Client) -> None:
    response = member_client.post(
        reverse("articles:alerts_mark"), {"action": "read", "ids": []}
    )
    assert response.status_code == 302
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize(
    "pattern",
    [r"<script(?![^>]*\bsrc=)[^>]*>", r"<style\b", r"\sstyle=", r"\son[a-z]+="],
    ids=["inline script", "style element", "style attribute", "event handler"],
)
def test_no_template_needs_an_inline_script_or_style(pattern: str) -> None:
    offenders = [
        str(path)
        for folder in TEMPLATE_FOLDERS
        for path in folder.rglob("*.html")
        if re.search(pattern, path.read_text())
    ]
    assert offenders == []
