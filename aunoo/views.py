"""Project-level views: the health check, the metrics, the System page and the
site icon."""

from __future__ import annotations

import hmac
import math
import time
from datetime import UTC, datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from aunoo import metrics as prometheus
from aunoo import replicas, system
from aunoo.databases import is_secondary
from aunoo.pg_stats import PostgresStats

# The System page lists this many of the largest tables; /metrics has them all.
SYSTEM_PAGE_TABLES = 25


def _database_status(alias: str) -> dict[str, object]:
    started = time.perf_counter()
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
        executor = MigrationExecutor(connections[alias])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # noqa: BLE001  any failure means "down" here
        return {"status": "down", "error": exc.__class__.__name__}
    return {
        "status": "ok",
        "round_trip_ms": elapsed_ms,
        "unapplied_migrations": len(pending),
    }


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Up or down for anyone; 503 when a database is down.

    Staff, and monitoring that sends ``Authorization: Bearer <HEALTHZ_TOKEN>``,
    also get each database's status, round trip and migration state, and the
    last data migration: details an anonymous visitor has no use for.
    """
    databases = {
        alias: _database_status(alias)
        for alias in connections
        if not is_secondary(alias, connections[alias].settings_dict)
    }
    healthy = all(entry["status"] == "ok" for entry in databases.values())
    status = 200 if healthy else 503
    if not _may_see_details(request):
        return JsonResponse({"status": "ok" if healthy else "down"}, status=status)
    body = {
        "status": "ok" if healthy else "degraded",
        "databases": databases,
        "replicas": _replica_status(),
        "last_data_migration": _last_data_migration()
        if databases.get("analytics", {}).get("status") == "ok"
        else None,
    }
    return JsonResponse(body, status=status)


def _replica_status() -> dict[str, dict[str, object]]:
    """Each read replica's health: a replica down is no outage, reads fall back."""
    states: dict[str, dict[str, object]] = {}
    for alias in settings.ANALYTICS_REPLICAS:
        state = replicas.health(alias, fresh=True)
        states[alias] = {
            "status": "ok" if state.healthy else "skipped",
            "lag_seconds": None
            if state.lag_seconds is None or math.isinf(state.lag_seconds)
            else round(state.lag_seconds, 3),
            "reason": state.reason,
        }
    return states


def _may_see_details(request: HttpRequest) -> bool:
    token = settings.HEALTHZ_TOKEN
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer":
        return hmac.compare_digest(offered.strip().encode(), token.encode())
    try:
        return bool(request.user.is_staff)
    except DatabaseError:
        return False  # the sessions' database is down: the answer says so anyway


def _last_data_migration() -> dict[str, object] | None:
    """The summary of the latest finished legacy data migration, if any ran."""
    try:
        run_model = apps.get_model("articles", "MigrationRun")
    except LookupError:
        return None  # no data migration model in this version
    try:
        run = (
            run_model.objects.filter(finished_at__isnull=False)
            .order_by("-finished_at")
            .values("mode", "status", "source_path", "finished_at", "summary")
            .first()
        )
    except DatabaseError:
        return None  # its table is not created yet: counted in unapplied migrations
    if run is None:
        return None
    finished = run["finished_at"]
    return {**run, "finished_at": finished.isoformat() if finished else None}


@login_not_required
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """The Prometheus scrape, for ``Authorization: Bearer <METRICS_TOKEN>`` or staff."""
    refusal = _metrics_refusal(request)
    if refusal is not None:
        return refusal
    body, content_type = prometheus.exposition()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


def _metrics_refusal(request: HttpRequest) -> HttpResponse | None:
    token = settings.METRICS_TOKEN
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        if token and hmac.compare_digest(offered.strip().encode(), token.encode()):
            return None
        return _plain(
            401,
            "The bearer token is not METRICS_TOKEN"
            if token
            else "METRICS_TOKEN is not set on the server: set it to let "
            "monitoring read /metrics, or sign in as staff",
        )
    try:
        user = request.user
        if user.is_staff:
            return None
    except DatabaseError:
        return _plain(503, "The sessions database is down: use METRICS_TOKEN")
    if user.is_authenticated:
        return _plain(403, "Only staff may read /metrics")
    return _plain(
        401, "Send Authorization: Bearer <METRICS_TOKEN>, or sign in as staff"
    )


def _plain(status: int, message: str) -> HttpResponse:
    response = HttpResponse(f"{message}.\n", status=status, content_type="text/plain")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


@require_GET
def system_page(request: HttpRequest) -> HttpResponse:
    """Staff: both databases' health and sizes, replication, backups, runs."""
    if not request.user.is_staff:
        raise PermissionDenied("Only staff may see the System page.")
    facts = system.facts()
    pg = facts.postgres
    newest = facts.backups.newest
    return render(
        request,
        "aunoo/system.html",
        {
            "facts": facts,
            "gathered_at": _moment(facts.gathered_at),
            "databases": _database_rows(facts),
            "pool": prometheus.pool_stats(),
            "connection_states": sorted(pg.connections.items()) if pg else [],
            "cache_hit_percent": pg.cache_hit_ratio * 100 if pg else None,
            "tables": _largest_tables(pg) if pg else [],
            "backup_taken": _moment(newest.taken_at) if newest else None,
        },
    )


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def _database_rows(facts: system.Facts) -> list[dict[str, Any]]:
    sizes: dict[str, str] = {}
    if facts.sqlite is not None:
        sizes["default"] = (
            f"{filesizeformat(facts.sqlite.file_bytes)} "
            f"+ {filesizeformat(facts.sqlite.wal_bytes)} WAL"
        )
    if facts.postgres is not None:
        sizes["analytics"] = filesizeformat(facts.postgres.database_bytes)
    engines = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    return [
        {
            "health": health,
            "engine": engines.get(health.vendor, health.vendor),
            "round_trip_ms": (health.round_trip_seconds or 0) * 1000,
            "size": sizes.get(alias, ""),
        }
        for alias, health in system.database_health().items()
    ]


def _largest_tables(pg: PostgresStats) -> list[dict[str, Any]]:
    tables = sorted(pg.tables, key=lambda t: (-(t.table_bytes + t.index_bytes), t.name))
    return [
        {
            **vars(table),
            "vacuumed": _moment(table.last_vacuum) if table.last_vacuum else None,
        }
        for table in tables[:SYSTEM_PAGE_TABLES]
    ]


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico before any page says where the icon is."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
