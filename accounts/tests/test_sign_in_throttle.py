"""Repeated failed sign-ins lock the account for a while, on every sign-in page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import connections
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])

LOCKED = "Too many failed sign-ins for this account; try again in 15 minutes."


@pytest.fixture(autouse=True)
def fresh_throttle(settings) -> Iterator[None]:
    settings.SIGN_IN_FAILURE_LIMIT = 3
    settings.SIGN_IN_LOCKOUT_MINUTES = 15
    caches["sign_in_failures"].clear()
    yield
    caches["sign_in_failures"].clear()


def sign_in(client: Client, username: str, password: str, *, url: str = "login"):
    return client.post(reverse(url), {"username": username, "password": password})


def fail(username: str, times: int, *, url: str = "login") -> None:
    for _ in range(times):
        sign_in(Client(), username, "wrong-password", url=url)


def test_a_failure_below_the_limit_still_lets_the_right_password_in(
    member: User,
) -> None:
    fail("mel", 2)
    response = sign_in(Client(), "mel", "mel-password-1")
    assert response.status_code == 302


def test_reaching_the_limit_refuses_even_the_right_password(member: User) -> None:
    fail("mel", 3)
    client = Client()
    response = sign_in(client, "mel", "mel-password-1")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_locked_account_is_told_when_to_try_again(member: User) -> None:
    fail("mel", 3)
    response = sign_in(Client(), "mel", "mel-password-1")
    assert LOCKED in response.content.decode()


def test_a_wrong_password_still_says_the_credentials_do_not_match(
    member: User,
) -> None:
    response = sign_in(Client(), "mel", "wrong-password")
    assert b"do not match" in response.content


def test_a_successful_sign_in_forgets_earlier_failures(member: User) -> None:
    fail("mel", 2)
    sign_in(Client(), "mel", "mel-password-1")
    fail("mel", 2)
    response = sign_in(Client(), "mel", "mel-password-1")
    assert response.status_code == 302


def test_a_blank_password_does_not_forget_earlier_failures(member: User) -> None:
    fail("mel", 2)
    sign_in(Client(), "mel", "")
    fail("mel", 1)
    response = sign_in(Client(), "mel", "mel-password-1")
    assert LOCKED in response.content.decode()


def test_other_accounts_are_not_locked(member: User, outsider: User) -> None:
    fail("mel", 3)
    response = sign_in(Client(), "otto", "otto-password-1")
    assert response.status_code == 302


def test_the_lock_ends_after_the_lockout_time(member: User, settings) -> None:
    fail("mel", 3)
    settings.SIGN_IN_LOCKOUT_MINUTES = 0
    response = sign_in(Client(), "mel", "mel-password-1")
    assert response.status_code == 302


def test_failures_on_the_admin_sign_in_count_too(admin_user: User) -> None:
    fail("ada", 3, url="admin:login")
    response = sign_in(Client(), "ada", "ada-password-1", url="admin:login")
    assert response.status_code == 200
    assert LOCKED in response.content.decode()


def test_a_member_refused_by_the_admin_is_not_counted_as_failing(
    member: User,
) -> None:
    for _ in range(3):
        sign_in(Client(), "mel", "mel-password-1", url="admin:login")
    response = sign_in(Client(), "mel", "mel-password-1")
    assert response.status_code == 302


def test_failures_are_kept_in_the_default_database_for_every_worker(
    member: User,
) -> None:
    fail("mel", 1)
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sign_in_failures")
        assert cursor.fetchone()[0] == 1
