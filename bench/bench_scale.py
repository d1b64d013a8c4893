"""At scale: page times with a million articles in PostgreSQL.

The articles are generated inside PostgreSQL (``INSERT ... SELECT`` over
``generate_series``, two sessions side by side, secondary indexes dropped
during the load and rebuilt afterwards, then ``ANALYZE``), with titles, tags
and summaries drawn from a news vocabulary so that search has realistic
selectivity. Raw markdown is left out here: none of the measured pages reads
it, and 500,000 bodies of 19 KB would only cost disk and time.

Server time is measured in-process with Django's test client (routing,
middleware, ORM, templates; no network), so it is what the server spends on a
request. Page 1,000 of the list is reached by following the list's own "next"
links, as a reader would. For each page the slowest SQL statement is kept; when
a target is missed, its ``EXPLAIN (ANALYZE, BUFFERS)`` goes into the JSON.
"""

from __future__ import annotations

import html
import re
import threading
import time
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urljoin

from bench import project, stats, workload
from bench.environment import BENCH_USER

DEEP_PAGE = 1_000
TARGETS_MS = {
    "list": 50,
    "search": 50,
    "page 1,000": 50,
    "admin changelist": 200,
    "list, 2 filters": 50,
    "trends": 150,
    "trends, topic": 150,
    "trends, search": 150,
    "trends, 1 year": 150,
}
LOAD_SESSIONS = 2


def run(*, articles: int, quick: bool) -> dict[str, Any]:
    project.url("articles:list")
    project.reset_analytics()
    print(f"   generating {articles:,} articles in PostgreSQL...", flush=True)
    began = time.monotonic()
    generate(articles)
    generated_in = time.monotonic() - began
    samples = 10 if quick else 40
    client = _client()
    endpoints = {
        "list": _measure(client, lambda _: project.url("articles:list"), samples),
        "search": _measure(client, _search_url, samples),
        "page 1,000": _deep_page(client, samples),
        "admin changelist": _measure(
            client, lambda _: project.ADMIN_CHANGELIST, samples
        ),
        **measure_analysts(client, samples),
    }
    for name, item in endpoints.items():
        item["target_ms"] = TARGETS_MS[name]
        slowest = item.pop("_slowest", None)
        missed = item.get("p95_ms") is None or item["p95_ms"] >= TARGETS_MS[name]
        if slowest:
            item["slowest_query"] = {
                "sql": slowest[1][:2000],
                "ms": round(slowest[0] * 1000, 2),
            }
            if missed:
                item["slowest_query"]["explain_analyze_buffers"] = _explain(
                    *slowest[1:]
                )
    return {
        "articles": articles,
        "generate_seconds": round(generated_in, 1),
        "samples_per_page": samples,
        "endpoints": endpoints,
        "export": measure_export(client),
        "trends_rollup": compare_rollup(),
    }


# The analysts' view: counts, trends, export -------------------------------------


def measure_analysts(client: Any, samples: int) -> dict[str, Any]:
    """The list with two filters (its bounded count) and the trends page."""
    from articles.trends import newest_day

    newest = newest_day()
    year_ago = newest.replace(year=newest.year - 1).isoformat() if newest else ""
    topic = workload.TOPICS[0]
    pages = {
        "list, 2 filters": urlencode({"topic": topic, "sentiment": "Positive"}),
        "trends": "",
        "trends, topic": urlencode({"topic": topic}),
        "trends, search": urlencode({"q": workload.SEARCH_TERMS[0]}),
        "trends, 1 year": urlencode({"date_from": year_ago}),
    }
    return {
        name: _measure(
            client,
            lambda _, name=name, query=query: project.url(
                "articles:list" if name.startswith("list") else "articles:trends",
                query=query,
            ),
            samples,
        )
        for name, query in pages.items()
    }


