"""Keyword monitoring on what is stored: match a keyword against every article.

The write path (:mod:`articles.bulk`) matches each article as it is saved; a
keyword added or changed later would otherwise never see the articles already
stored. Adding or changing a keyword asks for a :class:`KeywordScan`, and one
SQL statement per keyword finds the stored articles that mention it and
creates their matches and alerts (:func:`match_stored_articles`).

How an article is found. A scan checks every stored article with the write
path's own rule (:mod:`articles.keywords`: whole words, case-insensitive,
accents significant) against its title, summary and raw markdown, in SQL, so
it finds exactly what saving each article again would find: a mention only in
the body included. That reads every article (minutes at a million, which is
why large tables scan in the background). ``use_index=True`` lets the
GIN-indexed search vector (title, tags, summary) pick candidates first, much
faster for a rare keyword but blind to mentions only in the body or split
differently by the index (inside a URL); the benchmark compares the two.

Where it runs. A scan is a row of ``keyword_scans``: with few stored articles
(``KEYWORD_SCAN_INLINE_LIMIT``) it runs at once, in the request that asked for
it; otherwise a thread of the web process runs it, and ``manage.py
run_keyword_scans`` runs whatever is pending (after a restart, or from cron).
A worker claims a scan with ``FOR UPDATE SKIP LOCKED`` and commits the matches,
the alerts and the scan's counts together, so a worker that dies leaves the
scan pending, its work rolled back, for the next worker to run whole. Running a
scan twice changes nothing the second time.

The SQL is written by hand, here, because the ORM cannot say "insert what this
query finds, merging ``keyword_ids``" in one statement.
"""

from __future__ import annotations

import logging
import string
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from articles.keywords import normalise
from articles.models import SEARCH_CONFIG, KeywordScan
from aunoo.routers import ANALYTICS_DB
from config_app.models import MonitoredKeyword

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanCounts:
    """What matching one keyword against the stored articles found and added."""

    articles_matched: int = 0
    matches_created: int = 0
    matches_merged: int = 0
    alerts_created: int = 0


# --- matching ----------------------------------------------------------------


def keyword_pattern(keyword: str) -> str:
    """The write path's whole-word rule as a PostgreSQL regular expression.

    Applied to the lower-cased text: the keyword lower-cased, each run of
    whitespace in it matching any run in the text, ASCII punctuation escaped
    (a backslash before any other character starts an escape in PostgreSQL).
    """
    words = [
        "".join(f"\\{char}" if char in string.punctuation else char for char in word)
        for word in keyword.lower().split()
    ]
    body = r"\s+".join(words)
    return f"(^|[^[:alnum:]_]){body}($|[^[:alnum:]_])"


# The article's text as articles.keywords reads it (title, summary, raw
# markdown), lower-cased; the pattern treats any run of whitespace as one.
_TEXT = "lower(concat_ws(' ', a.title, a.summary, r.raw_markdown))"

_MATCH_SQL = """
WITH found AS MATERIALIZED (
    SELECT a.uri
    FROM articles AS a
    LEFT JOIN raw_articles AS r ON r.uri = a.uri
    -- The substring test is a cheap necessary condition for the expression.
    WHERE {candidates} strpos({text}, %(first_word)s) > 0 AND {text} ~ %(pattern)s
),
matches AS (
    INSERT INTO keyword_article_matches AS m
        (article_uri, group_id, keyword_ids, detected_at, is_read, below_threshold)
    SELECT found.uri, %(group_id)s, %(keyword_id)s::text, now(), false, false
    FROM found
    ORDER BY found.uri
    ON CONFLICT (article_uri, group_id) DO UPDATE SET
        keyword_ids = (
            SELECT string_agg(id::text, ',' ORDER BY id)
            FROM (
                SELECT DISTINCT btrim(part)::bigint AS id
                FROM unnest(
                    string_to_array(m.keyword_ids || ',' || EXCLUDED.keyword_ids, ',')
                ) AS part
                WHERE btrim(part) ~ '^[0-9]{{1,18}}$'
            ) AS ids
        ),
        -- A new keyword for the group is news: surface the match again.
        detected_at = EXCLUDED.detected_at,
        is_read = false
    -- Only when the keyword is new to the match, so a second scan is a no-op.
    WHERE NOT %(keyword_id)s::bigint = ANY(ARRAY(
        SELECT btrim(part)::bigint
        FROM unnest(string_to_array(m.keyword_ids, ',')) AS part
        WHERE btrim(part) ~ '^[0-9]{{1,18}}$'
    ))
    RETURNING (xmax = 0) AS created
),
alerts AS (
    INSERT INTO keyword_alerts (keyword_id, article_uri, detected_at, is_read)
    SELECT %(keyword_id)s, found.uri, now(), false
    FROM found
    ORDER BY found.uri
    ON CONFLICT (keyword_id, article_uri) DO NOTHING
    RETURNING 1
)
SELECT
    (SELECT count(*) FROM found),
    (SELECT count(*) FILTER (WHERE created) FROM matches),
    (SELECT count(*) FILTER (WHERE NOT created) FROM matches),
    (SELECT count(*) FROM alerts)
"""

_INDEXED = "a.search_vector @@ phraseto_tsquery(%(config)s::regconfig, %(keyword)s) AND"


def has_index_terms(keyword: str) -> bool:
    """Whether the search index can look ``keyword`` up (not only stop words)."""
    with connections[ANALYTICS_DB].cursor() as cursor:
        cursor.execute(
            "SELECT numnode(phraseto_tsquery(%s::regconfig, %s)) > 0",
            [SEARCH_CONFIG, keyword],
        )
        return bool(cursor.fetchone()[0])


