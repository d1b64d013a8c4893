"""Shared test fixtures: a small named cast of users and a logged-in client."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

BOTH_DATABASES = ["default", "analytics"]


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
