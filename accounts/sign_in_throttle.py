"""Failed sign-ins per account, and whether the account is locked for now.

An account with ``SIGN_IN_FAILURE_LIMIT`` failures within the last
``SIGN_IN_LOCKOUT_MINUTES`` refuses every sign-in, even with the right
password, until the oldest of those failures is that old; a successful
sign-in forgets its failures. Counted per username, not per address: behind
the TLS proxy every visitor has the proxy's address, and locking that would
lock everyone out.

The failures live in the ``sign_in_failures`` cache (settings.CACHES), a table
of the default database: every gunicorn worker reads and writes the same
counts, where a per-process cache would give an attacker a fresh allowance in
each worker and after each restart. Reading and writing a count is not atomic,
so simultaneous failures may be counted once: a parallel attacker gains a few
guesses, not an open door.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import caches

CACHE_ALIAS = "sign_in_failures"


def minutes_locked(username: str) -> int:
    """Whole minutes until ``username`` may try again; 0 when it is not locked."""
    if not username:
        return 0
    now = time.time()
    failures = _recent_failures(username, now)
    limit = int(settings.SIGN_IN_FAILURE_LIMIT)
    if len(failures) < limit:
        return 0
    unlocks_at = failures[-limit] + _window_seconds()
    return max(1, math.ceil((unlocks_at - now) / 60))


def record_failure(username: str) -> None:
    now = time.time()
    failures = [*_recent_failures(username, now), now]
    failures = failures[-int(settings.SIGN_IN_FAILURE_LIMIT) :]
    caches[CACHE_ALIAS].set(_key(username), failures, timeout=_window_seconds())


def forget(username: str) -> None:
    caches[CACHE_ALIAS].delete(_key(username))


def _recent_failures(username: str, now: float) -> list[float]:
    stored = caches[CACHE_ALIAS].get(_key(username)) or []
    return [moment for moment in stored if moment > now - _window_seconds()]


def _window_seconds() -> float:
    return float(settings.SIGN_IN_LOCKOUT_MINUTES) * 60


def _key(username: str) -> str:
    # Hashed: any username, however long or odd, makes a short safe key.
    digest = hashlib.sha256(username.casefold().encode()).hexdigest()
    return f"sign-in-failures:{digest}"
