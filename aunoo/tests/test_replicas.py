"""Read replicas against a real streaming replica of the test PostgreSQL.

The replica is made once for the module with ``pg_basebackup -R`` (the
binaries of the primary's major version) after the test database exists, so it
holds that database and follows every commit. Tests commit for real
(``transaction=True``): a rolled-back test transaction never reaches a replica.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connections, router
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Article, ArticleAnnotation
from aunoo import replicas
from aunoo.databases import PRIMARY_ALIAS, replica_database
from aunoo.embedded_pg.replica import (
    Replica,
    ReplicaError,
    binaries_for,
    create_replica,
)
from aunoo.management.commands.migrate import migrated
from legacy.connect import engine_params

ALIAS = "analytics_replica_1"
DATABASES = ["default", "analytics", ALIAS]


@pytest.fixture(scope="module")
def replica(
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Replica]:
    with django_db_blocker.unblock():
        primary = engine_params(PRIMARY_ALIAS)  # PostgreSQL itself, not a pooler
        embedded = bool(connections[PRIMARY_ALIAS].settings_dict.get("EMBEDDED")) or (
            str(primary.get("host", "")).startswith("/")
        )
        with connections[PRIMARY_ALIAS].cursor() as cursor:
            cursor.execute("SHOW server_version_num")
            version = int(cursor.fetchone()[0])
    try:
        made = create_replica(
            tmp_path_factory.mktemp("replica") / "pgdata",
            primary=primary,
            bin_dir=binaries_for(version, embedded=embedded),
        )
    except ReplicaError as exc:
        if embedded:
            raise
        pytest.skip(
            f"no streaming replica of this server: {exc} (the server must accept "
            "replication connections: a `host replication postgres 127.0.0.1/32` "
            "line in pg_hba.conf)"
        )
    database = connections[PRIMARY_ALIAS].settings_dict["NAME"]
    entry = replica_database(
        made.url(database), pgbouncer=False, variable="ANALYTICS_REPLICA_URLS"
    )
    connections.settings[ALIAS] = connections.configure_settings({"default": entry})[
        "default"
    ]
    yield made
    connections[ALIAS].close()
    del connections[ALIAS]
    del connections.settings[ALIAS]
    made.stop()


@pytest.fixture
def routed(replica: Replica, settings: Any) -> Iterator[Replica]:
    """Reads may go to the replica; it is running and replaying when a test starts."""
    settings.ANALYTICS_REPLICAS = [ALIAS]
    settings.ANALYTICS_REPLICA_MAX_LAG = 3600.0
    replicas.forget_health()
    if not replica.running():
        replica.start()
    with replica.connect(connections[PRIMARY_ALIAS].settings_dict["NAME"]) as conn:
        conn.execute("SELECT pg_wal_replay_resume()")
    yield replica
    connections[ALIAS].close()
    replicas.forget_health()
    if not replica.running():
        replica.start()
    with replica.connect(connections[PRIMARY_ALIAS].settings_dict["NAME"]) as conn:
        conn.execute("SELECT pg_wal_replay_resume()")


def caught_up(replica: Replica) -> None:
    """Wait until the replica has replayed everything the primary committed."""
    with connections[PRIMARY_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        target = cursor.fetchone()[0]
    with replica.connect(
        connections[PRIMARY_ALIAS].settings_dict["NAME"], autocommit=True
    ) as conn:
        for _ in range(200):
            row = conn.execute(
                "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s::pg_lsn) >= 0",
                [target],
            ).fetchone()
            if row == (True,):
                return
            time.sleep(0.05)
    raise AssertionError("the replica did not catch up within 10 s")


def pause_replay(replica: Replica) -> None:
    with replica.connect(connections[PRIMARY_ALIAS].settings_dict["NAME"]) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")


def make_article(number: int) -> Article:
    return Article.objects.create(
        uri=f"https://replica.example/{number}",
        title=f"Replicated article {number}",
        publication_date=datetime(2025, 10, 7, tzinfo=UTC),
    )


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db(databases=DATABASES, transaction=True)
def test_reads_during_a_request_are_served_by_the_replica(
    routed: Replica, member: User
) -> None:
    make_article(1)
    caught_up(routed)
    with (
        CaptureQueriesContext(connections[ALIAS]) as on_replica,
        CaptureQueriesContext(connections[PRIMARY_ALIAS]) as on_primary,
    ):
        response = login(member).get("/")
    assert response.status_code == 200
    assert "Replicated article 1" in response.text
    assert any('FROM "articles"' in q["sql"] for q in on_replica.captured_queries)
    assert not [
        q["sql"] for q in on_primary.captured_queries if 'FROM "articles"' in q["sql"]
    ]
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)


@pytest.mark.django_db(databases=DATABASES, transaction=True)
def test_writes_go_to_the_primary(routed: Replica, member: User) -> None:
    article = make_article(2)
    caught_up(routed)
    with CaptureQueriesContext(connections[ALIAS]) as on_replica:
        response = login(member).post(
            reverse("articles:annotation_add", kwargs={"uri": article.uri}),
            {"content": "Seen on the primary"},
        )
    assert response.status_code == 302
    assert not on_replica.captured_queries
    with connections[PRIMARY_ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(), count(*) FROM article_annotations "
            "WHERE content = 'Seen on the primary'"
        )
        assert cursor.fetchone() == (False, 1)


@pytest.mark.django_db(databases=DATABASES, transaction=True)
def test_a_user_reads_their_new_note_at_once(routed: Replica, member: User) -> None:
    article = make_article(3)
    caught_up(routed)
    pause_replay(routed)  # the replica will not have the note for a while
    browser = login(member)
    added = browser.post(
        reverse("articles:annotation_add", kwargs={"uri": article.uri}),
        {"content": "My fresh note"},
    )
    assert replicas.PIN_COOKIE in added.cookies
    assert "My fresh note" in browser.get(article.get_absolute_url()).text
    # Without the pin the same page comes from the replica, which lacks it.
    elsewhere = login(member)
    assert "My fresh note" not in elsewhere.get(article.get_absolute_url()).text
    assert ArticleAnnotation.objects.filter(content="My fresh note").count() == 1


@pytest.mark.django_db(databases=DATABASES, transaction=True)
def test_a_lagging_replica_is_skipped(
    routed: Replica, member: User, settings: Any
) -> None:
    make_article(4)
    caught_up(routed)
    pause_replay(routed)
    make_article(5)  # committed on the primary, not replayed
    settings.ANALYTICS_REPLICA_MAX_LAG = 0.2
    time.sleep(0.5)
    with CaptureQueriesContext(connections[ALIAS]) as on_replica:
        response = login(member).get("/")
    assert response.status_code == 200
    assert "Replicated article 5" in response.text
    assert not on_replica.captured_queries
    state = replicas.health(ALIAS)
    assert not state.healthy
    assert "ANALYTICS_REPLICA_MAX_LAG" in state.reason


@pytest.mark.django_db(databases=DATABASES, transaction=True)
def test_a_stopped_replica_means_reads_from_the_primary(
    routed: Replica, member: User
) -> None:
    make_article(6)
    caught_up(routed)
    browser = login(member)
    assert browser.get("/").status_code == 200  # a kept replica connection now
    assert replicas.health(ALIAS).healthy
    routed.stop()
    make_article(7)
    response = browser.get("/")
    assert response.status_code == 200
    assert "Replicated article 7" in response.text
    assert not replicas.health(ALIAS).healthy


@pytest.mark.django_db(databases=DATABASES, transaction=True)
def test_healthz_shows_each_replica_and_its_lag(
    routed: Replica, admin_user: User
) -> None:
    caught_up(routed)
    body = login(admin_user).get("/healthz").json()
    assert body["replicas"][ALIAS]["status"] == "ok"
    assert body["replicas"][ALIAS]["lag_seconds"] == 0.0
    routed.stop()
    response = login(admin_user).get("/healthz")
    assert response.status_code == 200  # a replica down is no outage
    assert response.json()["replicas"][ALIAS]["status"] == "skipped"


@pytest.mark.django_db(databases=DATABASES)
def test_commands_and_the_engine_read_the_primary(routed: Replica) -> None:
    assert router.db_for_read(Article) == PRIMARY_ALIAS  # no request: no replica
    assert ALIAS not in migrated()
    with pytest.raises(CommandError, match="read replica"):
        call_command("migrate", database=ALIAS, stdout=StringIO())
