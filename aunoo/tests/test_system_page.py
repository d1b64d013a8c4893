"""The staff System page: the facts of /metrics, for a person."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client

from articles.models import MigrationRun
from aunoo import system

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])


@pytest.fixture(autouse=True)
def fresh_facts(settings, tmp_path: Path):
    settings.BACKUP_DIR = tmp_path / "backups"
    system.cache.clear()
    yield
    system.cache.clear()


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/system/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_members_may_not_see_it(member_client: Client) -> None:
    assert member_client.get("/system/").status_code == 403


def test_staff_see_both_databases_up_with_their_sizes(admin_client: Client) -> None:
    page = admin_client.get("/system/").content.decode()
    assert page.count('<span class="status-ok">up</span>') == 2
    assert "WAL" in page  # the SQLite file and its write-ahead log
    assert "No replica streams from this server." in page
    assert "articles" in page  # among the largest tables


def test_staff_see_backups_and_the_migration_history(
    admin_client: Client, settings
) -> None:
    folder = Path(settings.BACKUP_DIR) / "2026-01-02T030000"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(
        json.dumps({"created_at": "2026-01-02T03:00:00+00:00"})
    )
    MigrationRun.objects.create(
        source_path="/data/fnaapp.db",
        source_sha256="0" * 64,
        mode="migrate",
        started_at=datetime(2026, 1, 1, 8, tzinfo=UTC),
        status="running",
    )
    page = admin_client.get("/system/").content.decode()
    assert str(folder) in page
    assert "2026-01-02 03:00" in page
    assert "interrupted" in page  # its process is gone: nobody holds the lock


def test_no_backup_is_said_plainly(admin_client: Client, settings) -> None:
    page = admin_client.get("/system/").content.decode()
    assert f"No good backup in {settings.BACKUP_DIR}." in page
    assert "The migration engine has not run yet." in page


def test_a_database_down_is_shown_with_its_error(
    admin_client: Client, analytics_down: None
) -> None:
    page = admin_client.get("/system/").content.decode()
    assert '<span class="status-down">down</span>' in page
    assert "OperationalError" in page
    assert "The runs cannot be read while the analytics database is down." in page