def measure_export(client: Any) -> dict[str, Any]:
    """Every article as CSV through the export view: time, bytes, peak memory.

    Python's allocations are traced (tracemalloc) while the response streams,
    so the peak is what the export held at once, not the process's size.
    """
    import tracemalloc

    url = project.url("articles:export", query="format=csv")
    tracemalloc.start()
    began = time.perf_counter()
    response = client.get(url)
    size = rows = 0
    for piece in response.streaming_content:
        size += len(piece)
        rows += piece.count(b"\n")
    elapsed = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "format": "csv",
        "seconds": round(elapsed, 1),
        "megabytes": round(size / 1e6, 1),
        "lines": rows,
        "rows_per_second": round(rows / elapsed) if elapsed else None,
        "peak_traced_mb": round(peak / 1e6, 1),
    }


ROLLUP_SQL = """
    CREATE TEMPORARY TABLE trend_rollup AS
    SELECT (publication_date AT TIME ZONE 'UTC')::date AS day, topic, category,
           sentiment, time_to_impact, driver_type, news_source, count(*) AS n
    FROM articles WHERE publication_date IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7
"""
SETS = """GROUPING SETS ((b, sentiment), (b, category), (b, topic),
    (b, driver_type), (time_to_impact), (news_source))"""


def compare_rollup() -> dict[str, Any]:
    """The trends aggregate from the articles' covering index, and from a rollup.

    The rollup is the one a write path would keep current: a row per day and
    combination of the filterable columns. Both answer the same question (the
    default 90-day window, and every day) in the same GROUPING SETS query.
    """
    from django.db import connections

    from articles.trends import newest_day

    newest = newest_day()
    if newest is None:
        return {}
    start = newest.toordinal() - 89
    windows = {"90 days": start, "all": 1}
    with connections["analytics"].cursor() as cursor:
        began = time.perf_counter()
        cursor.execute(ROLLUP_SQL)
        built = time.perf_counter() - began
        cursor.execute("SELECT count(*) FROM trend_rollup")
        rollup_rows = cursor.fetchone()[0]
        cursor.execute("CREATE INDEX ON trend_rollup (day)")
        cursor.execute("ANALYZE trend_rollup")
        results: dict[str, Any] = {
            "rollup_rows": rollup_rows,
            "rollup_build_seconds": round(built, 1),
        }
        for label, first in windows.items():
            since = _ordinal_date(first)
            plain = _timed(
                cursor,
                "SELECT date_trunc('day', publication_date AT TIME ZONE 'UTC')::date"
                " AS b, sentiment, category, topic, driver_type, time_to_impact,"
                f" news_source, count(*) FROM articles WHERE publication_date >= %s"
                f" GROUP BY {SETS}",
                since,
            )
            rolled = _timed(
                cursor,
                "SELECT day AS b, sentiment, category, topic, driver_type,"
                " time_to_impact, news_source, sum(n) FROM trend_rollup"
                f" WHERE day >= %s GROUP BY {SETS}",
                since,
            )
            results[label] = {
                "index_ms": plain,
                "rollup_ms": rolled,
                "rollup_vs_index": round(plain / rolled, 2) if rolled else None,
            }
        cursor.execute("DROP TABLE trend_rollup")
    return results


def _ordinal_date(ordinal: int) -> Any:
    from datetime import date

    return date.fromordinal(ordinal)


