"""Project-level views: the health check and the site icon."""

from __future__ import annotations

import hmac
import time

from django.apps import apps
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.http import require_GET


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
    databases = {alias: _database_status(alias) for alias in connections}
    healthy = all(entry["status"] == "ok" for entry in databases.values())
    status = 200 if healthy else 503
    if not _may_see_details(request):
        return JsonResponse({"status": "ok" if healthy else "down"}, status=status)
    body = {
        "status": "ok" if healthy else "degraded",
        "databases": databases,
        "last_data_migration": _last_data_migration()
        if databases.get("analytics", {}).get("status") == "ok"
        else None,
    }
    return JsonResponse(body, status=status)


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
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico before any page says where the icon is."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
