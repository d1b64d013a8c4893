"""What PostgreSQL sessions wait on while a benchmark runs.

A background thread samples ``pg_stat_activity`` a few times a second; active
sessions without a wait event are counted as ``CPU/running``. The tally says
whether a slow phase was CPU-bound, I/O-bound or queued on locks.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from bench.environment import analytics_dsn

SAMPLE = (
    "SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, 'running'),"
    " CASE WHEN ltrim(query) ILIKE 'copy%' THEN 'copy'"
    " WHEN ltrim(query) ILIKE 'insert%' OR ltrim(query) ILIKE 'with%' THEN 'write'"
    " ELSE 'read' END"
    " FROM pg_stat_activity WHERE datname = current_database()"
    " AND state = 'active' AND pid <> pg_backend_pid()"
)


class WaitEventSampler:
    """``with WaitEventSampler() as sampler: ...`` then ``sampler.top()``."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.counts: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._dsn = analytics_dsn()

    def __enter__(self) -> WaitEventSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(**self._dsn, autocommit=True) as conn:
            while not self._stop.is_set():
                rows = conn.execute(SAMPLE).fetchall()
                self.samples += 1
                self.counts.update(
                    f"{who}: {kind}/{event}" for kind, event, who in rows
                )
                self._stop.wait(self.interval)

    def top(self, count: int = 12) -> dict[str, Any]:
        return {"samples": self.samples, "events": dict(self.counts.most_common(count))}