def _timed(cursor: Any, sql: str, since: Any, repeats: int = 5) -> float:
    timings = []
    for _ in range(repeats):
        began = time.perf_counter()
        cursor.execute(sql, [since])
        cursor.fetchall()
        timings.append(time.perf_counter() - began)
    return round(sorted(timings)[len(timings) // 2] * 1000, 1)


# Generating ------------------------------------------------------------------------


def _hash(expression: str, modulo: int | str) -> str:
    # A stable pseudo-random integer in [0, modulo); mod() rather than % keeps
    # the statement free of anything psycopg would read as a placeholder.
    return f"mod(abs(hashint8({expression})::bigint), {modulo})"


def _word(i: str, k: int) -> str:
    # As in bench.workload: a topical word one time in five, filler otherwise.
    h = f"{i} * 1009 + {k}"
    share = round(1 / workload.TOPICAL_SHARE)
    return (
        f"CASE WHEN {_hash(f'{h} + 500', share)} = 0 THEN w[1 + {_hash(h, 'n')}]"
        f" ELSE f[1 + {_hash(h, 'm')}] END"
    )


def _words(i: str, start: int, count: int) -> str:
    return (
        "concat_ws(' ', " + ", ".join(_word(i, start + k) for k in range(count)) + ")"
    )


def _insert_sql() -> str:
    words = "ARRAY[" + ", ".join(f"'{w}'" for w in workload.WORDS) + "]"
    filler = "ARRAY[" + ", ".join(f"'{w}'" for w in workload.FILLER) + "]"

    def pick(values: tuple[str, ...], k: int) -> str:
        array = "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"
        return f"({array})[1 + {_hash(f'i * 13 + {k}', len(values))}]"

    def sentence(start: int, count: int) -> str:
        return f"{_words('i', start, count)} || '.'"

    summary = " || ' ' || ".join(sentence(100 + 20 * k, 14) for k in range(3))
    return f"""
        INSERT INTO articles (uri, title, news_source, publication_date,
            submission_date, summary, category, future_signal,
            future_signal_explanation, sentiment, sentiment_explanation,
            time_to_impact, time_to_impact_explanation, tags,
            driver_type, driver_type_explanation, topic, analyzed, bias,
            factual_reporting, topic_alignment_score, keyword_relevance_score,
            confidence_score, ingest_status, quality_score, auto_ingested)
        SELECT 'https://news.example/scale/' || i,
            initcap({_words("i", 0, 9)}),
            {pick(workload.SOURCES, 1)},
            timestamptz '2016-01-01 00:00:00+00' + i * interval '4 minutes'
                + {_hash("i", 240)} * interval '1 second',
            timestamptz '2016-01-01 06:00:00+00' + i * interval '4 minutes',
            {summary},
            {pick(workload.CATEGORIES, 2)},
            {pick(workload.SIGNALS, 3)},
            {sentence(200, 12)},
            {pick(workload.SENTIMENTS, 4)},
            {sentence(220, 12)},
            {pick(workload.TIMES, 5)},
            {sentence(240, 12)},
            {_words("i", 300, 5).replace("' '", "', '")},
            {pick(workload.DRIVERS, 6)},
            {sentence(260, 12)},
            {pick(workload.TOPICS, 7)},
            mod(i, 10) <> 0,
            {pick(("Left-Center", "Least Biased", "Right-Center"), 8)},
            {pick(("High", "Mostly Factual", "Very High"), 9)},
            {_hash("i * 3", 1000000)} / 1000000.0,
            {_hash("i * 5", 1000000)} / 1000000.0,
            {_hash("i * 7", 10000)} / 10000.0,
            'approved', {_hash("i * 11", 1000)} / 1000.0, mod(i, 3) = 0
        FROM generate_series(%s::bigint, %s::bigint) AS i,
             (SELECT {words} AS w, {len(workload.WORDS)} AS n,
                     {filler} AS f, {len(workload.FILLER)} AS m) AS vocabulary
    """


def generate(articles: int) -> None:
    """Load ``articles`` rows quickly: indexes off, two sessions, indexes back on."""
    import psycopg

    from bench.environment import analytics_dsn

    dsn = analytics_dsn()
    with psycopg.connect(**dsn, autocommit=True) as conn:
        definitions = _drop_secondary_indexes(conn)
    bounds = _split(articles, LOAD_SESSIONS)
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_load_range, args=(dsn, low, high, errors))
        for low, high in bounds
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with psycopg.connect(**dsn, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        for definition in definitions:
            conn.execute(definition)
        conn.execute("VACUUM ANALYZE articles")
    if errors:
        raise errors[0]


def _split(total: int, parts: int) -> list[tuple[int, int]]:
    size = -(-total // parts)
    return [(low, min(total, low + size - 1)) for low in range(1, total + 1, size)]


def _load_range(
    dsn: dict[str, Any], low: int, high: int, errors: list[BaseException]
) -> None:
    import psycopg

    try:
        with psycopg.connect(**dsn, autocommit=True) as conn:
            conn.execute("SET synchronous_commit = off")
            step = 50_000
            for start in range(low, high + 1, step):
                conn.execute(_insert_sql(), (start, min(high, start + step - 1)))
    except BaseException as exc:  # noqa: BLE001  re-raised by the caller's thread
        errors.append(exc)


def _drop_secondary_indexes(conn: Any) -> list[str]:
    rows = conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i"
        " JOIN pg_class c ON c.relname = i.indexname"
        " JOIN pg_index x ON x.indexrelid = c.oid"
        " WHERE i.tablename = 'articles' AND i.schemaname = current_schema()"
        " AND NOT x.indisprimary AND NOT x.indisunique"
    ).fetchall()
    for name, _ in rows:
        conn.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in rows]


# Measuring -------------------------------------------------------------------------


def _client() -> Any:
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username=BENCH_USER))
    return client


