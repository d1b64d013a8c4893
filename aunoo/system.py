"""The state of the system as operators need it: both databases, backups, runs.

``/metrics`` (for Prometheus) and the staff System page show the same facts,
gathered here. Whether each database answers is asked on every call; the rest
(catalog queries, a walk of the backup folder) is kept for
``METRICS_CACHE_SECONDS`` per process, so frequent scrapes and page reloads
cost one round of them.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, connections

from aunoo import pg_stats

T = TypeVar("T")

# Words a manifest may use for "this backup completed"; anything else in a
# ``status`` field means it is not a good backup.
GOOD_STATUSES = frozenset({"ok", "complete", "completed", "success", "succeeded"})
GOOD_STATUSES |= {"finished", "done", "valid"}
# Where a manifest may say when it was taken, most specific first.
TIME_KEYS: tuple[str, ...] = ("finished_at", "completed_at", "created_at", "taken_at")
TIME_KEYS += ("time", "timestamp", "date", "started_at")
MIGRATION_HISTORY = 10


@dataclass(frozen=True)
class DatabaseHealth:
    alias: str
    vendor: str
    up: bool
    round_trip_seconds: float | None
    error: str = ""


@dataclass(frozen=True)
class SqliteStats:
    path: str
    file_bytes: int
    wal_bytes: int
    page_size: int
    page_count: int
    free_pages: int


@dataclass(frozen=True)
class Backup:
    path: str
    taken_at: float  # epoch seconds
    time_source: str  # the manifest key it came from, or "manifest file time"
    size_bytes: int
    files: int


@dataclass(frozen=True)
class BackupState:
    directory: str
    backups: list[Backup]  # good ones, newest first
    skipped: list[str]  # "folder: why", for folders that look like backups

    @property
    def newest(self) -> Backup | None:
        return self.backups[0] if self.backups else None

    def age_seconds(self, now: float) -> float:
        newest = self.newest
        return math.nan if newest is None else max(now - newest.taken_at, 0.0)


@dataclass(frozen=True)
class MigrationRunFacts:
    run_id: int
    mode: str
    status: str  # "running" whose process died reads "interrupted"
    source_path: str
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Facts:
    """What the slow queries found, and when."""

    gathered_at: float  # epoch seconds
    cost_seconds: float  # what gathering them took
    postgres: pg_stats.PostgresStats | None
    sqlite: SqliteStats | None
    migrations: list[MigrationRunFacts] | None  # None: analytics unreadable
    backups: BackupState
    notes: list[str] = field(default_factory=list)


class _Cache:
    """One value per name, recomputed once it is older than the setting."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Any]] = {}

    def get(self, name: str, compute: Callable[[], T]) -> T:
        ttl = float(settings.METRICS_CACHE_SECONDS)
        with self._lock:
            entry = self._entries.get(name)
            if entry is not None and time.monotonic() - entry[0] < ttl:
                return entry[1]  # type: ignore[no-any-return]
            value = compute()
            self._entries[name] = (time.monotonic(), value)
            return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


cache = _Cache()


def database_health() -> dict[str, DatabaseHealth]:
    """Each database answers ``SELECT 1`` (asked every time, never cached)."""
    return {alias: _health(alias) for alias in connections}


def _health(alias: str) -> DatabaseHealth:
    connection = connections[alias]
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001  any failure means "down" here
        return DatabaseHealth(alias, connection.vendor, False, None, _reason(exc))
    return DatabaseHealth(alias, connection.vendor, True, time.perf_counter() - started)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0]}" if text else exc.__class__.__name__


def facts() -> Facts:
    """The slow facts, at most ``METRICS_CACHE_SECONDS`` old."""
    return cache.get("facts", gather_facts)


def gather_facts() -> Facts:
    started = time.perf_counter()
    notes: list[str] = []
    postgres = _attempt(
        lambda: pg_stats.read_postgres_stats(connections["analytics"]),
        "analytics PostgreSQL statistics",
        notes,
    )
    if postgres is not None and not postgres.statements_loaded:
        notes.append(
            "pg_stat_statements is not loaded on the analytics server: add it to "
            "shared_preload_libraries and run `python manage.py migrate` to see "
            "the top statements"
        )
    sqlite = _attempt(sqlite_stats, "SQLite statistics", notes)
    migrations = _attempt(migration_history, "the migration runs", notes)
    backups = backup_state(Path(settings.BACKUP_DIR))
    if backups.newest is None:
        notes.append(
            f"no good backup in BACKUP_DIR={backups.directory} (a folder holding "
            "a readable manifest.json): the backup age is NaN"
        )
    return Facts(
        gathered_at=time.time(),
        cost_seconds=time.perf_counter() - started,
        postgres=postgres,
        sqlite=sqlite,
        migrations=migrations,
        backups=backups,
        notes=notes,
    )


