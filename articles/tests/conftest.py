"""Legacy files for the migration tests, and a runner for the migration commands.

``legacy_file`` builds a small file holding exactly the rows a test names, in the
legacy application's own DDL (2025-10 or the older 2025-03), so a test can plant
one dirty value and look for it. ``generated_legacy`` builds a whole dirty file
with the project's generator and returns it with its ``GeneratedFacts``.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

ARTICLE_COLUMNS_2025_03 = (
    "uri TEXT PRIMARY KEY",
    "title TEXT",
    "news_source TEXT",
    "publication_date TEXT",
    "submission_date TEXT DEFAULT CURRENT_TIMESTAMP",
    "summary TEXT",
    "category TEXT",
    "future_signal TEXT",
    "future_signal_explanation TEXT",
    "sentiment TEXT",
    "sentiment_explanation TEXT",
    "time_to_impact TEXT",
    "time_to_impact_explanation TEXT",
    "tags TEXT",
    "driver_type TEXT",
    "driver_type_explanation TEXT",
    "topic TEXT",
    "analyzed BOOLEAN DEFAULT FALSE",
)
ARTICLE_COLUMNS_ADDED = (
    "bias TEXT",
    "factual_reporting TEXT",
    "mbfc_credibility_rating TEXT",
    "bias_source TEXT",
    "bias_country TEXT",
    "press_freedom TEXT",
    "media_type TEXT",
    "popularity TEXT",
    "topic_alignment_score REAL",
    "keyword_relevance_score REAL",
    "confidence_score REAL",
    "overall_match_explanation TEXT",
    "extracted_article_topics TEXT",
    "extracted_article_keywords TEXT",
    'ingest_status TEXT DEFAULT "manual"',
    "quality_score REAL",
    "quality_issues TEXT",
    "auto_ingested BOOLEAN DEFAULT FALSE",
)
CHILD_DDL = {
    "raw_articles": """CREATE TABLE raw_articles (
        uri TEXT PRIMARY KEY, raw_markdown TEXT,
        submission_date TEXT DEFAULT CURRENT_TIMESTAMP, last_updated TEXT, topic TEXT,
        FOREIGN KEY (uri) REFERENCES articles(uri) ON DELETE CASCADE)""",
    "keyword_article_matches": """CREATE TABLE keyword_article_matches (
        id INTEGER PRIMARY KEY AUTOINCREMENT, article_uri TEXT NOT NULL,
        keyword_ids TEXT NOT NULL, group_id INTEGER NOT NULL,
        detected_at TEXT DEFAULT CURRENT_TIMESTAMP, is_read INTEGER DEFAULT 0,
        below_threshold INTEGER DEFAULT 0, UNIQUE(article_uri, group_id))""",
    "keyword_alerts": """CREATE TABLE keyword_alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT, keyword_id INTEGER NOT NULL,
        article_uri TEXT NOT NULL, detected_at TEXT DEFAULT CURRENT_TIMESTAMP,
        is_read INTEGER DEFAULT 0, UNIQUE(keyword_id, article_uri))""",
    "article_analysis_cache": """CREATE TABLE article_analysis_cache (
        id INTEGER PRIMARY KEY AUTOINCREMENT, article_uri TEXT NOT NULL,
        analysis_type TEXT NOT NULL, content TEXT NOT NULL, model_used TEXT NOT NULL,
        generated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, expires_at TIMESTAMP,
        metadata TEXT, UNIQUE(article_uri, analysis_type, model_used))""",
    "article_annotations": """CREATE TABLE article_annotations (
        id INTEGER PRIMARY KEY AUTOINCREMENT, article_uri TEXT NOT NULL,
        author TEXT NOT NULL, content TEXT NOT NULL, is_private BOOLEAN DEFAULT FALSE,
        created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
        updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)""",
    "mediabias": """CREATE TABLE mediabias (
        source TEXT PRIMARY KEY, country TEXT, bias TEXT, factual_reporting TEXT,
        press_freedom TEXT, media_type TEXT, popularity TEXT,
        mbfc_credibility_rating TEXT, enabled BOOLEAN DEFAULT FALSE,
        last_updated TEXT DEFAULT CURRENT_TIMESTAMP,
        updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)""",
    "users": """CREATE TABLE users (
        username TEXT PRIMARY KEY, password_hash TEXT NOT NULL,
        force_password_change BOOLEAN DEFAULT 0,
        completed_onboarding BOOLEAN DEFAULT 0)""",
}
TABLES_2025_03 = ("raw_articles", "keyword_article_matches", "keyword_alerts",
                  "article_annotations", "users")  # fmt: skip


def create_legacy_tables(
    conn: sqlite3.Connection,
    *,
    schema: str = "2025-10",
    shuffled: bool = False,
    extra_article_columns: Iterable[str] = (),
) -> None:
    """The legacy tables, as that release's app creates them."""
    columns = list(ARTICLE_COLUMNS_2025_03)
    if schema == "2025-10":
        columns += ARTICLE_COLUMNS_ADDED
    columns += [f"{name} TEXT" for name in extra_article_columns]
    if shuffled:  # another installation's ALTER TABLE history
        head, rest = columns[:1], columns[1:]
        random.Random(7).shuffle(rest)
        columns = rest[:5] + head + rest[5:]
    conn.execute(f"CREATE TABLE articles ({', '.join(columns)})")
    for table, ddl in CHILD_DDL.items():
        if schema == "2025-10" or table in TABLES_2025_03:
            if schema != "2025-10" and table == "keyword_article_matches":
                ddl = ddl.replace(" below_threshold INTEGER DEFAULT 0,", "")
            conn.execute(ddl)


