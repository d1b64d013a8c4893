"""Responsive during a large import: real HTTP requests while 200,000 articles load.

The app runs under gunicorn on 127.0.0.1 (two gthread workers, four threads
each: the two cores of this machine). A load generator in another process logs
in through the login form and requests the article list, a search, an article
page, the alerts page and the admin changelist at a steady rate, first on an
idle system, then for as long as ``migrate_articles`` (or ``ingest_articles``)
loads the import. PostgreSQL's wait events are sampled during the import, so a
missed target comes with what the sessions were waiting on.
"""

from __future__ import annotations

import json
import multiprocessing
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil

from bench import loadgen, project, stats, workload
from bench.environment import (
    BENCH_PASSWORD,
    BENCH_USER,
    CACHE_DIR,
    PROJECT_DIR,
)
from bench.waits import WaitEventSampler

CONTEXT = multiprocessing.get_context("spawn")
IMPORT_TIME_LIMIT = 1800.0
SEARCH_QUERY = "climate policy"
# How the README's runbook loads data while the app serves analysts: one stream,
# resting as long as each batch took (with ``--import-nice 10``, the default).
BESIDE_A_LIVE_APP = {"migrate_articles": ("--streams", "1", "--throttle", "1")}


def run(
    *,
    articles: int,
    idle_seconds: float,
    seed_articles: int,
    command: str,
    nice: int = 0,
    extra: Sequence[str] | None = None,
) -> dict[str, Any]:
    command = _choose_command(command)
    if extra is None:
        extra = BESIDE_A_LIVE_APP.get(command, ())
    source = _prepare_source(command, articles)
    pages, seeded = _seed(seed_articles)
    log_dir = Path(source).parent
    with Server(log_dir) as server:
        cookie = _log_in(server.port)
        plan = loadgen.Plan(
            port=server.port, cookie=cookie, pages=pages, max_seconds=idle_seconds
        )
        loadgen.warm_up(plan)
        print(f"   idle: {len(pages)} pages for {idle_seconds:.0f} s...", flush=True)
        psutil.cpu_percent()
        idle = {**_summarise(_load(plan, until=None)), "cpu_busy_percent": None}
        idle["cpu_busy_percent"] = psutil.cpu_percent()
        print(f"   during {command} of {articles:,} articles...", flush=True)
        plan.max_seconds = IMPORT_TIME_LIMIT
        busy_raw, imported, waits = _load_during_import(
            plan, [command, *extra], source, log_dir, nice
        )
        busy = {**_summarise(busy_raw), "cpu_busy_percent": imported.pop("cpu_busy")}
        # The import also grows what the pages read (a search may match far
        # more articles afterwards): the same requests on the idle system after
        # the import separate "slower because busy" from "slower because bigger".
        print(f"   after the import, idle: {idle_seconds:.0f} s...", flush=True)
        plan.max_seconds = idle_seconds
        after = _summarise(_load(plan, until=None))
    ratios = _ratios(busy, idle)
    return {
        "setup": {
            "server": "gunicorn gthread, 2 workers x 4 threads, 127.0.0.1",
            "load": "4 clients x 5 requests/s, keep-alive, logged in",
            "seed_articles": seeded,
            "search_query": SEARCH_QUERY,
            "pages": pages,
        },
        "import": {
            **imported,
            "command": command,
            "articles": articles,
            "nice": nice,
            "options": list(extra),
        },
        "idle": idle,
        "during_import": busy,
        "after_import": after,
        "ratios": ratios,
        "ratios_to_after_import": _ratios(busy, after),
        "wait_events_during_import": waits,
    }


def _ratios(busy: dict[str, Any], baseline: dict[str, Any]) -> dict[str, float | None]:
    """p95 under the import divided by the baseline's p95, per page."""
    return {
        name: stats.ratio(
            busy["endpoints"].get(name, {}).get("p95_ms"), item.get("p95_ms")
        )
        for name, item in baseline["endpoints"].items()
    }


def _choose_command(command: str) -> str:
    if command == "auto":
        if project.command_exists("migrate_articles"):
            return "migrate_articles"
        if project.command_exists("ingest_articles"):
            return "ingest_articles"
        raise project.Unavailable("neither migrate_articles nor ingest_articles exists")
    name = {"migrate": "migrate_articles", "ingest": "ingest_articles"}[command]
    if not project.command_exists(name):
        raise project.Unavailable(f"manage.py {name} does not exist")
    return name


def _prepare_source(command: str, articles: int) -> str:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    if command == "migrate_articles":
        return str(_legacy_file(articles))
    return str(_jsonl_file(articles))


def _legacy_file(articles: int) -> Path:
    """A generated legacy file, cached: building 200,000 articles takes a while."""
    from legacy.generate import generate_legacy_file

    path = CACHE_DIR / f"legacy-import-{articles}.db"
    if not path.exists():
        print(
            f"   generating a legacy file of {articles:,} articles (cached in "
            f"{path.relative_to(PROJECT_DIR)})...",
            flush=True,
        )
        # The generator builds beside the path and renames when complete.
        generate_legacy_file(path, articles=articles, schema="2025-10", seed=5)
    return path


