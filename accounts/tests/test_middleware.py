from __future__ import annotations

import bcrypt
import pytest
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse

from accounts.models import LegacyProfile
from aunoo.urls import urlpatterns as project_urlpatterns


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("home")


# The project's URLs plus a plain page that needs no database but SQLite.
urlpatterns = [path("test-home/", home, name="test-home"), *project_urlpatterns]

PASSWORD = "legacy-password-1"
NEW_PASSWORD = "a-fresh-passphrase-42"


MIDDLEWARE = "accounts.middleware.ForcePasswordChangeMiddleware"


@pytest.fixture(autouse=True)
def middleware_on(settings) -> None:
    settings.ROOT_URLCONF = __name__
    if MIDDLEWARE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]


def _client_for(*, force: bool) -> tuple[Client, User]:
    user = User.objects.create_user("legacy", password=PASSWORD)
    LegacyProfile.objects.create(user=user, force_password_change=force)
    client = Client()
    client.force_login(user)
    return client, user


def _change(client: Client, new_password: str) -> HttpResponse:
    return client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )


@pytest.mark.django_db(databases=["default"])
def test_flagged_user_is_sent_to_password_change() -> None:
    client, _ = _client_for(force=True)
    response = client.get("/test-home/")
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")


@pytest.mark.django_db(databases=["default"])
def test_unflagged_user_reaches_the_page() -> None:
    client, _ = _client_for(force=False)
    assert client.get("/test-home/").content == b"home"


@pytest.mark.django_db(databases=["default"])
def test_user_without_legacy_profile_reaches_the_page(member_client: Client) -> None:
    assert member_client.get("/test-home/").content == b"home"


@pytest.mark.django_db(databases=["default"])
def test_flagged_user_can_open_the_change_form() -> None:
    client, _ = _client_for(force=True)
    assert client.get(reverse("password_change")).status_code == 200


@pytest.mark.django_db(databases=["default"])
def test_flagged_user_can_log_out() -> None:
    client, _ = _client_for(force=True)
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")


@pytest.mark.django_db(databases=["default"])
def test_successful_change_clears_the_flag() -> None:
    client, user = _client_for(force=True)
    _change(client, NEW_PASSWORD)
    assert not LegacyProfile.objects.get(user=user).force_password_change


@pytest.mark.django_db(databases=["default"])
def test_after_the_change_the_site_opens() -> None:
    client, _ = _client_for(force=True)
    _change(client, NEW_PASSWORD)
    assert client.get("/test-home/").content == b"home"


@pytest.mark.django_db(databases=["default"])
def test_rejected_change_keeps_the_flag() -> None:
    client, user = _client_for(force=True)
    response = _change(client, "short")
    assert response.status_code == 200
    assert LegacyProfile.objects.get(user=user).force_password_change


@pytest.mark.django_db(databases=["default"])
def test_anonymous_visitor_is_sent_to_login_as_before() -> None:
    response = Client().get("/test-home/")
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db(databases=["default"])
def test_the_same_password_is_refused_with_a_message() -> None:
    client, _ = _client_for(force=True)
    response = _change(client, PASSWORD)
    assert response.status_code == 200
    assert "Choose a password different from your current one." in (
        response.content.decode()
    )


@pytest.mark.django_db(databases=["default"])
def test_the_same_password_keeps_the_flag() -> None:
    client, user = _client_for(force=True)
    _change(client, PASSWORD)
    assert LegacyProfile.objects.get(user=user).force_password_change


@pytest.mark.django_db(databases=["default"])
def test_the_same_legacy_bcrypt_password_is_refused() -> None:
    user = User.objects.create_user("legacy")
    legacy_hash = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    User.objects.filter(pk=user.pk).update(password=f"bcrypt${legacy_hash}")
    LegacyProfile.objects.create(user=user, force_password_change=True)
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))
    response = _change(client, PASSWORD)
    assert "Choose a password different from your current one." in (
        response.content.decode()
    )
    assert LegacyProfile.objects.get(user=user).force_password_change


@pytest.mark.django_db(databases=["default"])
def test_a_common_password_is_refused_by_the_validators() -> None:
    client, user = _client_for(force=True)
    response = _change(client, "password123")
    assert "This password is too common." in response.content.decode()
    assert LegacyProfile.objects.get(user=user).force_password_change
