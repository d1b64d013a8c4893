"""The legacy architecture, reproduced faithfully enough to measure it.

Everything lives in one SQLite file with the legacy schema of release 2025-10,
as ``legacy.schema`` declares it. Connections are opened the way the legacy
app's ``Database.get_connection`` opened them: ``sqlite3.connect(path,
timeout=5)``, then foreign keys on, WAL, ``synchronous=NORMAL``, a 50,000-page
cache and ``busy_timeout=30000``. The 2025-10 legacy file in ``shared/legacy``
is itself in WAL mode (header bytes 18 and 19 are 2), which confirms the
journal mode; ``journal="delete"`` gives the older releases' rollback journal
instead.

Writes follow ``BulkResearch.save_bulk_articles`` of that release: the batch is
cut into groups of five articles, each group one transaction, and each article
one ``INSERT OR REPLACE`` into ``articles`` plus one into ``raw_articles`` when
it has markdown. The legacy app also slept 0.2 s between groups "to allow other
operations" (``LEGACY_PAUSE_S``): the benchmark measures the legacy side both
ways, as it wrote (with the pause) and at its best (without it).

Reads are the legacy article list and keyword search: an exact ``COUNT(*)``
for the pager, then one page ordered by submission date, with ``LIKE`` over
title, summary and tags for the search. They are timed as SQL only (no page
rendering), which flatters the legacy side too.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from legacy.schema import TABLES, create_legacy_schema

LEGACY_GROUP_SIZE = 5
# The legacy app's pause between groups, which it took to let readers and other
# writers at the file.
LEGACY_PAUSE_S = 0.2
PAGE_SIZE = 25

ARTICLE_COLUMNS = TABLES["articles"].columns()

INSERT_ARTICLE = (
    f"INSERT OR REPLACE INTO articles ({', '.join(ARTICLE_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in ARTICLE_COLUMNS)})"
)
INSERT_RAW = (
    "INSERT OR REPLACE INTO raw_articles (uri, raw_markdown, topic, last_updated) "
    "VALUES (?, ?, ?, CURRENT_TIMESTAMP)"
)
LIST_COUNT = "SELECT COUNT(*) FROM articles"
LIST_PAGE = "SELECT * FROM articles ORDER BY submission_date DESC LIMIT ? OFFSET ?"
SEARCH_WHERE = "WHERE title LIKE ? OR summary LIKE ? OR tags LIKE ?"
SEARCH_COUNT = f"SELECT COUNT(*) FROM articles {SEARCH_WHERE}"
SEARCH_PAGE = (
    f"SELECT * FROM articles {SEARCH_WHERE} "
    "ORDER BY submission_date DESC LIMIT ? OFFSET ?"
)


def create_database(path: Path, *, journal: str = "wal") -> None:
    """A new legacy file holding the legacy schema (no rows)."""
    path.unlink(missing_ok=True)
    conn = connect(path, journal=journal)
    try:
        create_legacy_schema(conn, "2025-10")
        conn.commit()
    finally:
        conn.close()


def connect(path: Path, *, journal: str = "wal") -> sqlite3.Connection:
    """A connection set up like the legacy app's ``Database.get_connection``."""
    conn = sqlite3.connect(str(path), timeout=5)
    for pragma in (
        "PRAGMA foreign_keys = ON",
        f"PRAGMA journal_mode = {journal.upper()}",
        "PRAGMA synchronous = NORMAL",
        "PRAGMA temp_store = MEMORY",
        "PRAGMA mmap_size = 30000000000",
        "PRAGMA cache_size = 50000",
        "PRAGMA busy_timeout = 30000",
        "PRAGMA wal_autocheckpoint = 1000",
    ):
        conn.execute(pragma)
    return conn


def _text_date(value: Any) -> Any:
    # The legacy app stored CURRENT_TIMESTAMP-shaped text.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def _row(article: dict[str, Any]) -> tuple[Any, ...]:
    values = []
    for column in ARTICLE_COLUMNS:
        value = _text_date(article.get(column))
        values.append(int(value) if isinstance(value, bool) else value)
    return tuple(values)


def save_batch(
    conn: sqlite3.Connection, articles: list[dict[str, Any]], *, pause: float = 0.0
) -> tuple[int, list[BaseException]]:
    """Save a batch the legacy way: five articles per transaction, one row at a time.

    As in the legacy app, a group that fails is rolled back and reported, and the
    next group is still attempted; ``pause`` seconds pass between groups
    (``LEGACY_PAUSE_S`` is what the legacy app waited). Returns (articles saved,
    errors).
    """
    saved = 0
    errors: list[BaseException] = []
    for start in range(0, len(articles), LEGACY_GROUP_SIZE):
        if start and pause:
            time.sleep(pause)
        group = articles[start : start + LEGACY_GROUP_SIZE]
        try:
            _save_group(conn, group)
        except sqlite3.Error as exc:
            conn.rollback()
            errors.append(exc)
        else:
            saved += len(group)
    return saved, errors


def _save_group(conn: sqlite3.Connection, group: list[dict[str, Any]]) -> None:
    for article in group:
        conn.execute(INSERT_ARTICLE, _row(article))
        if article.get("raw_markdown"):
            conn.execute(
                INSERT_RAW, (article["uri"], article["raw_markdown"], article["topic"])
            )
    conn.commit()


def load_list(conn: sqlite3.Connection) -> int:
    total = conn.execute(LIST_COUNT).fetchone()[0]
    conn.execute(LIST_PAGE, (PAGE_SIZE, 0)).fetchall()
    return int(total)


def search(conn: sqlite3.Connection, term: str) -> int:
    pattern = f"%{term}%"
    total = conn.execute(SEARCH_COUNT, (pattern, pattern, pattern)).fetchone()[0]
    conn.execute(SEARCH_PAGE, (pattern, pattern, pattern, PAGE_SIZE, 0)).fetchall()
    return int(total)
