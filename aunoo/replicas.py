"""Which analytics database serves a read: a healthy replica, or the primary.

Replicas serve the reads of web requests only. Management commands, the
migration engine and migrations read the primary, because they read back what
they have just written. Within a request the choice is made once (every read of
a page comes from the same server) and falls back to the primary when:

* the request writes, or is not GET/HEAD/OPTIONS: it and the visitor's next
  requests for ANALYTICS_REPLICA_PIN_SECONDS read the primary (a cookie), so a
  user who has just written reads their own write (read-your-writes);
* no replica is healthy: reachable, in recovery, and no more than
  ANALYTICS_REPLICA_MAX_LAG seconds behind. Health is checked at most every
  ANALYTICS_REPLICA_CHECK_SECONDS per process, with a connection that gives up
  after two seconds, and again whenever opening a replica connection fails.
"""

from __future__ import annotations

import contextvars
import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections

from aunoo.databases import PRIMARY_ALIAS

logger = logging.getLogger(__name__)

# The cookie that keeps a visitor on the primary after a write (no secret in it:
# forging it only sends one's own reads to the primary).
PIN_COOKIE = "aunoo_primary"


@dataclass
class RequestRoute:
    """One request's choice: where its analytics reads go, whether it wrote."""

    pinned: bool
    chosen: str | None = None
    wrote: bool = False


_route: contextvars.ContextVar[RequestRoute | None] = contextvars.ContextVar(
    "aunoo_request_route", default=None
)


@dataclass(frozen=True)
class ReplicaHealth:
    alias: str
    healthy: bool
    lag_seconds: float | None
    reason: str
    checked_at: float


_health: dict[str, ReplicaHealth] = {}
_health_lock = threading.Lock()


def begin_request(*, pinned: bool) -> contextvars.Token[RequestRoute | None]:
    return _route.set(RequestRoute(pinned=pinned))


def end_request(token: contextvars.Token[RequestRoute | None]) -> RequestRoute | None:
    route = _route.get()
    _route.reset(token)
    return route


def note_write() -> None:
    """An analytics write: the rest of this request reads the primary."""
    route = _route.get()
    if route is not None:
        route.wrote = True
        route.pinned = True


def read_alias() -> str:
    """The alias for an analytics read now (see the module's docstring)."""
    route = _route.get()
    if route is None or route.pinned or not settings.ANALYTICS_REPLICAS:
        return PRIMARY_ALIAS
    if route.chosen is None:
        route.chosen = _choose()
    return route.chosen


def _choose() -> str:
    candidates = [
        alias for alias in settings.ANALYTICS_REPLICAS if health(alias).healthy
    ]
    random.shuffle(candidates)
    for alias in candidates:
        connection = connections[alias]
        try:
            # A kept connection to a replica that stopped since is found here
            # (once per request, as CONN_HEALTH_CHECKS would).
            if connection.connection is not None and not connection.is_usable():
                connection.close()
            connection.ensure_connection()
        except DatabaseError as exc:
            _record(alias, healthy=False, lag=None, reason=_first_line(exc))
            continue
        return alias
    return PRIMARY_ALIAS


def health(alias: str, *, fresh: bool = False) -> ReplicaHealth:
    """The replica's last known health, checked again when it is too old."""
    known = _health.get(alias)
    too_old = known is None or (
        time.monotonic() - known.checked_at >= settings.ANALYTICS_REPLICA_CHECK_SECONDS
    )
    if fresh or too_old:
        known = check(alias)
    assert known is not None
    return known


def check(alias: str) -> ReplicaHealth:
    """Connect to the replica and measure its lag behind the primary."""
    try:
        lag, in_recovery = _measure_lag(alias)
    except Exception as exc:  # noqa: BLE001  whatever the failure, the primary serves
        return _record(alias, healthy=False, lag=None, reason=_first_line(exc))
    if not in_recovery:
        return _record(
            alias,
            healthy=False,
            lag=None,
            reason="not in recovery: it was promoted or is not a replica",
        )
    limit = settings.ANALYTICS_REPLICA_MAX_LAG
    if lag > limit:
        return _record(
            alias,
            healthy=False,
            lag=lag,
            reason=f"{lag:.1f} s behind the primary, more than "
            f"ANALYTICS_REPLICA_MAX_LAG={limit}",
        )
    return _record(alias, healthy=True, lag=lag, reason="ok")


# The replica's position and the time of the last transaction it replayed. A
# replica that has replayed everything the primary wrote is 0 s behind however
# long ago that was; otherwise it is as far behind as the last commit it shows.
_REPLICA_POSITION = (
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
    "extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8"
)
_CAUGHT_UP = "SELECT pg_wal_lsn_diff(%s::pg_lsn, %s::pg_lsn) >= 0"


def _measure_lag(alias: str) -> tuple[float, bool]:
    import psycopg

    # Read first on the primary: whatever the replica shows afterwards is at
    # least as new, so "caught up" never hides a commit made in between.
    with connections[PRIMARY_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        primary_lsn = cursor.fetchone()[0]
    params = _probe_params(alias)
    with psycopg.connect(**params) as replica:
        row = replica.execute(_REPLICA_POSITION).fetchone()
        assert row is not None
        in_recovery, replay_lsn, since_last_commit = row
        if not in_recovery:
            return 0.0, False
        if replay_lsn is not None:
            caught_up = replica.execute(_CAUGHT_UP, [replay_lsn, primary_lsn])
            if caught_up.fetchone() == (True,):
                return 0.0, True
    return (float("inf") if since_last_commit is None else since_last_commit), True


def _probe_params(alias: str) -> dict[str, Any]:
    params = connections[alias].get_connection_params()
    for django_only in ("cursor_factory", "context"):
        params.pop(django_only, None)
    params["autocommit"] = True
    return params


def _record(
    alias: str, *, healthy: bool, lag: float | None, reason: str
) -> ReplicaHealth:
    state = ReplicaHealth(alias, healthy, lag, reason, time.monotonic())
    with _health_lock:
        before = _health.get(alias)
        _health[alias] = state
    if before is None or before.healthy != healthy:
        log = logger.info if healthy else logger.warning
        word = "in use" if healthy else "skipped"
        log("analytics replica %s %s: %s", alias, word, reason)
    return state


def forget_health() -> None:
    """Drop what is known of every replica (tests; a changed configuration)."""
    with _health_lock:
        _health.clear()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
