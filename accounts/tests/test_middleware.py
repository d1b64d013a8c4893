from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path

from accounts.models import LegacyProfile


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("home")


# The auth views this middleware sends people to; the admin's templates render them.
urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]

PASSWORD = "legacy-password-1"
NEW_PASSWORD = "a-fresh-passphrase-42"


@pytest.fixture(autouse=True)
def middleware_on(settings) -> None:
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "accounts.middleware.ForcePasswordChangeMiddleware",
    ]


def _client_for(*, force: bool) -> tuple[Client, User]:
    user = User.objects.create_user("legacy", password=PASSWORD)
    LegacyProfile.objects.create(user=user, force_password_change=force)
    client = Client()
    client.force_login(user)
    return client, user


def _change(client: Client, new_password: str) -> HttpResponse:
    return client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )


@pytest.mark.django_db(databases=["default"])
def test_flagged_user_is_sent_to_password_change() -> None:
    client, _ = _client_for(force=True)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_change/"


@pytest.mark.django_db(databases=["default"])
def test_unflagged_user_reaches_the_page() -> None:
    client, _ = _client_for(force=False)
    assert client.get("/").content == b"home"


@pytest.mark.django_db(databases=["default"])
def test_user_without_legacy_profile_reaches_the_page(member_client: Client) -> None:
    assert member_client.get("/").content == b"home"


@pytest.mark.django_db(databases=["default"])
def test_flagged_user_can_open_the_change_form() -> None:
    client, _ = _client_for(force=True)
    assert client.get("/accounts/password_change/").status_code == 200


@pytest.mark.django_db(databases=["default"])
def test_flagged_user_can_log_out() -> None:
    client, _ = _client_for(force=True)
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"


@pytest.mark.django_db(databases=["default"])
def test_successful_change_clears_the_flag() -> None:
    client, user = _client_for(force=True)
    _change(client, NEW_PASSWORD)
    assert not LegacyProfile.objects.get(user=user).force_password_change


@pytest.mark.django_db(databases=["default"])
def test_after_the_change_the_site_opens() -> None:
    client, _ = _client_for(force=True)
    _change(client, NEW_PASSWORD)
    assert client.get("/").content == b"home"


@pytest.mark.django_db(databases=["default"])
def test_rejected_change_keeps_the_flag() -> None:
    client, user = _client_for(force=True)
    response = _change(client, "short")
    assert response.status_code == 200
    assert LegacyProfile.objects.get(user=user).force_password_change


@pytest.mark.django_db(databases=["default"])
def test_anonymous_visitor_is_sent_to_login_as_before() -> None:
    response = Client().get("/")
    assert response["Location"].startswith("/accounts/login/")
