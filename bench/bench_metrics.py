"""What a Prometheus scrape of /metrics costs, beside the health check and a page.

    .venv/bin/python -m bench.bench_metrics [--articles N] [--rounds N]
        [--database-url URL]

Times, in-process with Django's test client (no network), over ``--rounds``
requests each: a scrape that runs every catalog query (the cache emptied
first: what a scrape costs every ``METRICS_CACHE_SECONDS``), a scrape served
from the cache (every other scrape in that window), ``/healthz`` with its
details (what monitoring used before), the staff System page, and the article
list as a yardstick. Also counts the SQL statements of each. Writes
``bench/results/metrics.json``.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

from bench import environment

TOKEN = "benchmark-metrics-token-0123456789-abcdefgh"


def main() -> None:
    options = _parser().parse_args()
    env = environment.prepare(options.database_url)
    os.environ["METRICS_TOKEN"] = TOKEN
    os.environ["HEALTHZ_TOKEN"] = TOKEN
    environment.setup_django()
    environment.migrate_and_create_user()
    _seed(options.articles)
    results = _measure(options.rounds)
    _print(results, env.describe, options.articles)
    from bench import report

    path = report.write_json(
        "metrics",
        {"articles": options.articles, "rounds": options.rounds, "results": results,
         "database": env.describe},
    )  # fmt: skip
    print(f"wrote {path}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_metrics")
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL") or None
    )
    return parser


def _seed(count: int) -> None:
    from django.db import connections

    from articles.models import Article

    Article.objects.bulk_create(
        (
            Article(uri=f"https://bench.example/{n}", title=f"Article {n}",
                    summary="A summary long enough to fill a page row. " * 4)
            for n in range(count)
        ),
        batch_size=2_000,
    )  # fmt: skip
    with connections["analytics"].cursor() as cursor:
        cursor.execute("ANALYZE")


def _measure(rounds: int) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.test import Client

    from aunoo import system

    scraper = Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    staff = Client()
    staff.force_login(User.objects.get(username=environment.BENCH_USER))
    cases: dict[str, tuple[Callable[[], None], Client, str]] = {
        "metrics_uncached": (system.cache.clear, scraper, "/metrics"),
        "metrics_cached": (_nothing, scraper, "/metrics"),
        "healthz_details": (_nothing, scraper, "/healthz"),
        "system_page_uncached": (system.cache.clear, staff, "/system/"),
        "article_list": (_nothing, staff, "/"),
    }
    return {
        name: _time(before, client, path, rounds)
        for name, (before, client, path) in cases.items()
    }


def _nothing() -> None:
    return None


def _time(
    before: Callable[[], None], client: Any, path: str, rounds: int
) -> dict[str, Any]:
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from bench.stats import latency_summary

    client.get(path)  # warm: templates, the pool, the URL resolver
    seconds = []
    for _ in range(rounds):
        before()
        started = time.perf_counter()
        response = client.get(path)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    before()
    with (
        CaptureQueriesContext(connections["analytics"]) as pg,
        CaptureQueriesContext(connections["default"]) as lite,
    ):
        client.get(path)
    return {
        **latency_summary(seconds),
        "analytics_queries": len(pg.captured_queries),
        "default_queries": len(lite.captured_queries),
        "bytes": len(response.content),
    }


def _print(results: dict[str, Any], where: str, articles: int) -> None:
    print(f"\n/metrics cost, {articles:,} articles, {where}")
    print(f"{'request':24} {'p50 ms':>8} {'p95 ms':>8} {'PG q':>5} {'SQLite q':>8}")
    for name, figures in results.items():
        print(
            f"{name:24} {figures['p50_ms']:8.2f} {figures['p95_ms']:8.2f} "
            f"{figures['analytics_queries']:5} {figures['default_queries']:8}"
        )
    cold = results["metrics_uncached"]["p50_ms"]
    ratios = {
        "uncached / cached scrape": "metrics_cached",
        "uncached scrape / healthz": "healthz_details",
        "uncached scrape / article list": "article_list",
    }
    for label, other in ratios.items():
        print(f"{label}: {cold / results[other]['p50_ms']:.1f} x (p50)")


if __name__ == "__main__":
    main()
