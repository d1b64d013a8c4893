"""Through pgbouncer: Django's psycopg pool in front of it, or a connection per request.

    python -m bench.pgbouncer_pool [postgres://postgres@127.0.0.1:5432/postgres]

Starts a pgbouncer (transaction mode) in front of the server, then times one
"request" (take a connection, SELECT 1, give it back) each way, and the same
request straight to PostgreSQL with a new connection, side by side.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg_pool import ConnectionPool

from aunoo.embedded_pg.pgbouncer import start_pgbouncer

REQUESTS = 2000


def timed(name: str, request: Callable[[], None], count: int) -> float:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        request()
        times.append(time.perf_counter() - started)
    times.sort()
    median = statistics.median(times) * 1000
    p95 = times[int(len(times) * 0.95)] * 1000
    print(f"{name:45} median {median:7.3f} ms  p95 {p95:7.3f} ms")
    return median


def main(server: str) -> None:
    parts = urlsplit(server)
    bouncer = start_pgbouncer(
        Path(tempfile.mkdtemp(prefix="bench-pgbouncer-")),
        server_host=parts.hostname or "127.0.0.1",
        server_port=parts.port or 5432,
    )
    url = bouncer.url(parts.path.lstrip("/") or "postgres")
    options = {"prepare_threshold": None, "autocommit": True}
    pool = ConnectionPool(
        url,
        kwargs=options,
        min_size=2,
        max_size=4,
        check=ConnectionPool.check_connection,
    )
    pool.wait()

    def per_request() -> None:
        with psycopg.connect(url, **options) as conn:  # type: ignore[arg-type]
            conn.execute("SELECT 1").fetchone()

    def pooled() -> None:
        with pool.connection() as conn:
            conn.execute("SELECT 1").fetchone()

    def direct() -> None:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute("SELECT 1").fetchone()

    try:
        fresh = timed("pgbouncer, a new connection per request", per_request, REQUESTS)
        kept = timed("pgbouncer, psycopg pool in front", pooled, REQUESTS)
        timed("PostgreSQL directly, a new connection", direct, REQUESTS // 5)
        print(f"pool in front of pgbouncer: {fresh / kept:.1f} x faster per request")
    finally:
        pool.close()
        bouncer.stop()


if __name__ == "__main__":
    main(
        sys.argv[1]
        if len(sys.argv) > 1
        else "postgres://postgres@127.0.0.1:5432/postgres"
    )