def insert_rows(
    conn: sqlite3.Connection, table: str, rows: Iterable[Mapping[str, Any]]
) -> None:
    for row in rows:
        names = ", ".join(f'"{name}"' for name in row)
        marks = ", ".join("?" * len(row))
        conn.execute(
            f'INSERT INTO "{table}" ({names}) VALUES ({marks})', list(row.values())
        )


def write_legacy_file(
    path: Path,
    rows: Mapping[str, Iterable[Mapping[str, Any]]],
    *,
    schema: str = "2025-10",
    shuffled: bool = False,
    extra_article_columns: Iterable[str] = (),
) -> Path:
    with closing(sqlite3.connect(path)) as conn:
        create_legacy_tables(
            conn, schema=schema, shuffled=shuffled,
            extra_article_columns=extra_article_columns,
        )  # fmt: skip
        for table, table_rows in rows.items():
            insert_rows(conn, table, table_rows)
        conn.commit()
    return path


def article(number: int, **values: Any) -> dict[str, Any]:
    """A clean 2025-10 article row; keyword arguments plant what a test needs."""
    row: dict[str, Any] = {
        "uri": f"https://news.example/{number}",
        "title": f"Title {number}",
        "news_source": "example.com",
        "publication_date": "2025-10-07 09:47:34",
        "submission_date": "2025-10-07 10:00:00",
        "summary": f"Summary of article {number}",
        "tags": "ai, policy",
        "analyzed": 1,
        "topic_alignment_score": 0.8123456789012345,
    }
    row.update(values)
    return row


@pytest.fixture
def legacy_file(tmp_path: Path) -> Callable[..., Path]:
    """``legacy_file({"articles": [...], ...}, schema=..., name=...)`` -> its path."""
    counter = iter(range(1_000_000))

    def build(rows: Mapping[str, Iterable[Mapping[str, Any]]], **options: Any) -> Path:
        name = options.pop("name", None) or f"legacy_{next(counter)}.db"
        return write_legacy_file(tmp_path / name, rows, **options)

    return build


@dataclass
class CommandResult:
    code: int
    out: str
    err: str


def run_command(name: str, *args: str) -> CommandResult:
    """Run a management command as an operator would; never raises for its exit."""
    from django.core.management.base import CommandError

    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    except CommandError as exc:
        err.write(str(exc))
        code = exc.returncode
    return CommandResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def migrate_articles() -> Callable[..., CommandResult]:
    return lambda *args: run_command("migrate_articles", *args)


@pytest.fixture
def validate_migration() -> Callable[..., CommandResult]:
    return lambda *args: run_command("validate_migration", *args)


@pytest.fixture
def generated_legacy(tmp_path: Path) -> Callable[..., tuple[Path, Any]]:
    """``generated_legacy(articles=60, **options)`` -> (path, GeneratedFacts)."""
    generate = pytest.importorskip("articles.legacy.generate")

    def build(**options: Any) -> tuple[Path, Any]:
        path = tmp_path / options.pop("name", "generated.db")
        options.setdefault("articles", 60)
        facts = generate.generate_legacy_file(path, **options)
        return path, facts

    return build
