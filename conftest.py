"""Shared test fixtures: a small named cast of users and a logged-in client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client

from aunoo import embedded_pg

BOTH_DATABASES = ["default", "analytics"]


@pytest.fixture(scope="session", autouse=True)
def analytics_cluster() -> Iterator[None]:
    """Hold the throwaway cluster for the whole session.

    The embedded server is deleted when the last process using it exits; this
    keeps it alive for child processes (``manage.py`` runs) between tests.
    """
    embedded = connections["analytics"].settings_dict.get("EMBEDDED")
    if embedded:
        embedded_pg.ensure_running(Path(embedded["PGDATA"]), throwaway=True)
    yield


@pytest.fixture(scope="session", autouse=True)
def pgbouncer_releases_the_test_database(
    request: pytest.FixtureRequest,
) -> Iterator[None]:
    """With AUNOO_TEST_PGBOUNCER=1, drop pgbouncer's server connections to the
    test database before Django drops it (they would keep it "in use")."""
    port = os.environ.get("AUNOO_TEST_PGBOUNCER_PORT")
    if not port:
        yield
        return
    request.getfixturevalue("django_db_setup")
    yield
    from aunoo.embedded_pg.pgbouncer import admin_command

    admin_command(int(port), f"KILL {connections['analytics'].settings_dict['NAME']}")


@pytest.fixture
def admin_user(db: None) -> User:
    return User.objects.create_superuser("ada", "ada@example.com", "ada-password-1")


@pytest.fixture
def member(db: None) -> User:
    return User.objects.create_user("mel", "mel@example.com", "mel-password-1")


@pytest.fixture
def outsider(db: None) -> User:
    return User.objects.create_user("otto", "otto@example.com", "otto-password-1")


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def member_client(member: User) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def member_web_client(member_client: Client) -> Client:
    """The member's client seeing what a browser sees: a crash is a 500 page."""
    member_client.raise_request_exception = False
    return member_client