def _jsonl_file(articles: int) -> Path:
    path = CACHE_DIR / f"ingest-{articles}.jsonl"
    if not path.exists():
        partial = path.with_suffix(".partial")
        with partial.open("w") as handle:
            batches = -(-articles // workload.BATCH_SIZE)
            for batch in workload.writer_batches(
                writer=0, batches=batches, prefix="import"
            ):
                for item in batch:
                    handle.write(json.dumps(item, default=_iso) + "\n")
        partial.rename(path)
    return path


def _iso(value: Any) -> str:
    return str(value.isoformat())


def _seed(seed_articles: int) -> tuple[dict[str, str], int]:
    """Articles and alerts to show, and the pages the load generator requests."""
    from urllib.parse import urlencode

    save = project.save_bulk_articles()
    project.reset_analytics()
    uris: list[str] = []
    for batch in workload.seed_batches(seed_articles):
        save(project.payload(batch))
        uris.extend(article["uri"] for article in batch)
    project.set_up_alerts(BENCH_USER, uris[:200])
    project.analyze()
    pages = {
        "list": project.url("articles:list"),
        "search": project.url("articles:list", query=urlencode({"q": SEARCH_QUERY})),
        "article": project.article_url(uris[len(uris) // 2]),
        "alerts": project.first_url(project.ALERTS_URL_NAMES),
        "admin": project.ADMIN_CHANGELIST,
    }
    return pages, len(set(uris))


def _log_in(port: int) -> str:
    try:
        return loadgen.log_in(port, project.url("login"), BENCH_USER, BENCH_PASSWORD)
    except (RuntimeError, project.Unavailable) as exc:
        print(
            f"   login form failed ({exc}); using a session made by Django", flush=True
        )
        from django.contrib.auth.models import User
        from django.test import Client

        client = Client()
        client.force_login(User.objects.get(username=BENCH_USER))
        return f"sessionid={client.cookies['sessionid'].value}"


def _load(
    plan: loadgen.Plan, *, until: subprocess.Popen[bytes] | None
) -> dict[str, Any]:
    stop, results = CONTEXT.Event(), CONTEXT.Queue()
    process = CONTEXT.Process(
        target=loadgen.run, args=(plan, stop, results), daemon=True
    )
    process.start()
    if until is not None:
        until.wait()
        stop.set()
    outcome = results.get(timeout=plan.max_seconds + 120)
    process.join(timeout=30)
    return outcome  # type: ignore[no-any-return]


def _load_during_import(
    plan: loadgen.Plan, command: Sequence[str], source: str, log_dir: Path, nice: int
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    stop, results = CONTEXT.Event(), CONTEXT.Queue()
    process = CONTEXT.Process(
        target=loadgen.run, args=(plan, stop, results), daemon=True
    )
    process.start()
    time.sleep(0.5)
    # An operator may lower the import's CPU priority: its Python side only,
    # the PostgreSQL backend doing the COPY keeps its own.
    argv = ["nice", "-n", str(nice)] if nice else []
    argv += [sys.executable, "manage.py", *command]
    argv += ["--source", source] if command[0] == "migrate_articles" else [source]
    log_path = log_dir / f"{command[0]}.log"
    before = _article_count()
    psutil.cpu_percent()
    began = time.monotonic()
    with log_path.open("wb") as log:
        importer = subprocess.Popen(
            argv,
            cwd=PROJECT_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        waits = _wait_for(importer)
    seconds = time.monotonic() - began
    cpu_busy = psutil.cpu_percent()
    stop.set()
    outcome = results.get(timeout=120)
    process.join(timeout=30)
    imported = _article_count() - before
    tail = log_path.read_text(errors="replace").splitlines()[-3:]
    return (
        outcome,
        {
            "exit_code": importer.returncode,
            "seconds": round(seconds, 2),
            "articles_imported": imported,
            "articles_per_second": round(imported / seconds, 1) if seconds else None,
            "log_tail": tail,
            "cpu_busy": cpu_busy,
        },
        waits,
    )


def _wait_for(importer: subprocess.Popen[bytes]) -> dict[str, Any]:
    """Wait for the import, sampling PostgreSQL's wait events meanwhile."""
    with WaitEventSampler() as sampler:
        try:
            importer.wait(timeout=IMPORT_TIME_LIMIT)
        except subprocess.TimeoutExpired:
            importer.kill()
            importer.wait()
    return sampler.top()


def _article_count() -> int:
    from django.db import connections

    with connections["analytics"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM articles")
        return int(cursor.fetchone()[0])


def _summarise(outcome: dict[str, Any]) -> dict[str, Any]:
    names = sorted(
        set(outcome["latencies"]) | set(outcome["errors"]),
        key=list(loadgen_order()).index,
    )
    endpoints = {}
    for name in names:
        summary = stats.latency_summary(outcome["latencies"].get(name, []))
        errors = outcome["errors"].get(name, [])
        summary["errors"] = len(errors)
        summary["errors_by_kind"] = stats.tally(errors)
        endpoints[name] = summary
    return {"endpoints": endpoints}


def loadgen_order() -> tuple[str, ...]:
    return ("list", "search", "article", "alerts", "admin")


class Server:
    """gunicorn serving the project on a free loopback port, stopped on exit."""

    def __init__(self, log_dir: Path) -> None:
        self.port = _free_port()
        self.log_path = log_dir / "gunicorn.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "aunoo.wsgi:application",
            "--bind",
            f"{loadgen.LOOPBACK}:{self.port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            argv, cwd=PROJECT_DIR, stdout=self.log, stderr=subprocess.STDOUT
        )
        self._wait_until_listening()
        return self

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.log_path}")
            try:
                with socket.create_connection((loadgen.LOOPBACK, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not listen within 90 s: see {self.log_path}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((loadgen.LOOPBACK, 0))
        return int(sock.getsockname()[1])
