"""Before and after: concurrent writers and readers, legacy SQLite vs PostgreSQL.

For 1, 4 and 8 writers, each architecture starts from the same seeded articles
and saves the same batches (100 articles, raw markdown for half) while two
readers load the article list and run searches. The legacy side runs twice:
"as written", pausing 0.2 s between groups of five as the legacy app did, and
"best case", without the pause. The paced side saves fewer articles per setup
(``paced_articles``): its rate is set by the pauses, so a few thousand articles
measure it as well as 20,000 would, in minutes instead of a quarter of an hour.
Writers and readers are separate processes on both sides. The legacy app ran
its writers as threads of one uvicorn process, but SQLite releases the GIL while
it executes a statement and serialises writers on its file lock anyway, so
processes do not handicap it; they spare the project side a GIL it would not
have in production either (gunicorn workers, management commands), and give
every writer its own connection.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from bench import legacy_sqlite, project, stats, workload
from bench.environment import BENCH_USER, setup_django
from bench.waits import WaitEventSampler

READERS = 2
READER_PAUSE = 0.05
CONTEXT = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Setup:
    architecture: str  # one of ARCHITECTURES
    writers: int
    batches_per_writer: int
    legacy_path: Path
    journal: str
    seed: int

    @property
    def is_legacy(self) -> bool:
        return self.architecture in (LEGACY, LEGACY_PACED)

    @property
    def pause(self) -> float:
        return legacy_sqlite.LEGACY_PAUSE_S if self.architecture == LEGACY_PACED else 0


# The legacy app as it wrote (pausing between groups), the legacy write path
# without its pauses (its best case), and this project.
LEGACY_PACED, LEGACY, PROJECT = "legacy_paced", "legacy", "project"
ARCHITECTURES = (LEGACY, LEGACY_PACED, PROJECT)


def run(
    *,
    articles: int,
    writer_counts: tuple[int, ...],
    work_dir: Path,
    journal: str,
    seed_articles: int,
    paced_articles: int,
    seed: int = 0,
) -> dict[str, Any]:
    """Every setup in turn; returns the JSON-ready results."""
    results: dict[str, Any] = {
        "workload": {
            "articles_per_setup": articles,
            "articles_per_paced_setup": min(articles, paced_articles),
            "legacy_pause_s": legacy_sqlite.LEGACY_PAUSE_S,
            "legacy_group_size": legacy_sqlite.LEGACY_GROUP_SIZE,
            "batch_size": workload.BATCH_SIZE,
            "raw_markdown": "about half the articles, 874-65,003 chars, mean ~19 KB",
            "shared_uri_share": workload.SHARED_URI_SHARE,
            "seed_articles": seed_articles,
            "readers": READERS,
            "reader_pause_s": READER_PAUSE,
            "legacy_journal_mode": journal,
        },
        "setups": [],
    }
    template = work_dir / "legacy-seeded.db"
    for writers in writer_counts:
        for architecture in ARCHITECTURES:
            count = articles if architecture != LEGACY_PACED else paced_articles
            count = min(count, articles)
            batches = max(1, round(count / (workload.BATCH_SIZE * writers)))
            setup = Setup(
                architecture, writers, batches, work_dir / "legacy.db", journal, seed
            )
            print(
                f"  writers: {architecture}, {writers} writer(s)"
                f" x {batches} batch(es)...",
                flush=True,
            )
            first = writers == writer_counts[0]
            results["setups"].append(_run_setup(setup, seed_articles, template, first))
    template.unlink(missing_ok=True)
    results["comparison"] = _compare(results["setups"])
    return results


def _run_setup(
    setup: Setup, seed_articles: int, template: Path, first: bool
) -> dict[str, Any]:
    try:
        _prepare(setup, seed_articles, template, first)
    except project.Unavailable as exc:
        return {
            "architecture": setup.architecture,
            "writers": setup.writers,
            "unavailable": str(exc),
        }
    ready, start, stop = CONTEXT.Queue(), CONTEXT.Event(), CONTEXT.Event()
    results = CONTEXT.Queue()
    children = [
        CONTEXT.Process(
            target=_writer, args=(setup, index, ready, start, results), daemon=True
        )
        for index in range(setup.writers)
    ] + [
        CONTEXT.Process(
            target=_reader,
            args=(setup, index, ready, start, stop, results),
            daemon=True,
        )
        for index in range(READERS)
    ]
    for child in children:
        child.start()
    _wait_ready(ready, len(children), children)
    psutil.cpu_percent()
    sampler = WaitEventSampler() if setup.architecture == PROJECT else None
    started = time.monotonic()
    with sampler or contextlib.nullcontext():
        start.set()
        outcome = _collect(results, setup.writers, children, stop)
    # Whole-machine CPU use while the setup ran: a CPU-bound side shows ~100 %,
    # a side whose writers queue on a lock shows idle cores.
    cpu_busy = psutil.cpu_percent()
    for child in children:
        child.join(timeout=60)
    if setup.is_legacy:
        setup.legacy_path.unlink(missing_ok=True)
    summary = _summarise(setup, started, outcome)
    summary["cpu_busy_percent"] = cpu_busy
    if sampler is not None:
        summary["postgresql_wait_events"] = sampler.top()
    return summary


def _prepare(setup: Setup, seed_articles: int, template: Path, first: bool) -> None:
    """The same starting data for every setup: the seeded articles, nothing else.

    Seeding runs once per architecture; later setups start from a copy of the
    seeded legacy file, or from the seeded PostgreSQL tables with the previous
    setup's articles deleted and vacuumed away.
    """
    if setup.is_legacy:
        if first and setup.architecture == LEGACY:
            _seed_legacy(template, setup.journal, seed_articles, setup.seed)
        shutil.copyfile(template, setup.legacy_path)
        return
    save = project.save_bulk_articles()
    if first:
        project.reset_analytics()
        for batch in workload.seed_batches(seed_articles, seed=setup.seed):
            save(project.payload(batch))
    else:
        project.delete_articles_except(
            (workload.SEED_URI_PREFIX, workload.SHARED_PREFIX)
        )
    project.vacuum_analyze()


def _seed_legacy(path: Path, journal: str, seed_articles: int, seed: int) -> None:
    legacy_sqlite.create_database(path, journal=journal)
    conn = legacy_sqlite.connect(path, journal=journal)
    for batch in workload.seed_batches(seed_articles, seed=seed):
        legacy_sqlite.save_batch(conn, batch)
    # Fold the WAL into the file, so that a plain copy holds every row.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _next(channel: Any, children: list[Any], *, limit: float, what: str) -> Any:
    """The next message, or an error as soon as a child died without sending it."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            return channel.get(timeout=1)
        except queue.Empty:
            crashed = [c.exitcode for c in children if c.exitcode not in (None, 0)]
            if crashed:
                raise RuntimeError(
                    f"a benchmark process failed while {what} (exit codes {crashed})"
                ) from None
    raise RuntimeError(f"benchmark processes gave no sign of life while {what}")