def match_stored_articles(
    keyword_id: int, group_id: int, keyword: str, *, use_index: bool = False
) -> ScanCounts:
    """Match one keyword against every stored article, in one statement.

    Creates or merges the group's match of each article that mentions it and
    the keyword's alert. ``use_index=True`` takes the search index's candidates
    only (see the module: faster, misses mentions only in the body); it is
    there for the benchmark.
    """
    if not normalise(keyword):
        return ScanCounts()
    indexed = use_index and has_index_terms(keyword)
    sql = _MATCH_SQL.format(candidates=_INDEXED if indexed else "", text=_TEXT)
    params: dict[str, str | int] = {
        "config": SEARCH_CONFIG,
        "keyword": keyword,
        "pattern": keyword_pattern(keyword),
        "first_word": keyword.lower().split()[0],
        "group_id": group_id,
        "keyword_id": keyword_id,
    }
    with connections[ANALYTICS_DB].cursor() as cursor:
        cursor.execute(sql, params)
        found, created, merged, alerts = cursor.fetchone()
    return ScanCounts(found, created, merged, alerts)


# --- scans: the jobs -------------------------------------------------------------


def request_scans(keywords: Iterable[MonitoredKeyword]) -> list[KeywordScan]:
    """Ask for each keyword to be matched against the stored articles."""
    now = timezone.now()
    scans = [
        KeywordScan(
            keyword_id=keyword.pk,
            group_id=keyword.group_id,
            keyword=keyword.keyword,
            requested_at=now,
        )
        for keyword in keywords
    ]
    return KeywordScan.objects.bulk_create(scans)


def run_next_scan() -> KeywordScan | None:
    """Claim the oldest pending scan no other worker holds, run it, finish it.

    Returns the scan, or None when none is waiting. A scan whose keyword was
    removed, or changed since it was asked for, finishes without matching (the
    change asked for a scan of its own).
    """
    with transaction.atomic(using=ANALYTICS_DB):
        scan = (
            KeywordScan.objects.select_for_update(skip_locked=True)
            .filter(finished_at__isnull=True)
            .order_by("requested_at", "id")
            .first()
        )
        if scan is None:
            return None
        scan.started_at = timezone.now()
        try:
            with transaction.atomic(using=ANALYTICS_DB):
                _run(scan)
        except DatabaseError as exc:
            logger.exception("keyword scan %s failed", scan.pk)
            scan.error = f"{type(exc).__name__}: {exc}".strip()
        scan.finished_at = timezone.now()
        scan.save()
    if not scan.error:
        MonitoredKeyword.objects.filter(pk=scan.keyword_id).update(
            last_checked=scan.finished_at
        )
    return scan


def _run(scan: KeywordScan) -> None:
    current = (
        MonitoredKeyword.objects.filter(pk=scan.keyword_id)
        .values_list("keyword", flat=True)
        .first()
    )
    if current is None:
        scan.error = "the keyword was removed before its scan ran"
        return
    if current != scan.keyword:
        scan.error = f"the keyword became “{current}” before its scan ran"
        return
    counts = match_stored_articles(scan.keyword_id, scan.group_id, scan.keyword)
    scan.articles_matched = counts.articles_matched
    scan.matches_created = counts.matches_created + counts.matches_merged
    scan.alerts_created = counts.alerts_created


def run_pending_scans(limit: int | None = None) -> list[KeywordScan]:
    """Run pending scans until none is left (or ``limit`` have run)."""
    done: list[KeywordScan] = []
    while limit is None or len(done) < limit:
        scan = run_next_scan()
        if scan is None:
            break
        done.append(scan)
    return done


# --- where scans run ---------------------------------------------------------------

_worker_lock = threading.Lock()
_worker: threading.Thread | None = None


def stored_article_estimate() -> int:
    """PostgreSQL's estimate of the stored articles: no count of a large table."""
    with connections[ANALYTICS_DB].cursor() as cursor:
        cursor.execute(
            "SELECT greatest(reltuples, 0)::bigint FROM pg_class "
            "WHERE oid = 'articles'::regclass"
        )
        estimate = int(cursor.fetchone()[0])
        if estimate == 0:
            # Never analysed yet (a new or small table): count, it is small.
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM articles LIMIT %s) s",
                [settings.KEYWORD_SCAN_INLINE_LIMIT + 1],
            )
            estimate = int(cursor.fetchone()[0])
    return estimate


def start_scans(keywords: Iterable[MonitoredKeyword]) -> bool:
    """Ask for scans of ``keywords`` and start them; True if they already ran.

    On a small table they run now, in this request; on a large one a thread of
    this process runs them (see :func:`run_in_background`).
    """
    scans = request_scans(keywords)
    if not scans:
        return True
    if stored_article_estimate() <= settings.KEYWORD_SCAN_INLINE_LIMIT:
        run_pending_scans()
        return True
    run_in_background()
    return False


def run_in_background() -> threading.Thread:
    """A thread of this process running every pending scan, started if none is."""
    global _worker
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_drain, name="keyword-scans", daemon=True)
            _worker.start()
        return _worker


def _drain() -> None:
    try:
        run_pending_scans()
    except Exception:
        # A thread's exception would vanish; the scans stay pending for the
        # next worker.
        logger.exception("keyword scans stopped")
    finally:
        connections.close_all()