def _search_url(turn: int) -> str:
    term = workload.SEARCH_TERMS[turn % len(workload.SEARCH_TERMS)]
    return project.url("articles:list", query=urlencode({"q": term}))


@contextmanager
def _recording_queries() -> Any:
    """Keep the slowest statement sent to ``analytics`` and the total time spent."""
    from django.db import connections

    record: dict[str, Any] = {"slowest": (0.0, "", None), "total": 0.0}

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - began
            record["total"] += elapsed
            if elapsed > record["slowest"][0] and not many:
                record["slowest"] = (elapsed, sql, params)

    with connections["analytics"].execute_wrapper(wrapper):
        yield record


def _measure(client: Any, url_for: Any, samples: int) -> dict[str, Any]:
    # Warm-up: every distinct URL once (connections, templates, and the rows a
    # search reads), so the figures are the steady state; those first requests,
    # the cold cost, are reported beside them.
    urls = list(dict.fromkeys(url_for(turn) for turn in range(samples)))
    first: list[float] = []
    for url in urls:
        began = time.perf_counter()
        client.get(url)
        first.append(time.perf_counter() - began)
    timings, database, errors = [], [], []
    with _recording_queries() as record:
        for turn in range(samples):
            record["total"] = 0.0
            began = time.perf_counter()
            response = client.get(url_for(turn))
            elapsed = time.perf_counter() - began
            if response.status_code == 200:
                timings.append(elapsed)
                database.append(record["total"])
            else:
                errors.append(f"HTTP {response.status_code}")
    summary = stats.latency_summary(timings)
    # How much of the server time PostgreSQL answered for (the rest is Python).
    summary["analytics_sql_p95_ms"] = stats.latency_summary(database)["p95_ms"]
    summary.update(
        {
            "errors": len(errors),
            "first_request_ms": [round(value * 1000, 1) for value in first],
            "url": url_for(0),
            "_slowest": record["slowest"] if record["slowest"][1] else None,
        }
    )
    return summary


NEXT_LINK = re.compile(
    r'<a\b(?=[^>]*\brel="next")[^>]*\bhref="([^"]+)"|<link\b(?=[^>]*\brel="next")[^>]*\bhref="([^"]+)"',
    re.IGNORECASE,
)
NEXT_TEXT = re.compile(
    r'<a\b[^>]*\bhref="([^"]+)"[^>]*>\s*(?:next|older)\b', re.IGNORECASE
)


def next_link(page_url: str, body: str) -> str | None:
    """The href of the page's "next" link, resolved against the page's URL."""
    match = NEXT_LINK.search(body) or NEXT_TEXT.search(body)
    if not match:
        return None
    href = html.unescape(next(group for group in match.groups() if group))
    return urljoin(page_url, href)


def _deep_page(client: Any, samples: int) -> dict[str, Any]:
    url = project.url("articles:list")
    began = time.perf_counter()
    page = 1
    while page < DEEP_PAGE:
        response = client.get(url)
        following = next_link(url, response.content.decode("utf-8", "replace"))
        if following is None:
            break
        url, page = following, page + 1
    walked = time.perf_counter() - began
    summary = _measure(client, lambda _: url, samples)
    summary["page_reached"] = page
    summary["walk_seconds"] = round(walked, 1)
    if page < DEEP_PAGE:
        summary["note"] = f"the list ends (or has no next link) at page {page}"
    return summary


def _explain(sql: str, params: Any) -> list[str]:
    from django.db import connections

    with connections["analytics"].cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return [row[0] for row in cursor.fetchall()]