def _wait_ready(ready: Any, expected: int, children: list[Any]) -> None:
    for _ in range(expected):
        _next(ready, children, limit=300, what="starting")


def _collect(
    results: Any, writers: int, children: list[Any], stop: Any
) -> list[dict[str, Any]]:
    outcome: list[dict[str, Any]] = []
    writers_done = 0
    try:
        while len(outcome) < len(children):
            item = _next(results, children, limit=900, what="measuring")
            outcome.append(item)
            if item["role"] == "writer":
                writers_done += 1
                if writers_done == writers:
                    stop.set()
    finally:
        stop.set()
    return outcome


def _summarise(
    setup: Setup, started: float, outcome: list[dict[str, Any]]
) -> dict[str, Any]:
    writers = [item for item in outcome if item["role"] == "writer"]
    readers = [item for item in outcome if item["role"] == "reader"]
    finished = max(item["finished"] for item in writers)
    saved = sum(item["saved"] for item in writers)
    attempted = sum(item["attempted"] for item in writers)
    elapsed = finished - started
    write_errors = [label for item in writers for label in item["errors"]]
    read_errors = [label for item in readers for label in item["errors"]]
    return {
        "architecture": setup.architecture,
        "writers": setup.writers,
        "articles_attempted": attempted,
        "articles_saved": saved,
        "seconds": round(elapsed, 3),
        "articles_per_second": round(saved / elapsed, 1) if elapsed else None,
        "write_errors": len(write_errors),
        "write_errors_by_kind": stats.tally(write_errors),
        "database_is_locked": write_errors.count("database is locked")
        + read_errors.count("database is locked"),
        "write_batch_latency": stats.latency_summary(
            value for item in writers for value in item["latencies"]
        ),
        "read_errors": len(read_errors),
        "read_errors_by_kind": stats.tally(read_errors),
        "read_latency": {
            kind: stats.latency_summary(
                value for item in readers for value in item["latencies"][kind]
            )
            for kind in ("list", "search")
        },
        "read_unavailable": next(
            (item["unavailable"] for item in readers if item.get("unavailable")), None
        ),
    }


