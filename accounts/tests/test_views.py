from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from accounts.models import UserPreferences

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])


def test_preferences_show_defaults_without_saving(member_client: Client) -> None:
    response = member_client.get(reverse("accounts:preferences"))
    assert response.status_code == 200
    assert response.context["form"].initial["page_size"] == 25
    assert not UserPreferences.objects.exists()


def test_saving_preferences_changes_only_the_readers_row(
    member_client: Client, member: User, outsider: User
) -> None:
    UserPreferences.objects.create(user=outsider, page_size=50, theme="light")
    response = member_client.post(
        reverse("accounts:preferences"),
        {"page_size": 10, "default_topic": " AI ", "theme": "dark"},
    )
    assert response.status_code == 302
    mine = UserPreferences.objects.get(user=member)
    theirs = UserPreferences.objects.get(user=outsider)
    assert (mine.page_size, mine.default_topic, mine.theme) == (10, "AI", "dark")
    assert (theirs.page_size, theirs.theme) == (50, "light")


def test_preferences_page_never_shows_another_users_values(
    member_client: Client, outsider: User
) -> None:
    UserPreferences.objects.create(user=outsider, default_topic="Otto's topic")
    response = member_client.get(reverse("accounts:preferences"), {"user": outsider.pk})
    assert "Otto" not in response.content.decode()


def test_a_page_size_out_of_range_is_refused_with_a_message(
    member_client: Client, member: User
) -> None:
    response = member_client.post(
        reverse("accounts:preferences"),
        {"page_size": 1000, "default_topic": "", "theme": "system"},
    )
    assert response.status_code == 400
    assert b"Choose between 5 and 200 articles per page." in response.content
    assert not UserPreferences.objects.filter(user=member, page_size=1000).exists()


def test_an_unknown_theme_is_refused(member_client: Client, member: User) -> None:
    response = member_client.post(
        reverse("accounts:preferences"),
        {"page_size": 25, "default_topic": "", "theme": "neon"},
    )
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content


def test_the_chosen_theme_is_applied_to_pages(
    member_client: Client, member: User
) -> None:
    UserPreferences.objects.create(user=member, theme="dark")
    response = member_client.get(reverse("articles:list"))
    assert b'data-theme="dark"' in response.content


def test_saving_preferences_needs_csrf(member: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(
        reverse("accounts:preferences"),
        {"page_size": 10, "default_topic": "", "theme": "dark"},
    )
    assert response.status_code == 403
    assert not UserPreferences.objects.filter(user=member, theme="dark").exists()


def test_password_change_form_opens(member_client: Client) -> None:
    response = member_client.get(reverse("password_change"))
    assert response.status_code == 200
    assert b"Change your password" in response.content


def test_password_change_with_a_wrong_old_password_is_refused(
    member_client: Client, member: User
) -> None:
    response = member_client.post(
        reverse("password_change"),
        {
            "old_password": "wrong",
            "new_password1": "a-new-long-password-42",
            "new_password2": "a-new-long-password-42",
        },
    )
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.check_password("mel-password-1")
