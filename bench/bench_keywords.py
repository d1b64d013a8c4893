"""Keyword monitoring on what is stored: one keyword against every stored article.

The articles come from the scale benchmark's generator (title, tags, summary
from the news vocabulary), each with a raw markdown body of about 1 KB made of
its title, summary and the analysis sentences, so a keyword can be mentioned in
the body only. Three ways to match one keyword are timed side by side, each in
a transaction that is rolled back so every one starts from the same tables:

* ``sql_indexed``: what the app runs (``articles.stored_matches``): search-index
  candidates, the write path's whole-word rule, one ``INSERT ... SELECT``;
* ``sql_full``: the same statement checking every article and its body;
* ``python``: every article's title, summary and body read in batches
  (server-side cursor) and matched row by row by ``articles.keywords``, then the
  matches and alerts written with the write path's statements.

``found`` says how many articles each way matched: the indexed way misses the
mentions that are only in the body, which the full scan and Python find.
"""

from __future__ import annotations

import time
from typing import Any

from bench import bench_scale, project

KEYWORDS = ("hydrogen", "central bank", "wildfire season")
PYTHON_KEYWORDS = ("hydrogen",)
GROUP_ID = 1
FETCH = 5_000

_RAW_SQL = """
INSERT INTO raw_articles (uri, raw_markdown, submission_date, last_updated, topic)
SELECT uri,
    '# ' || title || E'\\n\\n' || summary || E'\\n\\n' || future_signal_explanation
        || ' ' || sentiment_explanation || E'\\n\\n' || time_to_impact_explanation
        || ' ' || driver_type_explanation,
    submission_date, submission_date, topic
FROM articles WHERE uri >= %s AND uri < %s
"""


def run(*, articles: int, quick: bool) -> dict[str, Any]:
    project.reset_analytics()
    print(f"   generating {articles:,} articles with bodies...", flush=True)
    began = time.monotonic()
    bench_scale.generate(articles)
    _add_bodies()
    generated = time.monotonic() - began
    results: dict[str, Any] = {
        "articles": articles,
        "generate_seconds": round(generated, 1),
        "keywords": {},
    }
    for keyword in KEYWORDS:
        ways = {
            "sql_indexed": lambda k=keyword: _sql(k, use_index=True),
            "sql_full": lambda k=keyword: _sql(k, use_index=False),
        }
        if keyword in PYTHON_KEYWORDS:
            ways["python"] = lambda k=keyword: _python(k)
        measured = {name: _timed(way) for name, way in ways.items()}
        base = measured["sql_indexed"]["seconds"]
        for item in measured.values():
            item["x_indexed"] = round(item["seconds"] / max(base, 1e-9), 1)
        results["keywords"][keyword] = measured
        print(f"   “{keyword}”: {measured}", flush=True)
    return results


def _add_bodies() -> None:
    from django.db import connections

    with connections["analytics"].cursor() as cursor:
        # uri order is text order: 'scale/1' < 'scale/10' < 'scale/2'; one pass.
        cursor.execute(_RAW_SQL, ["", "\uffff"])
        cursor.execute("VACUUM ANALYZE raw_articles")


def _timed(way: Any) -> dict[str, Any]:
    from django.db import connections, transaction

    with transaction.atomic(using="analytics"):
        began = time.monotonic()
        found = way()
        seconds = time.monotonic() - began
        transaction.set_rollback(True, using="analytics")
    connections["analytics"].close()
    return {"seconds": round(seconds, 2), "found": found}


def _sql(keyword: str, *, use_index: bool) -> int:
    from articles.stored_matches import match_stored_articles

    counts = match_stored_articles(9_000_000, GROUP_ID, keyword, use_index=use_index)
    return counts.articles_matched


def _python(keyword: str) -> int:
    from django.db import connections

    from articles import bulk
    from articles.keywords import Keyword, KeywordMatcher

    matcher = KeywordMatcher([Keyword(id=9_000_001, group_id=GROUP_ID, text=keyword)])
    matched: dict[tuple[str, int], set[int]] = {}
    connection = connections["analytics"]
    connection.ensure_connection()
    with connection.connection.cursor(name="every_article") as rows:
        rows.itersize = FETCH
        rows.execute(
            "SELECT a.uri, a.title, a.summary, r.raw_markdown FROM articles a "
            "LEFT JOIN raw_articles r ON r.uri = a.uri"
        )
        for uri, title, summary, raw in rows:
            for group_id, ids in matcher.match(title, summary, raw).items():
                matched[(uri, group_id)] = ids
    with connection.cursor() as cursor:
        items = sorted(matched.items())
        for start in range(0, len(items), FETCH):
            batch = dict(items[start : start + FETCH])
            bulk._merge_matches(cursor, batch)
            bulk._add_alerts(cursor, batch)
    return len(matched)