def _attempt(read: Callable[[], T], what: str, notes: list[str]) -> T | None:
    try:
        return read()
    except DatabaseError as exc:
        notes.append(f"{what} could not be read: {_reason(exc)}")
        return None


def sqlite_stats() -> SqliteStats:
    connection = connections["default"]
    path = Path(connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        sizes = []
        for name in ("page_size", "page_count", "freelist_count"):
            cursor.execute(f"PRAGMA {name}")
            sizes.append(cursor.fetchone()[0])
    return SqliteStats(
        path=str(path),
        file_bytes=_size(path),
        wal_bytes=_size(path.with_name(path.name + "-wal")),
        page_size=sizes[0],
        page_count=sizes[1],
        free_pages=sizes[2],
    )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def migration_history() -> list[MigrationRunFacts]:
    """The newest runs of the migration engine, newest first."""
    from articles.models import MigrationRun

    runs = list(MigrationRun.objects.order_by("-started_at", "-id")[:MIGRATION_HISTORY])
    lock_held = any(
        run.status == MigrationRun.Status.RUNNING for run in runs
    ) and pg_stats.run_lock_held(connections["analytics"])
    return [
        MigrationRunFacts(
            run_id=run.pk,
            mode=run.mode,
            status=(
                MigrationRun.Status.INTERRUPTED
                if run.status == MigrationRun.Status.RUNNING and not lock_held
                else run.status
            ),
            source_path=run.source_path,
            started_at=run.started_at,
            finished_at=run.finished_at,
        )
        for run in runs
    ]


def backup_state(directory: Path) -> BackupState:
    """Backups under ``directory``: each folder holding a ``manifest.json``.

    ``manage.py backup`` writes the manifest last, into a ``….partial``
    folder it renames once the manifest is on disk: a folder without one, or
    still named ``.partial``, never finished and is not counted. The manifest is read
    defensively: a backup is good when it parses as a JSON object whose
    ``status`` (if any) says it completed; its time is the first of
    ``TIME_KEYS`` that reads as a date (ISO 8601 or epoch seconds), else the
    manifest file's own time.
    """
    backups: list[Backup] = []
    skipped: list[str] = []
    try:
        folders = [
            entry
            for entry in directory.iterdir()
            if entry.is_dir() and not entry.name.endswith(".partial")
        ]
    except OSError:
        folders = []
    for folder in folders:
        manifest = folder / "manifest.json"
        if not manifest.is_file():
            continue
        backup = _read_backup(folder, manifest)
        if isinstance(backup, str):
            skipped.append(f"{folder.name}: {backup}")
        else:
            backups.append(backup)
    backups.sort(key=lambda backup: backup.taken_at, reverse=True)
    return BackupState(str(directory), backups, sorted(skipped))


def _read_backup(folder: Path, manifest: Path) -> Backup | str:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"manifest.json cannot be read ({exc.__class__.__name__})"
    if not isinstance(data, dict):
        return "manifest.json is not a JSON object"
    status = data.get("status")
    if status is not None and str(status).lower() not in GOOD_STATUSES:
        return f"manifest.json says status {status!r}"
    taken_at, source = _manifest_time(data, manifest)
    files = [path for path in folder.rglob("*") if path.is_file()]
    return Backup(
        path=str(folder),
        taken_at=taken_at,
        time_source=source,
        size_bytes=sum(_size(path) for path in files),
        files=len(files),
    )


def _manifest_time(data: dict[str, Any], manifest: Path) -> tuple[float, str]:
    for key in TIME_KEYS:
        value = data.get(key)
        when = _epoch(value)
        if when is not None:
            return when, key
    return manifest.stat().st_mtime, "manifest file time"


def _epoch(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and math.isfinite(value) and value > 0:
        return float(value / 1000 if value > 1e11 else value)  # milliseconds
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            return None  # a wall-clock time in an unknown zone: the file's is surer
        return parsed.timestamp()
    return None
