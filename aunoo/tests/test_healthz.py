from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from articles.models import MigrationRun

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])


TOKEN = "a-long-random-monitoring-token-0123456789"


@pytest.fixture
def token_client(settings) -> Client:
    settings.HEALTHZ_TOKEN = TOKEN
    return Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


def test_healthz_is_open_without_login(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_tells_anonymous_visitors_only_down(
    client: Client, analytics_down: None
) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "down"}


def test_healthz_shows_details_to_staff(admin_client: Client) -> None:
    body = admin_client.get("/healthz").json()
    assert body["status"] == "ok"
    assert {entry["status"] for entry in body["databases"].values()} == {"ok"}


def test_healthz_shows_no_details_to_members(member_client: Client) -> None:
    assert member_client.get("/healthz").json() == {"status": "ok"}


def test_healthz_shows_details_to_the_bearer_of_the_token(
    token_client: Client,
) -> None:
    body = token_client.get("/healthz").json()
    assert body["databases"]["default"]["status"] == "ok"


def test_healthz_shows_no_details_for_a_wrong_token(settings) -> None:
    settings.HEALTHZ_TOKEN = TOKEN
    client = Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}x")
    assert client.get("/healthz").json() == {"status": "ok"}


def test_healthz_shows_no_details_for_an_empty_token_when_none_is_set(
    settings,
) -> None:
    settings.HEALTHZ_TOKEN = ""
    client = Client(HTTP_AUTHORIZATION="Bearer ")
    assert client.get("/healthz").json() == {"status": "ok"}


def test_healthz_reports_migrations_and_round_trips(token_client: Client) -> None:
    analytics = token_client.get("/healthz").json()["databases"]["analytics"]
    assert analytics["unapplied_migrations"] == 0
    assert analytics["round_trip_ms"] >= 0


def test_healthz_reports_no_data_migration_before_the_first(
    token_client: Client,
) -> None:
    assert token_client.get("/healthz").json()["last_data_migration"] is None


def test_healthz_reports_the_latest_finished_data_migration(
    token_client: Client,
) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for hours, tables in ((1, {"articles": {"migrated": 5}}), (2, {"articles": {}})):
        MigrationRun.objects.create(
            source_path="legacy.db",
            source_sha256="0" * 64,
            mode="migrate",
            started_at=now,
            finished_at=now + timedelta(hours=hours) if hours == 1 else None,
            status="finished" if hours == 1 else "running",
            summary=tables,
        )
    last = token_client.get("/healthz").json()["last_data_migration"]
    assert last["summary"] == {"articles": {"migrated": 5}}
    assert last["status"] == "finished"
    assert last["finished_at"] == "2026-01-01T01:00:00+00:00"


def test_healthz_answers_503_when_analytics_is_down(
    token_client: Client, analytics_down: None
) -> None:
    response = token_client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["databases"]["analytics"]["status"] == "down"
    assert body["databases"]["default"]["status"] == "ok"
