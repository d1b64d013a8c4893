"""/metrics: who may read it, and that each figure follows what really happened."""

from __future__ import annotations

import copy
import math
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from django.db import OperationalError, ProgrammingError, connections, transaction
from django.db.utils import load_backend
from django.test import Client
from django.test.utils import CaptureQueriesContext
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import UserPreferences
from articles.models import Article, MigrationRun
from aunoo import system

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])

TOKEN = "a-metrics-token-long-enough-to-be-secret-0123"


@pytest.fixture(autouse=True)
def fresh_facts() -> Iterator[None]:
    system.cache.clear()
    yield
    system.cache.clear()


@pytest.fixture
def scraper(settings, tmp_path: Path) -> Client:
    settings.METRICS_TOKEN = TOKEN
    settings.BACKUP_DIR = tmp_path / "backups"
    return Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


class Scrape:
    """One /metrics answer, parsed by prometheus_client's own parser."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.families = {f.name: f for f in text_string_to_metric_families(text)}

    def value(self, name: str, **labels: str) -> float | None:
        for family in self.families.values():
            for sample in family.samples:
                if sample.name == name and all(
                    sample.labels.get(key) == wanted for key, wanted in labels.items()
                ):
                    return sample.value
        return None

    def samples(self, name: str) -> list[dict[str, str]]:
        return [
            sample.labels
            for family in self.families.values()
            for sample in family.samples
            if sample.name == name
        ]


def scrape(client: Client) -> Scrape:
    system.cache.clear()
    response = client.get("/metrics")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return Scrape(response.content.decode())


# Who may read it ---------------------------------------------------------------


def test_anonymous_visitors_are_told_how_to_authenticate(client: Client) -> None:
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"METRICS_TOKEN" in response.content


def test_members_may_not_read_metrics(member_client: Client) -> None:
    response = member_client.get("/metrics")
    assert response.status_code == 403
    assert b"staff" in response.content


def test_staff_may_read_metrics(admin_client: Client) -> None:
    assert admin_client.get("/metrics").status_code == 200


def test_a_wrong_token_is_refused(settings) -> None:
    settings.METRICS_TOKEN = TOKEN
    client = Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}x")
    response = client.get("/metrics")
    assert response.status_code == 401
    assert b"not METRICS_TOKEN" in response.content


def test_a_token_is_refused_when_none_is_configured(settings) -> None:
    settings.METRICS_TOKEN = ""
    response = Client(HTTP_AUTHORIZATION="Bearer ").get("/metrics")
    assert response.status_code == 401
    assert b"METRICS_TOKEN is not set" in response.content


def test_the_token_reads_metrics(scraper: Client) -> None:
    assert scraper.get("/metrics").status_code == 200


# Requests and queries ----------------------------------------------------------


def test_requests_are_counted_and_timed_per_view(
    scraper: Client, member_client: Client
) -> None:
    labels = {"view": "articles:list", "method": "GET"}
    before = scrape(scraper)
    for _ in range(3):
        assert member_client.get("/").status_code == 200
    member_client.get("/no-such-page/")
    after = scrape(scraper)
    counted = "aunoo_http_requests_total"
    timed = "aunoo_http_request_duration_seconds_count"
    assert (after.value(counted, status="200", **labels) or 0) - (
        before.value(counted, status="200", **labels) or 0
    ) == 3
    assert (after.value(timed, **labels) or 0) - (
        before.value(timed, **labels) or 0
    ) == 3
    assert (
        after.value("aunoo_http_requests_total", view="<unmatched>", status="404")
        is not None
    )


def test_queries_are_counted_per_database(scraper: Client) -> None:
    before = scrape(scraper)
    Article.objects.create(uri="https://news.example/q", title="Counted")
    list(Article.objects.all())
    UserPreferences.objects.count()
    after = scrape(scraper)
    name = "aunoo_db_queries_total"
    # The scrape between adds its own queries: at least ours are there.
    assert (
        after.value(name, alias="analytics") - before.value(name, alias="analytics")
        >= 2
    )
    assert after.value(name, alias="default") - before.value(name, alias="default") >= 1
    assert after.value("aunoo_db_query_duration_seconds_count", alias="analytics")


def test_query_errors_are_counted_by_class(scraper: Client) -> None:
    name = "aunoo_db_query_errors_total"
    labels = {"alias": "analytics", "error": "ProgrammingError"}
    before = scrape(scraper).value(name, **labels) or 0
    with (
        pytest.raises(ProgrammingError),
        transaction.atomic(using="analytics"),
        connections["analytics"].cursor() as cursor,
    ):
        cursor.execute("SELECT * FROM no_such_table")
    assert scrape(scraper).value(name, **labels) == before + 1


# The pool ----------------------------------------------------------------------


def test_the_pool_reports_its_configured_limits(scraper: Client) -> None:
    pool = connections["analytics"].settings_dict["OPTIONS"]["pool"]
    result = scrape(scraper)
    assert result.value("aunoo_db_pool_pool_max", alias="analytics") == pool["max_size"]
    assert result.value("aunoo_db_pool_pool_min", alias="analytics") == pool["min_size"]
    assert result.value("aunoo_db_pool_requests_total", alias="analytics") >= 1
    assert result.value("aunoo_db_pool_requests_waiting", alias="analytics") == 0


# PostgreSQL --------------------------------------------------------------------


def test_postgres_sizes_connections_and_cache_ratio(scraper: Client) -> None:
    result = scrape(scraper)
    assert result.value("aunoo_db_up", alias="analytics", vendor="postgresql") == 1
    assert result.value("aunoo_pg_table_size_bytes", table="articles") > 0
    assert result.value("aunoo_pg_table_index_size_bytes", table="articles") > 0
    assert result.value("aunoo_pg_database_size_bytes") > 0
    assert result.value("aunoo_pg_connections", state="active") >= 1
    assert 0 < result.value("aunoo_pg_cache_hit_ratio") <= 1
    assert result.value("aunoo_pg_max_connections") > 0


def test_the_longest_open_transaction_is_reported(scraper: Client) -> None:
    params = connections["analytics"].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as other:
        other.execute("SELECT 1")  # opens a transaction, left open
        time.sleep(0.3)
        assert scrape(scraper).value("aunoo_pg_longest_transaction_seconds") >= 0.3


@pytest.mark.django_db(databases=["default", "analytics"], transaction=True)
def test_dead_rows_are_reported_per_table(scraper: Client) -> None:
    Article.objects.bulk_create(
        Article(uri=f"https://news.example/dead/{n}", title="t") for n in range(20)
    )
    Article.objects.filter(uri__startswith="https://news.example/dead/").delete()
    with connections["analytics"].cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    assert scrape(scraper).value("aunoo_pg_table_dead_rows", table="articles") >= 20


def test_replication_reports_no_replica_of_a_lone_server(scraper: Client) -> None:
    result = scrape(scraper)
    assert result.value("aunoo_pg_replicas") == 0
    assert "aunoo_pg_replication_lag_seconds" in result.families
    assert result.samples("aunoo_pg_replication_lag_seconds") == []


def _preloaded() -> bool:
    with connections["analytics"].cursor() as cursor:
        cursor.execute("SHOW shared_preload_libraries")
        return "pg_stat_statements" in cursor.fetchone()[0]


def test_top_statements_where_pg_stat_statements_is_loaded(scraper: Client) -> None:
    result = scrape(scraper)
    if _preloaded():
        assert result.value("aunoo_pg_stat_statements_loaded") == 1
        statements = result.samples("aunoo_pg_statement_calls_total")
        assert 1 <= len(statements) <= 10
        assert all(labels["queryid"] and labels["query"] for labels in statements)
    else:
        assert result.value("aunoo_pg_stat_statements_loaded") == 0
        assert "# pg_stat_statements is not loaded" in result.text


def test_the_embedded_server_preloads_pg_stat_statements() -> None:
    if "EMBEDDED" not in connections["analytics"].settings_dict:
        pytest.skip("an external server: its preloads are the operator's choice")
    assert _preloaded()


# SQLite ------------------------------------------------------------------------


def test_sqlite_file_and_wal_sizes(scraper: Client) -> None:
    result = scrape(scraper)
    path = Path(connections["default"].settings_dict["NAME"])
    wal = path.with_name(path.name + "-wal")
    assert result.value("aunoo_sqlite_file_bytes") == path.stat().st_size
    assert result.value("aunoo_sqlite_wal_bytes") == (
        wal.stat().st_size if wal.exists() else 0
    )


def _hold_write_lock(path: str, seconds: float, started: threading.Event) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    started.set()
    time.sleep(seconds)
    other.execute("ROLLBACK")
    other.close()


@pytest.mark.django_db(databases=["default", "analytics"], transaction=True)
def test_sqlite_writers_waiting_for_the_lock_are_timed(scraper: Client, member) -> None:
    name = "aunoo_sqlite_write_lock_wait_seconds_sum"
    before = scrape(scraper).value(name)
    started = threading.Event()
    holder = threading.Thread(
        target=_hold_write_lock,
        args=(connections["default"].settings_dict["NAME"], 0.4, started),
    )
    holder.start()
    started.wait()
    with transaction.atomic(using="default"):
        UserPreferences.objects.update_or_create(user=member)
    holder.join()
    assert scrape(scraper).value(name) - before >= 0.3


@pytest.mark.django_db(databases=["default", "analytics"], transaction=True)
def test_sqlite_busy_timeouts_are_counted(scraper: Client, member) -> None:
    before = scrape(scraper).value("aunoo_sqlite_busy_timeouts_total")
    started = threading.Event()
    holder = threading.Thread(
        target=_hold_write_lock,
        args=(connections["default"].settings_dict["NAME"], 0.5, started),
    )
    holder.start()
    started.wait()
    try:
        with pytest.raises(OperationalError, match="locked"):
            _write_impatiently(member)
    finally:
        holder.join()
    assert scrape(scraper).value("aunoo_sqlite_busy_timeouts_total") == before + 1


def _write_impatiently(member) -> None:
    """A write from a connection that gives up on the lock after 0.1 s."""
    original = connections["default"]
    settings_dict = copy.deepcopy(original.settings_dict)
    settings_dict["OPTIONS"].update(
        timeout=0.1, init_command="PRAGMA busy_timeout=100;"
    )
    impatient = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
        settings_dict, "default"
    )
    connections["default"] = impatient
    try:
        with transaction.atomic(using="default"):
            UserPreferences.objects.update_or_create(user=member)
    finally:
        impatient.close()
        connections["default"] = original


# The migration engine ----------------------------------------------------------


def _run(status: str, finished: bool = False) -> MigrationRun:
    started = datetime(2026, 1, 1, 8, tzinfo=UTC)
    return MigrationRun.objects.create(
        source_path="/data/fnaapp.db",
        source_sha256="0" * 64,
        mode="catch-up",
        started_at=started,
        finished_at=started.replace(hour=9) if finished else None,
        status=status,
    )


def test_a_finished_migration_run(scraper: Client) -> None:
    _run("finished", finished=True)
    result = scrape(scraper)
    name = "aunoo_migration_last_run_status"
    assert result.value(name, status="finished", mode="catch-up") == 1
    assert result.value(name, status="interrupted", mode="catch-up") == 0
    assert (
        result.value("aunoo_migration_last_run_finish_timestamp_seconds")
        == datetime(2026, 1, 1, 9, tzinfo=UTC).timestamp()
    )


def test_a_running_run_whose_process_died_reads_interrupted(scraper: Client) -> None:
    _run("running")
    result = scrape(scraper)
    name = "aunoo_migration_last_run_status"
    assert result.value(name, status="interrupted", mode="catch-up") == 1
    assert result.value(name, status="running", mode="catch-up") == 0
    assert math.isnan(result.value("aunoo_migration_last_run_finish_timestamp_seconds"))
    assert MigrationRun.objects.get().status == "running"  # a scrape writes nothing


def test_a_running_run_holding_the_lock_reads_running(scraper: Client) -> None:
    from legacy.runs import RUN_LOCK

    _run("running")
    params = connections["analytics"].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s, %s)", list(RUN_LOCK))
        result = scrape(scraper)
    assert (
        result.value(
            "aunoo_migration_last_run_status", status="running", mode="catch-up"
        )
        == 1
    )


def test_no_migration_run_yet(scraper: Client) -> None:
    result = scrape(scraper)
    assert result.samples("aunoo_migration_last_run_status") == []


# Backups -----------------------------------------------------------------------


def test_without_a_backup_the_age_is_nan_with_a_comment(scraper: Client) -> None:
    result = scrape(scraper)
    assert result.value("aunoo_backups") == 0
    assert math.isnan(result.value("aunoo_backup_age_seconds"))
    assert "# no good backup in BACKUP_DIR=" in result.text


def _backup(root: Path, name: str, manifest: str | None) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "default.sqlite3").write_bytes(b"x" * 100)
    if manifest is not None:
        (folder / "manifest.json").write_text(manifest)
    return folder


def test_the_newest_good_backup_sets_the_age(scraper: Client, settings) -> None:
    root = settings.BACKUP_DIR
    hour_ago = time.time() - 3600
    # As manage.py backup names and dates them.
    _backup(
        root,
        "aunoo-20260101T030000Z",
        '{"created_at": "2026-01-01T03:00:00+00:00", "format": 1}',
    )
    _backup(root, "good", f'{{"created_at": {hour_ago}, "files": {{}}}}')
    _backup(root, "unfinished", None)
    _backup(root, "aunoo-20990101T000000Z.partial", '{"created_at": 4070908800}')
    _backup(root, "broken", '{"created_at": ')
    _backup(root, "failed", '{"status": "failed", "created_at": 9999999999}')
    result = scrape(scraper)
    assert result.value("aunoo_backups") == 2
    assert result.value("aunoo_backup_last_success_timestamp_seconds") == hour_ago
    assert 3600 <= result.value("aunoo_backup_age_seconds") < 3700
    assert result.value("aunoo_backup_last_size_bytes") > 100


def test_a_manifest_without_a_time_dates_the_backup_by_its_file(tmp_path: Path) -> None:
    folder = _backup(tmp_path, "b", '{"time": "yesterday-ish"}')
    state = system.backup_state(tmp_path)
    assert state.newest is not None
    assert state.newest.taken_at == (folder / "manifest.json").stat().st_mtime
    assert state.newest.time_source == "manifest file time"


def test_backups_that_cannot_be_counted_say_why(tmp_path: Path) -> None:
    _backup(tmp_path, "broken", "[1, 2")
    _backup(tmp_path, "list", "[1, 2]")
    _backup(tmp_path, "failed", '{"status": "incomplete"}')
    state = system.backup_state(tmp_path)
    assert state.backups == []
    assert state.skipped == [
        "broken: manifest.json cannot be read (JSONDecodeError)",
        "failed: manifest.json says status 'incomplete'",
        "list: manifest.json is not a JSON object",
    ]


# A database down, and the cost of a scrape -------------------------------------


def test_a_database_down_is_reported_and_the_scrape_still_answers(
    scraper: Client, analytics_down: None
) -> None:
    result = scrape(scraper)
    assert result.value("aunoo_db_up", alias="analytics", vendor="postgresql") == 0
    assert result.value("aunoo_db_up", alias="default", vendor="sqlite") == 1
    assert result.value("aunoo_pg_database_size_bytes") is None
    assert "# analytics PostgreSQL statistics could not be read" in result.text


def test_the_catalog_queries_are_cached_between_scrapes(
    scraper: Client, settings
) -> None:
    settings.METRICS_CACHE_SECONDS = 60
    scraper.get("/metrics")
    with CaptureQueriesContext(connections["analytics"]) as cached:
        scraper.get("/metrics")
    system.cache.clear()
    with CaptureQueriesContext(connections["analytics"]) as fresh:
        scraper.get("/metrics")
    assert [query["sql"] for query in cached.captured_queries] == ["SELECT 1"]
    assert len(fresh.captured_queries) > 5