def _compare(setups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    by_key = {(item["architecture"], item["writers"]): item for item in setups}
    for (architecture, writers), item in by_key.items():
        if architecture != PROJECT:
            continue
        legacy = by_key.get((LEGACY, writers), {})
        paced = by_key.get((LEGACY_PACED, writers), {})
        rows.append(
            {
                "writers": writers,
                # Against the legacy write path without its pauses (best case).
                "throughput_ratio": stats.ratio(
                    item.get("articles_per_second"), legacy.get("articles_per_second")
                ),
                # Against the legacy app as it wrote, pauses included.
                "throughput_ratio_as_written": stats.ratio(
                    item.get("articles_per_second"), paced.get("articles_per_second")
                ),
                "write_p95_ratio": stats.ratio(
                    (item.get("write_batch_latency") or {}).get("p95_ms"),
                    (legacy.get("write_batch_latency") or {}).get("p95_ms"),
                ),
            }
        )
    return rows


# Child processes -------------------------------------------------------------


def _writer(setup: Setup, index: int, ready: Any, start: Any, results: Any) -> None:
    batches = workload.writer_batches(
        writer=index, batches=setup.batches_per_writer, seed=setup.seed
    )
    if setup.is_legacy:
        conn = legacy_sqlite.connect(setup.legacy_path, journal=setup.journal)

        def save(batch: list[dict[str, Any]]) -> tuple[int, list[BaseException]]:
            return legacy_sqlite.save_batch(conn, batch, pause=setup.pause)
    else:
        setup_django()
        save_bulk = project.save_bulk_articles()
        _warm_up_connection()

        def save(batch: list[dict[str, Any]]) -> tuple[int, list[BaseException]]:
            try:
                save_bulk(project.payload(batch))
            except Exception as exc:  # noqa: BLE001  every failure is a figure here
                return 0, [exc]
            return len(batch), []

    ready.put(index)
    start.wait()
    latencies: list[float] = []
    errors: list[str] = []
    saved = attempted = 0
    for batch in batches:
        began = time.perf_counter()
        done, failures = save(batch)
        latencies.append(time.perf_counter() - began)
        saved += done
        attempted += len(batch)
        errors.extend(stats.classify_error(exc) for exc in failures)
    results.put(
        {
            "role": "writer",
            "finished": time.monotonic(),
            "saved": saved,
            "attempted": attempted,
            "latencies": latencies,
            "errors": errors,
        }
    )


def _warm_up_connection() -> None:
    from django.db import connections

    with connections["analytics"].cursor() as cursor:
        cursor.execute("SELECT 1")


def _reader(
    setup: Setup, index: int, ready: Any, start: Any, stop: Any, results: Any
) -> None:
    latencies: dict[str, list[float]] = {"list": [], "search": []}
    errors: list[str] = []
    try:
        read = _legacy_reads(setup) if setup.is_legacy else _project_reads()
        _warm_up(read)
    except project.Unavailable as exc:
        ready.put(index)
        results.put(
            {
                "role": "reader",
                "latencies": latencies,
                "errors": errors,
                "unavailable": str(exc),
            }
        )
        return
    ready.put(index)
    start.wait()
    turn = index
    while not stop.is_set():
        kind = ("list", "search")[turn % 2]
        term = workload.SEARCH_TERMS[turn % len(workload.SEARCH_TERMS)]
        began = time.perf_counter()
        try:
            read(kind, term)
        except Exception as exc:  # noqa: BLE001  every failure is a figure here
            errors.append(stats.classify_error(exc))
        else:
            latencies[kind].append(time.perf_counter() - began)
        turn += 1
        time.sleep(READER_PAUSE)
    results.put({"role": "reader", "latencies": latencies, "errors": errors})


def _warm_up(read: Any) -> None:
    """One unmeasured read of each kind: connections, templates, page cache."""
    # A failing read is counted when measured, not here.
    for kind in ("list", "search"):
        with contextlib.suppress(Exception):
            read(kind, workload.SEARCH_TERMS[0])


def _legacy_reads(setup: Setup) -> Any:
    conn = legacy_sqlite.connect(setup.legacy_path, journal=setup.journal)

    def read(kind: str, term: str) -> None:
        if kind == "list":
            legacy_sqlite.load_list(conn)
        else:
            legacy_sqlite.search(conn, term)

    return read


def _project_reads() -> Any:
    """The real views through Django's test client: routing, ORM, templates."""
    setup_django()
    from urllib.parse import urlencode

    from django.contrib.auth.models import User
    from django.test import Client

    list_url = project.url("articles:list")
    client = Client()
    client.force_login(User.objects.get(username=BENCH_USER))

    def read(kind: str, term: str) -> None:
        target = list_url if kind == "list" else f"{list_url}?{urlencode({'q': term})}"
        response = client.get(target)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}")

    return read
