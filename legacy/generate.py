"""Build legacy-format ``fnaapp.db`` files of any size for tests and benchmarks.

The files look like the legacy application's SQLite database: every table is
created with the exact ``CREATE TABLE`` text of the real 2025-10 or 2025-03 copy
(later columns arrive by ``ALTER TABLE``, as they did there), row sizes follow
the real data, and a dirty file holds a fixed catalogue of the values a
migration must survive. :class:`GeneratedFacts` says exactly what was written::

    facts = generate_legacy_file(tmp_path / "fnaapp.db", articles=300)
    facts.expected_rows("articles")        # rows written minus planted rejects
    facts.conversions["articles"]          # {"unparseable date": 2, ...}

Command line, no Django settings needed::

    python -m legacy.generate OUT.db --articles 20000 [--schema 2025-03]
        [--clean] [--seed S] [--column-order shuffled] [--extra-article-column X]

Vocabulary
----------
The words are the migration's own (``legacy.convert`` issues and
``legacy.rows`` reject reasons), so its report compares directly.

Reject reasons, ``facts.rejects[table]``, each with the row's legacy key:

``"null key"``                the primary key is NULL (SQLite allows it).
``"duplicate key"``           the key equals an earlier row's once NULs are
                              removed; the later row (higher rowid) is the reject.
``"article does not exist"``  an orphan: raw_articles, keyword_article_matches,
                              keyword_alerts or article_annotations pointing at no
                              article. article_analysis_cache orphans are legal.
``"required value missing"``  a NOT NULL column holds text that is not an
                              integer (``group_id = 'abc'``).

Conversions, ``facts.conversions[table][category]``, counted per value in rows
that are not rejected:

``"empty to null"``           ``''`` in a date, number or boolean column.
``"unparseable date"``        no date shape fits (``'yesterday'``); NULL.
``"invalid boolean"``         not a boolean spelling (``'maybe'``); NULL.
``"non-number"``              text in a REAL column (``'n/a'``); NULL.
``"nul removed"``             NUL characters dropped from text (keys included).
``"invalid utf-8 repaired"``  TEXT holding bytes that are not UTF-8.
``"invalid json"``            metadata that is not JSON; kept as a JSON string.

Everything planted is also in ``facts.planted``: table, key, column, a ``kind``
label (``"date rfc 2822"``, ``"emoji"``, ``"copy null marker"``...), the stored
value (``bytes`` for invalid UTF-8) and the value the migrated row should hold.
``conversion=None`` means the value must arrive unchanged or parse cleanly:
ISO, RFC 2822 and epoch dates, ``'true'``/``'yes'`` booleans, 17-digit scores,
exact text. Expected dates are aware UTC datetimes (naive means UTC); invalid
UTF-8 bytes are expected read as Windows-1252, as the migration reads them.

Not planted: a number stored as text in a REAL column (``'0.75'``). SQLite's
column affinity turns it into a REAL on insert, so no legacy file can hold one.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import json
import math
import operator
import os
import random
import re
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import bcrypt

from legacy.convert import (
    EMPTY_TO_NULL,
    INVALID_BOOLEAN,
    INVALID_JSON,
    NON_NUMBER,
    NUL_REMOVED,
    UNPARSEABLE_DATE,
)
from legacy.convert import INVALID_UTF8_REPAIRED as INVALID_UTF8
from legacy.rows import DUPLICATE_KEY, NULL_KEY, ORPHAN, REQUIRED_MISSING
from legacy.source import ANALYTICS_TABLES

Value = str | int | float | bytes | None
Row = dict[str, Value]

SCHEMAS = ("2025-10", "2025-03")
COLUMN_ORDERS = ("legacy", "shuffled")

# The migration's own vocabulary: what it must report for each planted value.
REJECT_REASONS = (NULL_KEY, DUPLICATE_KEY, ORPHAN, REQUIRED_MISSING)

CONVERSIONS = (
    EMPTY_TO_NULL,
    UNPARSEABLE_DATE,
    INVALID_BOOLEAN,
    NON_NUMBER,
    NUL_REMOVED,
    INVALID_UTF8,
    INVALID_JSON,
)

# Analytics-like tables the migration leaves behind (it must at least list
# them); the ones it moves are source.ANALYTICS_TABLES.
UNMIGRATED_TABLES = ("feed_items", "signal_instructions", "signal_alerts")

# Known logins of every generated file.
PASSWORDS = {"admin": "admin-password", "analyst": "analyst-password"}

DIRTY_URI = "https://dirty.example"
# 2025-10-07 09:49:32 UTC, the newest submission in the real 2025-10 file.
NOW = 1_759_830_572
WHEN = datetime(2025, 10, 7, 9, 49, 32, tzinfo=UTC)

_CHUNK = 2_000  # articles per transaction: a few MB of rows, constant memory
_RAW_SHARE = 0.5
_RAW_MIN, _RAW_MAX = 874, 65_003
# Log-normal fitted to the real file: median 15 KB, 90th percentile 36 KB,
# mean 19 KB once cut to the real extremes.
_RAW_MU, _RAW_SIGMA = 9.70, 0.67
_ANALYZED_SHARE = 0.6
_MATCH_SHARE = 0.62
_ALERT_SHARE = 0.6
_CACHE_SHARE = 0.1
_ANNOTATION_SHARE = 0.02
_SIGNAL_SHARE = 0.05
_MEDIABIAS_ROWS = 4_435  # as in the real file, whatever the article count
_SEQUENCE_HEADROOM = 100_000
_BCRYPT_ROUNDS = 4  # the legacy app uses 12; 4 keeps tests fast
_TWO_YEARS = 2 * 365 * 86_400
_USER_VERSION = {"2025-10": 2, "2025-03": 0}
_JOURNAL_MODE = {"2025-10": "WAL", "2025-03": "DELETE"}
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


# --- schema ---------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """One legacy table: its CREATE TABLE text, split so it can be reproduced.

    ``body`` holds the column and constraint lines without their indentation;
    ``added`` the columns a later release added with ALTER TABLE, which SQLite
    appends to the stored text just as it did in the real files.
    """

    name: str
    indent: int
    close: int
    body: str
    added: tuple[str, ...] = ()
    head: str = ""

    def create_sql(self) -> str:
        head = self.head or f"CREATE TABLE {self.name} ("
        lines = "\n".join(" " * self.indent + line for line in self.body.splitlines())
        return f"{head}\n{lines}\n{' ' * self.close})"

    def alter_sql(self) -> list[str]:
        return [f"ALTER TABLE {self.name} ADD COLUMN {column}" for column in self.added]

    def shuffled(self, rng: random.Random) -> _Table:
        """The same columns in another order, as in an installation that added
        them in another order; constraints stay last."""
        lines = [line.rstrip(",") for line in self.body.splitlines()]
        columns = [line for line in lines if not line.startswith(_CONSTRAINTS)]
        constraints = [line for line in lines if line.startswith(_CONSTRAINTS)]
        order = list(columns)
        while order == columns:
            rng.shuffle(order)
        added = list(self.added)
        rng.shuffle(added)
        return replace(self, body=",\n".join(order + constraints), added=tuple(added))


_CONSTRAINTS = ("FOREIGN KEY", "UNIQUE(", "PRIMARY KEY (", "CHECK")


_ARTICLES = _Table(
    name="articles",
    indent=20,
    close=16,
    body="""\
uri TEXT PRIMARY KEY,
title TEXT,
news_source TEXT,
publication_date TEXT,
submission_date TEXT DEFAULT CURRENT_TIMESTAMP,
summary TEXT,
category TEXT,
future_signal TEXT,
future_signal_explanation TEXT,
sentiment TEXT,
sentiment_explanation TEXT,
time_to_impact TEXT,
time_to_impact_explanation TEXT,
tags TEXT,
driver_type TEXT,
driver_type_explanation TEXT,
topic TEXT,
analyzed BOOLEAN DEFAULT FALSE""",
    added=(
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
    ),
)

_RAW_ARTICLES = _Table(
    name="raw_articles",
    indent=20,
    close=16,
    body="""\
uri TEXT PRIMARY KEY,
raw_markdown TEXT,
submission_date TEXT DEFAULT CURRENT_TIMESTAMP,
last_updated TEXT,
topic TEXT,
FOREIGN KEY (uri) REFERENCES articles(uri) ON DELETE CASCADE""",
)

_KEYWORD_ARTICLE_MATCHES = _Table(
    name="keyword_article_matches",
    indent=24,
    close=20,
    body="""\
id INTEGER PRIMARY KEY AUTOINCREMENT,
article_uri TEXT NOT NULL,
keyword_ids TEXT NOT NULL,  -- Comma-separated list of keyword IDs
group_id INTEGER NOT NULL,
detected_at TEXT DEFAULT CURRENT_TIMESTAMP,
is_read INTEGER DEFAULT 0, below_threshold INTEGER DEFAULT 0,
FOREIGN KEY (article_uri) REFERENCES articles(uri) ON DELETE CASCADE,
FOREIGN KEY (group_id) REFERENCES keyword_groups(id) ON DELETE CASCADE,
UNIQUE(article_uri, group_id)""",
)

_KEYWORD_ALERTS = _Table(
    name="keyword_alerts",
    indent=20,
    close=16,
    body="""\
id INTEGER PRIMARY KEY AUTOINCREMENT,
keyword_id INTEGER NOT NULL,
article_uri TEXT NOT NULL,
detected_at TEXT DEFAULT CURRENT_TIMESTAMP,
is_read INTEGER DEFAULT 0,
FOREIGN KEY (keyword_id) REFERENCES monitored_keywords(id) ON DELETE CASCADE,
FOREIGN KEY (article_uri) REFERENCES articles(uri) ON DELETE CASCADE,
UNIQUE(keyword_id, article_uri)""",
)

_ARTICLE_ANALYSIS_CACHE = _Table(
    name="article_analysis_cache",
    indent=36,
    close=32,
    head='CREATE TABLE "article_analysis_cache" (',
    body="""\
id INTEGER PRIMARY KEY AUTOINCREMENT,
article_uri TEXT NOT NULL,
analysis_type TEXT NOT NULL,
content TEXT NOT NULL,
model_used TEXT NOT NULL,
generated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
expires_at TIMESTAMP,
metadata TEXT,
UNIQUE(article_uri, analysis_type, model_used)""",
)

_ARTICLE_ANNOTATIONS = _Table(
    name="article_annotations",
    indent=20,
    close=16,
    body="""\
id INTEGER PRIMARY KEY AUTOINCREMENT,
article_uri TEXT NOT NULL,
author TEXT NOT NULL,
content TEXT NOT NULL,
is_private BOOLEAN DEFAULT FALSE,
created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
FOREIGN KEY (article_uri) REFERENCES articles(uri) ON DELETE CASCADE""",
)

_MEDIABIAS = _Table(
    name="mediabias",
    indent=20,
    close=16,
    body="""\
source TEXT PRIMARY KEY,
country TEXT,
bias TEXT,
factual_reporting TEXT,
press_freedom TEXT,
media_type TEXT,
popularity TEXT,
mbfc_credibility_rating TEXT,
enabled BOOLEAN DEFAULT FALSE,
last_updated TEXT DEFAULT CURRENT_TIMESTAMP""",
    added=("updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP",),
)

_MEDIABIAS_SETTINGS = _Table(
    name="mediabias_settings",
    indent=20,
    close=16,
    body="""\
id INTEGER PRIMARY KEY CHECK (id = 1),
enabled BOOLEAN DEFAULT 0,
last_updated TIMESTAMP,
source_file TEXT""",
)

_USERS = _Table(
    name="users",
    indent=20,
    close=16,
    body="""\
username TEXT PRIMARY KEY,
password_hash TEXT NOT NULL,
force_password_change BOOLEAN DEFAULT 0,
completed_onboarding BOOLEAN DEFAULT 0""",
)

_OAUTH_USERS = _Table(
    name="oauth_users",
    indent=4,
    close=0,
    body="""\
id INTEGER PRIMARY KEY AUTOINCREMENT,
email TEXT NOT NULL,
name TEXT,
provider TEXT NOT NULL,
provider_id TEXT,
avatar_url TEXT,
created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
last_login TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
is_active BOOLEAN DEFAULT TRUE,
UNIQUE(email, provider)""",
)

_OAUTH_SESSIONS = _Table(
    name="oauth_sessions",
    indent=4,
    close=0,
    body="""\
id INTEGER PRIMARY KEY AUTOINCREMENT,
user_id INTEGER,
session_token TEXT UNIQUE,
provider TEXT,
created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
expires_at TIMESTAMP,
last_accessed TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
FOREIGN KEY (user_id) REFERENCES oauth_users (id)""",
)

_OAUTH_ALLOWLIST = _Table(
    name="oauth_allowlist",
    indent=24,
    close=20,
    body="""\
id INTEGER PRIMARY KEY AUTOINCREMENT,
email TEXT UNIQUE NOT NULL,
added_by TEXT,
added_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
is_active BOOLEAN DEFAULT TRUE""",
)

_KEYWORD_GROUPS = _Table(
    name="keyword_groups",
    indent=16,
    close=12,
    body="""\
id INTEGER PRIMARY KEY AUTOINCREMENT,
name TEXT NOT NULL UNIQUE,
topic TEXT NOT NULL,
created_at TEXT DEFAULT CURRENT_TIMESTAMP""",
    added=(
        "provider TEXT DEFAULT 'news'",
        "source TEXT NOT NULL DEFAULT 'news'",
    ),
)

_MONITORED_KEYWORDS = _Table(
    name="monitored_keywords",
    indent=16,
    close=12,
    body="""\
id INTEGER PRIMARY KEY AUTOINCREMENT,
group_id INTEGER NOT NULL,
keyword TEXT NOT NULL,
created_at TEXT DEFAULT CURRENT_TIMESTAMP,
last_checked TEXT,
FOREIGN KEY (group_id) REFERENCES keyword_groups(id) ON DELETE CASCADE,
UNIQUE(group_id, keyword)""",
)

_KEYWORD_MONITOR_SETTINGS = _Table(
    name="keyword_monitor_settings",
    indent=28,
    close=24,
    body="""\
id INTEGER PRIMARY KEY,
check_interval INTEGER NOT NULL DEFAULT 15,
interval_unit INTEGER NOT NULL DEFAULT 60,
search_fields TEXT NOT NULL DEFAULT 'title,description,content',
language TEXT NOT NULL DEFAULT 'en',
sort_by TEXT NOT NULL DEFAULT 'publishedAt',
page_size INTEGER NOT NULL DEFAULT 10,
is_enabled BOOLEAN NOT NULL DEFAULT 1,
daily_request_limit INTEGER NOT NULL DEFAULT 100,
search_date_range INTEGER NOT NULL DEFAULT 7""",
    added=(
        "provider TEXT NOT NULL DEFAULT 'newsapi'",
        "auto_ingest_enabled BOOLEAN NOT NULL DEFAULT FALSE",
        "min_relevance_threshold REAL NOT NULL DEFAULT 0.0",
        "quality_control_enabled BOOLEAN NOT NULL DEFAULT TRUE",
        "auto_save_approved_only BOOLEAN NOT NULL DEFAULT FALSE",
        'default_llm_model TEXT NOT NULL DEFAULT "gpt-4o-mini"',
        "llm_temperature REAL NOT NULL DEFAULT 0.1",
        "llm_max_tokens INTEGER NOT NULL DEFAULT 1000",
        "max_articles_per_run INTEGER DEFAULT 50",
    ),
)

_KEYWORD_MONITOR_STATUS = _Table(
    name="keyword_monitor_status",
    indent=28,
    close=24,
    body="""\
id INTEGER PRIMARY KEY,
last_check_time TEXT,
last_error TEXT,
requests_today INTEGER DEFAULT 0,
last_reset_date TEXT""",
)

_FEED_KEYWORD_GROUPS = _Table(
    name="feed_keyword_groups",
    indent=4,
    close=0,
    body="""\
id INTEGER PRIMARY KEY AUTOINCREMENT,
name TEXT NOT NULL,
description TEXT,
color TEXT DEFAULT '#FF69B4',
is_active BOOLEAN DEFAULT TRUE,
created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP""",
)

_USER_FEED_SUBSCRIPTIONS = _Table(
    name="user_feed_subscriptions",
    indent=4,
    close=0,
    body="""\
id INTEGER PRIMARY KEY AUTOINCREMENT,
user_id INTEGER DEFAULT 1, -- For now, single user system
group_id INTEGER NOT NULL,
notification_enabled BOOLEAN DEFAULT TRUE,
created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
FOREIGN KEY (group_id) REFERENCES feed_keyword_groups(id) ON DELETE CASCADE""",
)

_MIGRATIONS = _Table(
    name="migrations",
    indent=24,
    close=20,
    body="""\
id INTEGER PRIMARY KEY,
name TEXT UNIQUE,
applied_at TEXT DEFAULT CURRENT_TIMESTAMP""",
)

_FEED_ITEMS = _Table(
    name="feed_items",
    indent=12,
    close=8,
    body="""\
id INTEGER PRIMARY KEY AUTOINCREMENT,
source_type TEXT NOT NULL CHECK (source_type IN ('bluesky', 'arxiv', 'thenewsapi')),
source_id TEXT NOT NULL,
group_id INTEGER NOT NULL,
title TEXT NOT NULL,
content TEXT,
author TEXT,
author_handle TEXT,
url TEXT NOT NULL,
publication_date TIMESTAMP,
engagement_metrics TEXT,
tags TEXT,
mentions TEXT,
images TEXT,
is_hidden BOOLEAN DEFAULT FALSE,
is_starred BOOLEAN DEFAULT FALSE,
created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
FOREIGN KEY (group_id) REFERENCES feed_keyword_groups(id) ON DELETE CASCADE,
UNIQUE(source_type, source_id, group_id)""",
)

_SIGNAL_INSTRUCTIONS = _Table(
    name="signal_instructions",
    indent=24,
    close=20,
    body="""\
id INTEGER PRIMARY KEY AUTOINCREMENT,
name TEXT NOT NULL UNIQUE,
description TEXT,
instruction TEXT NOT NULL,
topic TEXT,
is_active BOOLEAN DEFAULT TRUE,
created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP""",
)

_SIGNAL_ALERTS = _Table(
    name="signal_alerts",
    indent=24,
    close=20,
    body="""\
id INTEGER PRIMARY KEY AUTOINCREMENT,
article_uri TEXT NOT NULL,
instruction_id INTEGER NOT NULL,
instruction_name TEXT NOT NULL,
confidence REAL NOT NULL,
threat_level TEXT NOT NULL,
summary TEXT,
detected_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
is_acknowledged BOOLEAN DEFAULT FALSE,
acknowledged_at TIMESTAMP,
FOREIGN KEY (instruction_id) REFERENCES signal_instructions(id) ON DELETE CASCADE,
UNIQUE(article_uri, instruction_id)""",
)

_KEYWORD_ARTICLE_MATCHES_2025_03 = _Table(
    name="keyword_article_matches",
    indent=24,
    close=20,
    body="""\
id INTEGER PRIMARY KEY AUTOINCREMENT,
article_uri TEXT NOT NULL,
keyword_ids TEXT NOT NULL,  -- Comma-separated list of keyword IDs
group_id INTEGER NOT NULL,
detected_at TEXT DEFAULT CURRENT_TIMESTAMP,
is_read INTEGER DEFAULT 0,
FOREIGN KEY (article_uri) REFERENCES articles(uri) ON DELETE CASCADE,
FOREIGN KEY (group_id) REFERENCES keyword_groups(id) ON DELETE CASCADE,
UNIQUE(article_uri, group_id)""",
)

# Not in either real copy: the legacy docs mention a `config (name, content)`
# table that some installations have. Dirty 2025-10 files carry one.
_CONFIG = _Table(
    name="config",
    indent=4,
    close=0,
    body="""\
name TEXT PRIMARY KEY,
content TEXT""",
)

# Creation order of the real files, so sqlite_master reads the same.
_SCHEMA_TABLES: dict[str, tuple[_Table, ...]] = {
    "2025-10": (
        _ARTICLES,
        _KEYWORD_ALERTS,
        _MIGRATIONS,
        _KEYWORD_GROUPS,
        _MONITORED_KEYWORDS,
        _KEYWORD_ARTICLE_MATCHES,
        _KEYWORD_MONITOR_SETTINGS,
        _KEYWORD_MONITOR_STATUS,
        _USERS,
        _RAW_ARTICLES,
        _ARTICLE_ANNOTATIONS,
        _MEDIABIAS,
        _MEDIABIAS_SETTINGS,
        _OAUTH_USERS,
        _OAUTH_SESSIONS,
        _OAUTH_ALLOWLIST,
        _FEED_KEYWORD_GROUPS,
        _USER_FEED_SUBSCRIPTIONS,
        _FEED_ITEMS,
        _ARTICLE_ANALYSIS_CACHE,
        _SIGNAL_INSTRUCTIONS,
        _SIGNAL_ALERTS,
    ),
    # The 2025-03 release had none of the later ALTER TABLE columns.
    "2025-03": tuple(
        replace(table, added=())
        for table in (
            _ARTICLES,
            _KEYWORD_ALERTS,
            _MIGRATIONS,
            _KEYWORD_GROUPS,
            _MONITORED_KEYWORDS,
            _KEYWORD_ARTICLE_MATCHES_2025_03,
            _ARTICLE_ANNOTATIONS,
            _KEYWORD_MONITOR_SETTINGS,
            _KEYWORD_MONITOR_STATUS,
            _USERS,
            _RAW_ARTICLES,
        )
    ),
}
_SHUFFLED_TABLES = frozenset({"articles", "raw_articles"})

# Indexes and the trigger come after the rows: building an index once is much
# faster than keeping it up to date through every insert.
_ARTICLES_URI_INDEX = (
    "CREATE UNIQUE INDEX idx_articles_uri \n"
    "                ON articles(uri)\n"
    "            "
)
_ANNOTATIONS_TRIGGER = (
    "CREATE TRIGGER update_article_annotations_timestamp \n"
    "                AFTER UPDATE ON article_annotations\n"
    "                BEGIN\n"
    "                    UPDATE article_annotations \n"
    "                    SET updated_at = CURRENT_TIMESTAMP \n"
    "                    WHERE id = NEW.id;\n"
    "                END"
)
_SCHEMA_INDEXES: dict[str, tuple[str, ...]] = {
    "2025-10": (
        _ARTICLES_URI_INDEX,
        "CREATE INDEX idx_mediabias_source ON mediabias(source)",
        "CREATE INDEX idx_articles_bias ON articles(bias)",
        "CREATE INDEX idx_articles_factual_reporting ON articles(factual_reporting)",
        "CREATE INDEX idx_oauth_users_email_provider ON oauth_users (email, provider)",
        "CREATE INDEX idx_oauth_users_provider ON oauth_users (provider)",
        "CREATE INDEX idx_oauth_users_active ON oauth_users (is_active)",
        "CREATE INDEX idx_articles_ingest_status ON articles(ingest_status)",
        "CREATE INDEX idx_articles_auto_ingested ON articles(auto_ingested)",
        "CREATE INDEX idx_articles_quality_score ON articles(quality_score)",
        "CREATE INDEX idx_user_feed_subscriptions_group_id "
        "ON user_feed_subscriptions(group_id)",
        "CREATE INDEX idx_feed_items_group_id ON feed_items(group_id)",
        "CREATE INDEX idx_feed_items_source_type ON feed_items(source_type)",
        "CREATE INDEX idx_feed_items_publication_date ON feed_items(publication_date)",
        "CREATE INDEX idx_feed_items_is_hidden ON feed_items(is_hidden)",
        "CREATE INDEX idx_feed_items_is_starred ON feed_items(is_starred)",
        _ANNOTATIONS_TRIGGER,
    ),
    "2025-03": (_ARTICLES_URI_INDEX, _ANNOTATIONS_TRIGGER),
}


# --- facts ----------------------------------------------------------------


@dataclass(frozen=True)
class Reject:
    """A planted row the migration must refuse, by its legacy key."""

    key: Value
    reason: str


@dataclass(frozen=True)
class Planted:
    """One dirty value written on purpose, and what the migration should make of it."""

    table: str
    key: Value
    column: str
    kind: str
    stored: Value
    conversion: str | None
    expected: object


@dataclass(frozen=True)
class GeneratedFacts:
    """What a generated file holds, for tests to assert migration results against.

    ``rows`` counts every table of the file; ``rejects`` and ``conversions`` hold
    only what was planted on purpose (empty for a clean file), in the vocabulary
    of the module docstring.
    """

    path: Path
    schema: str
    dirty: bool
    seed: int
    column_order: str
    rows: dict[str, int]
    columns: dict[str, tuple[str, ...]]
    extra_article_columns: tuple[str, ...]
    rejects: dict[str, list[Reject]]
    conversions: dict[str, dict[str, int]]
    planted: list[Planted]
    sequences: dict[str, int]
    passwords: dict[str, str]
    deleted_keyword_ids: tuple[int, ...]
    analytics_tables: tuple[str, ...]
    unmigrated_tables: tuple[str, ...]
    file_bytes: int
    seconds: float

    def expected_rows(self, table: str) -> int:
        """Rows a correct migration lands in ``table``."""
        return self.rows.get(table, 0) - len(self.rejects.get(table, ()))

    def summary(self) -> str:
        kind = "dirty" if self.dirty else "clean"
        lines = [
            f"{self.path}: schema {self.schema}, {kind}, seed {self.seed}, "
            f"{self.column_order} column order",
            f"{self.file_bytes / 1e6:,.1f} MB in {self.seconds:.1f} s",
            "rows:",
            *(f"  {table:<26}{count:>12,}" for table, count in self.rows.items()),
        ]
        if self.rejects:
            lines.append("planted rejects:")
            lines += [
                f"  {table}: {reject.reason}, key {reject.key!r}"
                for table, rejects in self.rejects.items()
                for reject in rejects
            ]
        if self.conversions:
            lines.append("planted conversions:")
            lines += [
                f"  {table}: " + ", ".join(f"{name} {n}" for name, n in counts.items())
                for table, counts in self.conversions.items()
            ]
        logins = ", ".join(f"{user} / {word}" for user, word in self.passwords.items())
        lines.append(f"logins: {logins}")
        return "\n".join(lines) + "\n"


# --- text -----------------------------------------------------------------

_WORDS = (
    "the", "the", "the", "of", "of", "and", "and", "to", "to", "in", "in", "a",
    "a", "for", "on", "with", "as", "by", "is", "that", "from", "at", "its",
    "new", "will", "has", "after", "energy", "climate", "market", "policy",
    "report", "global", "power", "solar", "wind", "carbon", "emissions",
    "investors", "shares", "growth", "government", "said", "analysts",
    "according", "data", "companies", "technology", "AI", "research", "model",
    "chips", "demand", "prices", "supply", "grid", "transition", "renewable",
    "capacity", "project", "billion", "million", "percent", "year", "week",
    "officials", "regulators", "industry", "sector", "risk", "storage",
    "battery", "electric", "vehicles", "deal", "agreement", "strategy",
    "security", "rates", "inflation", "economy", "trade", "tariffs",
    "production", "oil", "gas", "nuclear", "hydrogen", "infrastructure",
    "investment", "funding", "startup", "launch", "platform", "network",
    "users", "customers", "quarter", "revenue", "profit", "record", "higher",
    "lower", "expected", "announced", "plans", "warned", "could", "would",
    "more", "than", "over", "about", "into", "while", "during", "under",
    "across", "European", "Chinese", "American", "Australian", "Tesla",
    "Nvidia", "OpenAI", "NextEra", "Nasdaq", "ASX", "S&P", "500", "2025",
    "4,000", "3.5%", "Q3", "U.S.", "(AP)", "Reuters", "--", "\u00d8rsted",
    "caf\u00e9", "S\u00e3o", "Z\u00fcrich", "M\u00fcnchen", "\u2014", "it\u2019s",
)  # fmt: skip
_SLUG_WORDS = tuple(
    word.lower() for word in _WORDS if word.isascii() and word.isalpha()
)
_SOURCES = (
    "headtopics", "yahoo", "thestreet", "menafn", "themarketsdaily",
    "manilatimes", "financialcontent", "westernjournal", "theborneopost",
    "startribune", "openpr", "electrek", "iolaregister", "reuters",
    "bloomberg", "theguardian", "bbc", "cnbc", "investing", "marketwatch",
    "techcrunch", "theverge", "wired", "apnews", "nytimes", "politico", "axios",
)  # fmt: skip
_TOPICS = ("Climate Change", "AI and Machine Learning", "Energy Markets", "Cyber")
_CATEGORIES = (
    "Technological Innovations",
    "Climate Finance and Investment",
    "Policy and Regulation",
    "Extreme Weather Events",
    "Corporate Strategy",
)
_FUTURE_SIGNALS = (
    "Successful global emissions reduction",
    "Climate change accelerates extreme weather",
    "Climate change effects stabilize",
    "AI will accelerate",
    "AI is hype",
    "",
)
_SENTIMENTS = ("Positive", "Neutral", "Neutral", "Negative", "Critical")
_TIMES_TO_IMPACT = (
    "Immediate (0-6 months)",
    "Short-term (6-18 months)",
    "Mid-term (18-60 months)",
    "Long-term (60+ months)",
)
_DRIVER_TYPES = ("Accelerator", "Inhibitor", "Catalyst", "Blocker", "Delayer")
_TAGS = (
    "transmissionline", "powergrid", "NextEraEnergy", "InstitutionalInvestment",
    "RenewableEnergy", "StockAcquisition", "energysector", "AIregulation", "chips",
    "datacenters", "emissions", "carbonmarkets", "heatwave", "flooding", "EVs",
    "batteries", "hydrogen", "nuclear", "solar", "wind", "policy", "tariffs",
)  # fmt: skip
_BIASES = ("left", "left-center", "least biased", "right-center", "right")
_FACTUAL = ("very high", "high", "mostly factual", "mixed", "low")
_CREDIBILITY = ("high credibility", "medium credibility", "low credibility")
_COUNTRIES = ("usa", "uk", "australia", "germany", "india", "unknown")
_PRESS_FREEDOM = ("mostly free", "moderate freedom", "excellent freedom", "")
_MEDIA_TYPES = ("newspaper", "tv station", "website", "magazine", "news agency")
_POPULARITY = ("high traffic", "medium traffic", "minimal traffic")
_TLDS = ("com", "com", "co.uk", "com.au", "org", "net", "de")
_MODELS = ("gpt-4o-mini", "gpt-4.1-mini", "claude-3-5-sonnet")
_ANALYSIS_TYPES = ("summary", "insights", "signals")
_SIGNALS = ((1, "Regulatory shift"), (2, "Supply shock"), (3, "Disinformation"))


class _TextPool:
    """A long text that values are cut from.

    Slicing one pre-built text is far faster than composing each value word by
    word, and a 20 KB markdown costs one copy.
    """

    def __init__(self, text: str, sep: str = " ") -> None:
        self.text = text
        # Values start at a word so they read like text, not noise.
        self._starts = [0, *(i + 1 for i, char in enumerate(text) if char == sep)]

    def take(self, rng: random.Random, length: int) -> str:
        length = min(length, len(self.text))
        usable = bisect.bisect_right(self._starts, len(self.text) - length)
        start = self._starts[int(rng.random() * usable)]
        return self.text[start : start + length]


def _prose(rng: random.Random, size: int) -> str:
    sentences: list[str] = []
    total = 0
    while total < size:
        sentence = " ".join(rng.choices(_WORDS, k=rng.randint(6, 24)))
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
        total += len(sentences[-1]) + 1
    return " ".join(sentences)


def _markdown(rng: random.Random, prose: _TextPool, size: int) -> str:
    """Scraped-page markdown: headings, paragraphs, link lists and images."""
    blocks: list[str] = []
    total = 0
    while total < size:
        roll = rng.random()
        if roll < 0.1:
            block = "## " + prose.take(rng, rng.randint(20, 70)).strip()
        elif roll < 0.18:
            block = "\n".join(
                f"- [{prose.take(rng, rng.randint(15, 50)).strip()}]"
                f"(https://www.example.com/news/{rng.randint(1000, 99999)})"
                for _ in range(rng.randint(2, 6))
            )
        elif roll < 0.22:
            block = f"![](https://cdn.example.com/img/{rng.randint(1, 10**6)}.jpg)"
        else:
            block = prose.take(rng, rng.randint(200, 1200)).strip()
        blocks.append(block)
        total += len(block) + 2
    return "\n\n".join(blocks)


def _lognormal(
    rng: random.Random, median: int, sigma: float, low: int, high: int
) -> int:
    drawn = int(rng.lognormvariate(math.log(median), sigma))
    return min(high, max(low, drawn))


def _raw_length(rng: random.Random) -> int:
    # Redraw rather than clamp, so the extremes do not pile up.
    while True:
        length = int(rng.lognormvariate(_RAW_MU, _RAW_SIGMA))
        if _RAW_MIN <= length <= _RAW_MAX:
            return length


def _sqlite_time(moment: float) -> str:
    """The shape of SQLite's CURRENT_TIMESTAMP (UTC)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(moment))


def _day(moment: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(moment))


def _iso_micro(moment: float) -> str:
    """The shape of Python's datetime.now().isoformat(), naive."""
    micro = int(moment % 1 * 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{micro:06d}"


# --- ordinary rows --------------------------------------------------------


class _Ids:
    """Row ids: consecutive in clean files, sparse in dirty ones, where years of
    deletes left gaps."""

    def __init__(self, rng: random.Random, *, sparse: bool) -> None:
        self._rng = rng
        self._sparse = sparse
        self._next: dict[str, int] = {}

    def take(self, table: str) -> int:
        value = self._next.get(table) or self._first()
        gap = 1
        if self._sparse and self._rng.random() < 0.05:
            gap += self._rng.randint(1, 40)
        self._next[table] = value + gap
        return value

    def _first(self) -> int:
        return self._rng.randint(100, 5_000) if self._sparse else 1


@dataclass(frozen=True)
class _Group:
    id: int
    name: str
    topic: str
    keyword_ids: tuple[int, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class _KeywordLayout:
    """Keyword groups and keywords; dirty files have ids of deleted keywords."""

    groups: tuple[_Group, ...]
    deleted_keyword_ids: tuple[int, ...]

    def group_rows(self) -> list[Row]:
        return [
            {
                "id": group.id,
                "name": group.name,
                "topic": group.topic,
                "created_at": "2025-10-07 09:47:34",
                "provider": "news",
                "source": "news",
            }
            for group in self.groups
        ]

    def keyword_rows(self) -> list[Row]:
        return [
            {
                "id": keyword_id,
                "group_id": group.id,
                "keyword": keyword,
                "created_at": "2025-10-07 09:52:15",
                "last_checked": "2025-10-07T13:58:44.182473",
            }
            for group in self.groups
            for keyword_id, keyword in zip(
                group.keyword_ids, group.keywords, strict=True
            )
        ]


_KEYWORD_SETS = (
    (
        "Climate Change",
        "Climate Change",
        "Tesla|NextEra Energy|\u00d8rsted|Solar Power|Wind Energy|Carbon Capture"
        "|Global Warming|Sustainability|Greta Thunberg",
    ),
    ("AI", "AI and Machine Learning", "AI|OpenAI|Nvidia|AI regulation|LLM"),
    ("Energy", "Energy Markets", "oil price|LNG|grid storage|hydrogen|uranium"),
    ("Cyber", "Cyber", "ransomware|zero-day|phishing|data breach"),
)


def _keyword_layout(rng: random.Random, *, sparse: bool) -> _KeywordLayout:
    # Real ids: group 80, keywords 422-434, with 409 and 410 deleted but still
    # referenced by keyword_ids.
    group_id, keyword_id = (77, 409) if sparse else (1, 1)
    deleted = [409, 410] if sparse else []
    keyword_id += len(deleted)
    groups = []
    for name, topic, words in _KEYWORD_SETS:
        keywords = tuple(words.split("|"))
        ids = []
        for _ in keywords:
            if sparse and rng.random() < 0.15:
                deleted.append(keyword_id)
                keyword_id += 1
            ids.append(keyword_id)
            keyword_id += 1
        groups.append(_Group(group_id, name, topic, tuple(ids), keywords))
        group_id += 1 + (rng.randint(1, 3) if sparse else 0)
    return _KeywordLayout(tuple(groups), tuple(deleted))


# The columns an article has before the LLM analysis fills them: NULL, as in
# the real file (the 18 later columns are NULL for rows older than them too).
_UNANALYZED: Row = {
    **dict.fromkeys((
        "category", "future_signal", "future_signal_explanation", "sentiment",
        "sentiment_explanation", "time_to_impact", "time_to_impact_explanation",
        "tags", "driver_type", "driver_type_explanation", "bias",
        "factual_reporting", "mbfc_credibility_rating", "bias_source",
        "bias_country", "press_freedom", "media_type", "popularity",
        "topic_alignment_score", "keyword_relevance_score", "confidence_score",
        "overall_match_explanation", "extracted_article_topics",
        "extracted_article_keywords", "quality_score", "quality_issues",
    )),
    "analyzed": 0,
    "ingest_status": "manual",
    "auto_ingested": 0,
}  # fmt: skip
_CHILD_TABLES = (
    "raw_articles",
    "keyword_article_matches",
    "keyword_alerts",
    "article_analysis_cache",
    "article_annotations",
    "signal_alerts",
)


class _Factory:
    """Makes ordinary rows: realistic sizes and nothing a migration must fix."""

    def __init__(
        self,
        rng: random.Random,
        ids: _Ids,
        layout: _KeywordLayout,
        tables: frozenset[str],
        extra_columns: tuple[str, ...],
    ) -> None:
        self.rng = rng
        self.ids = ids
        self.layout = layout
        self.tables = tables
        self.extra_columns = extra_columns
        self.prose = _TextPool(_prose(rng, 300_000))
        self.markdown = _TextPool(_markdown(rng, self.prose, 200_000))
        self.slugs = _TextPool("-".join(rng.choices(_SLUG_WORDS, k=40_000)), sep="-")
        self.tokens = base64.urlsafe_b64encode(rng.randbytes(3_000)).decode()

    def text(self, median: int, sigma: float = 0.3, high: int = 10_000) -> str:
        length = _lognormal(self.rng, median, sigma, 1, high)
        return self.prose.take(self.rng, length).strip()

    def article(self, i: int) -> Row:
        rng = self.rng
        published = NOW - rng.random() * _TWO_YEARS
        source = rng.choice(_SOURCES)
        row: Row = {
            **_UNANALYZED,
            "uri": self._uri(i, source),
            "title": self._title(source),
            "news_source": source,
            # A third of the real publication dates have no time of day.
            "publication_date": (
                _day(published) if rng.random() < 0.35 else _sqlite_time(published)
            ),
            "submission_date": _sqlite_time(published + rng.random() * 86_400),
            "summary": self._summary(),
            "topic": rng.choice(_TOPICS),
        }
        if rng.random() < _ANALYZED_SHARE:
            row.update(self._analysis())
        for column in self.extra_columns:
            row[column] = f"{column} of article {i}"
        return row

    def _uri(self, i: int, source: str) -> str:
        # The trailing number keeps every uri unique.
        rng = self.rng
        if rng.random() < 0.12:  # Google News redirects: the longest real uris
            start = rng.randrange(len(self.tokens) - 300)
            token = self.tokens[start : start + rng.randint(150, 280)]
            return f"https://news.google.com/rss/articles/{token}-{i:x}?oc=5"
        slug = self.slugs.take(rng, rng.randint(20, 80)).strip("-")
        return f"https://www.{source}.com/news/{slug}-{i}"

    def _title(self, source: str) -> str:
        title = self.text(70, 0.35, 270)
        title = title[:1].upper() + title[1:]
        return f"{title} - {source}" if self.rng.random() < 0.3 else title

    def _summary(self) -> str:
        if self.rng.random() < 0.9:
            return self.text(320, 0.3)
        return self.text(1_200, 0.7, 6_627)  # whole first paragraphs

    def _analysis(self) -> Row:
        rng = self.rng
        row: Row = {
            "analyzed": 1,
            "category": rng.choice(_CATEGORIES),
            "future_signal": rng.choice(_FUTURE_SIGNALS),
            "future_signal_explanation": self.text(130),
            "sentiment": rng.choice(_SENTIMENTS),
            "sentiment_explanation": self.text(130),
            "time_to_impact": rng.choice(_TIMES_TO_IMPACT),
            # The legacy app leaves some explanations '' rather than NULL.
            "time_to_impact_explanation": self.text(120) if rng.random() < 0.6 else "",
            "tags": ",".join(rng.sample(_TAGS, rng.randint(3, 6))),
            "driver_type": rng.choice(_DRIVER_TYPES),
            "driver_type_explanation": self.text(120) if rng.random() < 0.6 else "",
        }
        row.update(self._relevance() if rng.random() < 0.45 else self._media_bias())
        return row

    def _relevance(self) -> Row:
        """The columns the auto-ingest pipeline fills."""
        return {
            "topic_alignment_score": self._score(),
            "keyword_relevance_score": self._score(),
            "confidence_score": self._score(),
            "overall_match_explanation": self.text(600, 0.25),
            "ingest_status": "approved",
            "quality_score": self._score(),
            "auto_ingested": 1,
        }

    def _media_bias(self) -> Row:
        rng = self.rng
        return {
            "bias": rng.choice(_BIASES),
            "factual_reporting": rng.choice(_FACTUAL),
            "mbfc_credibility_rating": rng.choice(_CREDIBILITY),
            "bias_source": "",
            "bias_country": rng.choice(_COUNTRIES),
            "press_freedom": rng.choice(_PRESS_FREEDOM),
            "media_type": rng.choice(_MEDIA_TYPES),
            "popularity": rng.choice(_POPULARITY),
        }

    def _score(self) -> float:
        # Scores mostly have one or two decimals; some carry all 17 digits.
        digits = self.rng.choice((1, 1, 1, 2, 2, 3, 17))
        value = self.rng.random()
        return value if digits == 17 else round(value, digits)

    def raw(self, uri: Value, length: int | None = None) -> Row:
        rng = self.rng
        saved = NOW - rng.random() * _TWO_YEARS
        return {
            "uri": uri,
            "raw_markdown": self.markdown.take(rng, length or _raw_length(rng)),
            "submission_date": _iso_micro(saved),
            "last_updated": _iso_micro(saved + rng.random())
            if rng.random() < 0.8
            else None,
            "topic": rng.choice(_TOPICS),
        }

    def match(self, uri: Value, when: Value) -> Row:
        rng = self.rng
        group = rng.choice(self.layout.groups)
        picked = sorted(rng.sample(group.keyword_ids, rng.choice((1, 1, 1, 2, 3))))
        return {
            "id": self.ids.take("keyword_article_matches"),
            "article_uri": uri,
            "keyword_ids": ",".join(map(str, picked)),
            "group_id": group.id,
            "detected_at": when,
            "is_read": int(rng.random() < 0.3),
            "below_threshold": int(rng.random() < 0.25),
        }

    def alerts(self, uri: Value, when: Value) -> list[Row]:
        rng = self.rng
        group = rng.choice(self.layout.groups)
        return [
            {
                "id": self.ids.take("keyword_alerts"),
                "keyword_id": keyword_id,
                "article_uri": uri,
                "detected_at": when,
                "is_read": int(rng.random() < 0.3),
            }
            for keyword_id in rng.sample(group.keyword_ids, 1 + (rng.random() < 0.1))
        ]

    def cache(self, uri: Value) -> Row:
        rng = self.rng
        made = NOW - rng.random() * _TWO_YEARS
        metadata = {"tokens": rng.randint(200, 4000), "temperature": 0.1}
        return {
            "id": self.ids.take("article_analysis_cache"),
            "article_uri": uri,
            "analysis_type": rng.choice(_ANALYSIS_TYPES),
            "content": self.markdown.take(
                rng, _lognormal(rng, 2_500, 0.5, 200, 20_000)
            ),
            "model_used": rng.choice(_MODELS),
            "generated_at": _sqlite_time(made),
            "expires_at": _sqlite_time(made + 604_800) if rng.random() < 0.5 else None,
            "metadata": json.dumps(metadata) if rng.random() < 0.7 else None,
        }

    def annotation(self, uri: Value) -> Row:
        rng = self.rng
        made = NOW - rng.random() * _TWO_YEARS
        return {
            "id": self.ids.take("article_annotations"),
            "article_uri": uri,
            "author": rng.choice(tuple(PASSWORDS)),
            "content": self.text(200, 0.6),
            "is_private": int(rng.random() < 0.3),
            "created_at": _sqlite_time(made),
            "updated_at": _sqlite_time(made + rng.random() * 86_400),
        }

    def signal_alert(self, uri: Value, when: Value) -> Row:
        rng = self.rng
        instruction_id, name = rng.choice(_SIGNALS)
        return {
            "id": self.ids.take("signal_alerts"),
            "article_uri": uri,
            "instruction_id": instruction_id,
            "instruction_name": name,
            "confidence": round(rng.random(), 2),
            "threat_level": rng.choice(("low", "medium", "high")),
            "summary": self.text(250),
            "detected_at": when,
            "is_acknowledged": int(rng.random() < 0.2),
            "acknowledged_at": None,
        }

    def mediabias(self, n: int) -> Row:
        rng = self.rng
        return {
            "source": f"{rng.choice(_SOURCES)}{n}.{rng.choice(_TLDS)}",
            "country": rng.choice(_COUNTRIES),
            "bias": rng.choice(_BIASES),
            "factual_reporting": rng.choice(_FACTUAL),
            "press_freedom": rng.choice(_PRESS_FREEDOM),
            "media_type": rng.choice(_MEDIA_TYPES),
            "popularity": rng.choice(_POPULARITY),
            "mbfc_credibility_rating": rng.choice(_CREDIBILITY),
            "enabled": 1,
            "last_updated": "2025-05-19 18:10:48",
            "updated_at": "2025-05-20 07:28:13",
        }

    def feed_item(self, n: int) -> Row:
        rng = self.rng
        posted = NOW - rng.random() * _TWO_YEARS
        return {
            "id": self.ids.take("feed_items"),
            "source_type": rng.choice(("bluesky", "arxiv", "thenewsapi")),
            "source_id": f"post-{n}",
            "group_id": rng.choice((1, 3, 4)),
            "title": self.text(80),
            "content": self.text(400, 0.5),
            "author": "Feed Author",
            "author_handle": "@author.example.com",
            "url": f"https://bsky.app/profile/author.example.com/post/{n}",
            "publication_date": _sqlite_time(posted),
            "engagement_metrics": json.dumps({"likes": rng.randint(0, 500)}),
            "tags": json.dumps(rng.sample(_TAGS, 2)),
            "mentions": "[]",
            "images": "[]",
            "is_hidden": 0,
            "is_starred": int(rng.random() < 0.1),
            "created_at": _sqlite_time(posted + 3_600),
        }

    def children(
        self, batch: list[Row], raw_lengths: list[int]
    ) -> dict[str, list[Row]]:
        """The rows that belong to a batch of articles, per table of the schema.

        ``raw_lengths`` are lengths to use first (the real extremes).
        """
        rng = self.rng
        out: dict[str, list[Row]] = {t: [] for t in _CHILD_TABLES if t in self.tables}
        for article in batch:
            uri, when = article["uri"], article["submission_date"]
            if rng.random() < _RAW_SHARE:
                length = raw_lengths.pop(0) if raw_lengths else None
                out["raw_articles"].append(self.raw(uri, length))
            if rng.random() < _MATCH_SHARE:
                out["keyword_article_matches"].append(self.match(uri, when))
            if rng.random() < _ALERT_SHARE:
                out["keyword_alerts"].extend(self.alerts(uri, when))
            if "article_analysis_cache" in out and rng.random() < _CACHE_SHARE:
                out["article_analysis_cache"].append(self.cache(uri))
            if rng.random() < _ANNOTATION_SHARE:
                out["article_annotations"].append(self.annotation(uri))
            if "signal_alerts" in out and rng.random() < _SIGNAL_SHARE:
                out["signal_alerts"].append(self.signal_alert(uri, when))
        return out

    def base_row(self, table: str, values: Row, slot: int) -> Row:
        """An ordinary row of ``table`` for planted values to overwrite."""
        link = values.get("uri", values.get("article_uri"))
        when = _sqlite_time(NOW)
        match table:
            case "articles":
                return self.article(slot)
            case "raw_articles":
                return self.raw(link)
            case "keyword_article_matches":
                return self.match(link, when)
            case "keyword_alerts":
                return self.alerts(link, when)[0]
            case "article_analysis_cache":
                return self.cache(link)
            case "article_annotations":
                return self.annotation(link)
            case "mediabias":
                return self.mediabias(slot)
        raise ValueError(f"no planted rows for {table}")


# --- the dirty catalogue --------------------------------------------------

_SAME = object()  # "expected" default: the stored value, or NULL for a nulling


@dataclass(frozen=True)
class _Note:
    """A planted value in a planted row: what it is and what it should become."""

    column: str
    kind: str
    conversion: str | None = None
    expected: object = _SAME


@dataclass(frozen=True)
class _Dirty:
    """A planted row: column values over an ordinary row, and what they mean."""

    table: str
    values: Row
    notes: tuple[_Note, ...] = ()
    reject: str | None = None


_TO_NULL = frozenset({EMPTY_TO_NULL, UNPARSEABLE_DATE, INVALID_BOOLEAN, NON_NUMBER})
_KEY_COLUMNS = {
    "articles": "uri",
    "raw_articles": "uri",
    "mediabias": "source",
    "users": "username",
    "config": "name",
}
_DUPLICATE_URI = f"{DIRTY_URI}/duplicate"
_NUL_URI = f"{DIRTY_URI}/nul-in\x00-uri"
_NUL_URI_NOTE = _Note("uri", "nul in key", NUL_REMOVED, _NUL_URI.replace("\x00", ""))
# Plain articles that the planted child rows belong to.
_PARENTS = tuple(f"{DIRTY_URI}/parent-{n}" for n in range(5))
_ORPHANS = (
    ("raw_articles", 3),
    ("keyword_article_matches", 3),
    ("keyword_alerts", 3),
    ("article_annotations", 2),
)

# Each row: kind, stored value, conversion, expected value (None for NULL).
_DATE_SHAPES: tuple[tuple[str, Value, str | None, datetime | None], ...] = (
    ("date sqlite", "2025-10-07 09:49:32", None, WHEN),
    ("date only", "2025-10-07", None, WHEN.replace(hour=0, minute=0, second=0)),
    ("date iso", "2025-10-07T09:49:32", None, WHEN),
    ("date microseconds", "2025-10-07T09:49:32.299616", None,
     WHEN.replace(microsecond=299_616)),
    ("date z", "2025-10-07T09:49:32Z", None, WHEN),
    ("date utc offset", "2025-10-07T09:49:32+00:00", None, WHEN),
    ("date offset", "2025-10-07T11:49:32+02:00", None, WHEN),
    ("date offset", "2025-10-07 05:49:32-04:00", None, WHEN),
    ("date rfc 2822", "Tue, 07 Oct 2025 09:49:32 +0000", None, WHEN),
    # A TEXT column turns an integer into its digits, so this is how an epoch
    # written to a TEXT date column looks. INTEGER epochs: TIMESTAMP columns.
    ("date epoch text", str(NOW), None, WHEN),
    ("date empty", "", EMPTY_TO_NULL, None),
    ("date null", None, None, None),
    ("date unparseable", "yesterday", UNPARSEABLE_DATE, None),
    ("date unparseable", "2025-02-30 10:00:00", UNPARSEABLE_DATE, None),
)  # fmt: skip
# In articles.analyzed (BOOLEAN: numeric affinity keeps words as TEXT).
_BOOLEANS: tuple[tuple[str, str | None, bool | None], ...] = (
    ("true", None, True),
    ("false", None, False),
    ("yes", None, True),
    ("no", None, False),
    ("TRUE", None, True),
    ("maybe", INVALID_BOOLEAN, None),
    ("", EMPTY_TO_NULL, None),
)
# Text that must arrive byte for byte: kind, column, stored.
_EXACT_TEXTS: tuple[tuple[str, str, str | None], ...] = (
    ("trailing spaces", "title", "Markets rally on energy news   "),
    ("emoji", "title",
     "Heatwave \U0001f525 grips Europe \U0001f30d \U0001f469\u200d\U0001f52c"),
    ("right-to-left", "title",
     "\u062a\u063a\u064a\u0631 \u0627\u0644\u0645\u0646\u0627\u062e / "
     "\u05e9\u05d9\u05e0\u05d5\u05d9 \u05d0\u05e7\u05dc\u05d9\u05dd"),
    ("combining marks", "title", "Cafe\u0301 owners resume\u0301 talks"),
    ("newlines and tabs", "summary", "First line\nsecond line\r\n\tindented\tcell"),
    ("backslashes", "summary", "C:\\reports\\q3.md, \\\\server\\share and \\N"),
    ("copy null marker", "summary", "\\N"),
    ("quotes", "title", "He said \"it's done\", 'signed' \u201cit\u201d `today`"),
    ("empty text", "title", ""),
    ("null text", "title", None),
    ("tags comma", "tags", "climate,energy,policy"),
    ("tags comma space", "tags", "climate, energy, policy"),
)  # fmt: skip
# REAL columns: kind, column, stored, conversion.
_SCORES: tuple[tuple[str, str, Value, str | None], ...] = (
    ("score 1 decimal", "topic_alignment_score", 0.1, None),
    ("score 9 decimals", "keyword_relevance_score", 0.123456789, None),
    ("score 16 decimals", "confidence_score", 0.7071067811865476, None),
    ("score 17 decimals", "quality_score", 0.30000000000000004, None),
    ("score text", "topic_alignment_score", "n/a", NON_NUMBER),
    ("score empty", "confidence_score", "", EMPTY_TO_NULL),
)
# Text a PostgreSQL column cannot hold as is: kind, column, stored, conversion,
# expected. Bytes are stored as TEXT that is not UTF-8, read as Windows-1252.
_BROKEN_TEXTS: tuple[tuple[str, str, Value, str, str], ...] = (
    ("nul in text", "summary", "before\x00after", NUL_REMOVED, "beforeafter"),
    ("invalid utf-8", "title", b"Caf\xe9 au lait", INVALID_UTF8, "Caf\u00e9 au lait"),
    ("invalid utf-8", "summary", b"5 \x80 or \x93quoted\x94", INVALID_UTF8,
     "5 \u20ac or \u201cquoted\u201d"),
)  # fmt: skip
_RAW_NUL = "A NUL \x00 in scraped markdown. " * 30
_RAW_LATIN1 = b"Scraped as Latin-1: caf\xe9 cr\xe8me. " * 30


def _article(slug: str, note: _Note, stored: Value) -> _Dirty:
    values: Row = {"uri": f"{DIRTY_URI}/{slug}", note.column: stored}
    return _Dirty("articles", values, (note,))


def _child(table: str, parent: int, note: _Note, stored: Value) -> _Dirty:
    link = "uri" if table == "raw_articles" else "article_uri"
    return _Dirty(table, {link: _PARENTS[parent], note.column: stored}, (note,))


def _orphan(table: str, n: int) -> _Dirty:
    link = "uri" if table == "raw_articles" else "article_uri"
    return _Dirty(table, {link: f"{DIRTY_URI}/deleted-{table}-{n}"}, reject=ORPHAN)


def _special_articles() -> list[_Dirty]:
    return [
        # SQLite allows NULL in a primary key that is not INTEGER PRIMARY KEY.
        _Dirty("articles", {"uri": None, "title": "No uri"}, reject=NULL_KEY),
        # These two differ only by a NUL, so they collide once NULs are removed.
        _Dirty("articles", {"uri": _DUPLICATE_URI}),
        _Dirty(
            "articles",
            {"uri": _DUPLICATE_URI.replace("dup", "du\x00p")},
            reject=DUPLICATE_KEY,
        ),
        _Dirty("articles", {"uri": _NUL_URI}, (_NUL_URI_NOTE,)),
        # The legacy app seeds a placeholder row; it migrates like any other.
        _Dirty(
            "articles",
            {"uri": "initial", "title": "Placeholder", "summary": None},
            (_Note("title", "placeholder"),),
        ),
        *(_Dirty("articles", {"uri": uri}) for uri in _PARENTS),
    ]


def _dirty_articles() -> list[_Dirty]:
    rows = _special_articles()
    for n, (kind, stored, conversion, expected) in enumerate(_DATE_SHAPES):
        note = _Note("publication_date", kind, conversion, expected)
        rows.append(_article(f"date-{n}", note, stored))
    for n, (word, conversion, truth) in enumerate(_BOOLEANS):
        note = _Note("analyzed", f"boolean {word!r}", conversion, truth)
        rows.append(_article(f"boolean-{n}", note, word))
    for n, (kind, column, text) in enumerate(_EXACT_TEXTS):
        rows.append(_article(f"text-{n}", _Note(column, kind), text))
    for n, (kind, column, score, conversion) in enumerate(_SCORES):
        rows.append(_article(f"score-{n}", _Note(column, kind, conversion), score))
    for n, (kind, column, broken, conversion, fixed) in enumerate(_BROKEN_TEXTS):
        note = _Note(column, kind, conversion, fixed)
        rows.append(_article(f"broken-{n}", note, broken))
    return rows


def _dirty_children(layout: _KeywordLayout) -> list[_Dirty]:
    kept, gone = layout.groups[0].keyword_ids, layout.deleted_keyword_ids
    unsorted_ids = f"{kept[2]},{gone[0]},{kept[0]}"
    cache = "article_analysis_cache"
    matches, alerts = "keyword_article_matches", "keyword_alerts"
    annotations = "article_annotations"
    return [
        *(_orphan(table, n) for table, count in _ORPHANS for n in range(count)),
        # NOT NULL INTEGER columns holding text: the row cannot land.
        _Dirty(matches, {"article_uri": _PARENTS[0], "group_id": "abc"},
               reject=REQUIRED_MISSING),
        _Dirty(alerts, {"article_uri": _PARENTS[0], "keyword_id": "xyz"},
               reject=REQUIRED_MISSING),
        _Dirty("raw_articles", {"uri": _NUL_URI}, (_NUL_URI_NOTE,)),
        _child("raw_articles", 0, _Note("raw_markdown", "nul in text", NUL_REMOVED,
               _RAW_NUL.replace("\x00", "")), _RAW_NUL),
        _child("raw_articles", 1, _Note("raw_markdown", "invalid utf-8", INVALID_UTF8,
               _RAW_LATIN1.decode("cp1252")), _RAW_LATIN1),
        _child("raw_articles", 2, _Note("last_updated", "date unparseable",
               UNPARSEABLE_DATE), "yesterday"),
        _child("raw_articles", 3, _Note("submission_date", "date empty",
               EMPTY_TO_NULL), ""),
        _child(matches, 1, _Note("keyword_ids", "keyword ids unsorted, one deleted"),
               unsorted_ids),
        _child(matches, 2, _Note("is_read", "boolean 'yes'", None, True), "yes"),
        _child(matches, 3, _Note("below_threshold", "boolean 'TRUE'", None, True),
               "TRUE"),
        _child(matches, 4, _Note("detected_at", "date empty", EMPTY_TO_NULL), ""),
        _child(alerts, 1, _Note("keyword_id", "deleted keyword id"), gone[1]),
        _child(alerts, 2, _Note("is_read", "boolean 'false'", None, False), "false"),
        _child(alerts, 3, _Note("detected_at", "date unparseable", UNPARSEABLE_DATE),
               "yesterday"),
        _child(alerts, 4, _Note("detected_at", "date epoch text", None, WHEN),
               str(NOW)),
        # No foreign key here on purpose: analyses may outlive their article.
        *(_Dirty(cache, {"article_uri": f"{DIRTY_URI}/analysed-then-deleted-{n}"},
                 (_Note("article_uri", "orphan allowed"),)) for n in range(3)),
        # Invalid JSON is kept as a JSON string holding the original text.
        _child(cache, 0, _Note("metadata", "json truncated", INVALID_JSON),
               '{"tokens": 812,'),
        _child(cache, 1, _Note("metadata", "json single quotes", INVALID_JSON),
               "{'model': 'gpt-4o-mini'}"),
        _child(cache, 2, _Note("metadata", "json escapes", None,
               {"note": "caf\u00e9 \U0001f30d", "tokens": 1}),
               '{"note": "caf\\u00e9 \\ud83c\\udf0d", "tokens": 1}'),
        # TIMESTAMP columns have numeric affinity: the epoch stays an INTEGER.
        _child(cache, 3, _Note("generated_at", "date epoch integer", None, WHEN), NOW),
        _child(annotations, 0, _Note("is_private", "boolean 'no'", None, False), "no"),
        _child(annotations, 1, _Note("created_at", "date epoch integer", None, WHEN),
               NOW),
        _child(annotations, 2, _Note("content", "nul in text", NUL_REMOVED,
               "Checked by the desk"), "Checked\x00 by the desk"),
    ]  # fmt: skip


def _dirty_mediabias() -> list[_Dirty]:
    def source(name: str, *notes: _Note, **values: Value) -> _Dirty:
        return _Dirty("mediabias", {"source": name, **values}, notes)

    return [
        source("dirty-enabled.example", _Note("enabled", "boolean 'yes'", None, True),
               enabled="yes"),
        source("dirty-epoch.example",
               _Note("updated_at", "date epoch integer", None, WHEN), updated_at=NOW),
        source("dirty-date.example",
               _Note("last_updated", "date unparseable", UNPARSEABLE_DATE),
               last_updated="yesterday"),
        # Two keys that differ by a trailing space: trimming would merge them.
        source("trailing-space.example"),
        source("trailing-space.example ", _Note("source", "trailing spaces")),
    ]  # fmt: skip


def _catalogue(
    layout: _KeywordLayout, columns: dict[str, tuple[str, ...]]
) -> list[_Dirty]:
    """Every planted row this schema can hold, in insertion order."""
    every = [*_dirty_articles(), *_dirty_children(layout), *_dirty_mediabias()]
    return [
        dirty
        for dirty in every
        if dirty.table in columns
        and all(note.column in columns[dirty.table] for note in dirty.notes)
    ]


class _Recorder:
    """Collects what the catalogue planted, for GeneratedFacts."""

    def __init__(self) -> None:
        self.rejects: dict[str, list[Reject]] = {}
        self.planted: list[Planted] = []

    def record(self, dirty: _Dirty, row: Row) -> None:
        key = row[_KEY_COLUMNS.get(dirty.table, "id")]
        if dirty.reject is not None:
            self.rejects.setdefault(dirty.table, []).append(Reject(key, dirty.reject))
        for note in dirty.notes:
            stored = row[note.column]
            self.planted.append(
                Planted(
                    dirty.table,
                    key,
                    note.column,
                    note.kind,
                    stored,
                    note.conversion,
                    _expected(note, stored),
                )
            )

    def conversions(self) -> dict[str, dict[str, int]]:
        counts: dict[str, Counter[str]] = {}
        for planted in self.planted:
            if planted.conversion is not None:
                counts.setdefault(planted.table, Counter())[planted.conversion] += 1
        return {table: dict(counter) for table, counter in counts.items()}


def _expected(note: _Note, stored: Value) -> object:
    if note.expected is not _SAME:
        return note.expected
    return None if note.conversion in _TO_NULL else stored


# --- configuration rows ---------------------------------------------------

_BCRYPT_ALPHABET = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
)


def _password_hash(password: str, rng: random.Random) -> str:
    # A salt from the seeded generator keeps the file the same for a seed.
    salt = base64.b64encode(rng.randbytes(16)).decode()[:22]
    setting = f"$2b${_BCRYPT_ROUNDS:02d}${salt.translate(_BCRYPT_ALPHABET)}"
    return bcrypt.hashpw(password.encode(), setting.encode()).decode()


def _user_rows(rng: random.Random) -> list[Row]:
    # As in the real copies: admin done with onboarding (2025-10), a user
    # still flagged for a password change (2025-03).
    flags = {"admin": (0, 1), "analyst": (1, 0)}
    return [
        {
            "username": name,
            "password_hash": _password_hash(password, rng),
            "force_password_change": flags[name][0],
            "completed_onboarding": flags[name][1],
        }
        for name, password in PASSWORDS.items()
    ]


_MIGRATIONS_APPLIED = (
    ("add_topic_column", "2025-04-03 08:01:02"),
    ("add_driver_type", "2025-04-03 08:01:02"),
    ("add_keyword_monitor_tables", "2025-04-03 08:01:02"),
    ("add_analyzed_column", "2025-04-03 08:01:02"),
    ("fix_article_annotations", "2025-04-03 08:01:02"),
    ("fix_duplicate_alerts", "2025-04-03 08:01:02"),
    ("add_keyword_article_matches", "2025-04-03 08:01:02"),
    ("ensure_completed_onboarding", "2025-04-11 19:14:46"),
    ("ensure_users_table_schema", "2025-04-19 09:32:49"),
    ("ensure_podcasts_table_schema", "2025-04-19 15:40:05"),
    ("ensure_settings_podcasts_table", "2025-04-22 20:27:10"),
    ("add_metadata_column_to_podcasts", "2025-04-23 08:07:24"),
    ("create_mediabias_table", "2025-05-19 17:40:22"),
    ("create_newsletter_prompts_table", "2025-05-20 13:06:47"),
    ("add_relevance_columns_to_articles", "2025-05-30 18:50:51"),
    ("add_auto_ingest_columns", "2025-06-20 17:50:28"),
    ("create_feed_system_tables", "2025-06-28T17:16:09.862189"),
    ("add_below_threshold_column", "2025-10-06 07:59:55"),
)


def _migration_rows(schema: str) -> list[Row]:
    applied = _MIGRATIONS_APPLIED if schema == "2025-10" else _MIGRATIONS_APPLIED[:7]
    return [
        {"id": n, "name": name, "applied_at": at}
        for n, (name, at) in enumerate(applied, start=1)
    ]


def _static_rows(columns: str, *rows: tuple[Value, ...]) -> list[Row]:
    names = columns.split()
    return [dict(zip(names, row, strict=True)) for row in rows]


# The single-row and small configuration tables, values as in the real copies.
_CONFIG_ROWS: dict[str, list[Row]] = {
    "keyword_monitor_settings": _static_rows(
        "id check_interval interval_unit search_fields language sort_by page_size "
        "is_enabled daily_request_limit search_date_range provider "
        "auto_ingest_enabled min_relevance_threshold quality_control_enabled "
        "auto_save_approved_only default_llm_model llm_temperature llm_max_tokens "
        "max_articles_per_run",
        (1, 720, 60, "title,description,content", "en", "publishedAt", 5, 1, 1000,
         7, "newsdata", 1, 0.3, 1, 1, "gpt-4.1-mini", 0.1, 1000, 50),
    ),
    "keyword_monitor_status": _static_rows(
        "id last_check_time last_error requests_today last_reset_date",
        (1, "2025-10-07T13:57:09.744776", None, 13, "2025-10-07"),
    ),
    "oauth_users": _static_rows(
        "id email name provider provider_id avatar_url created_at last_login "
        "is_active",
        (1, "analyst@example.com", "Ana Lyst", "google", "100000000000000000001",
         "https://lh3.googleusercontent.com/a/example=s96-c",
         "2025-05-23 17:48:36", "2025-05-23 19:55:37", 1),
    ),
    "oauth_sessions": _static_rows(
        "id user_id session_token provider created_at expires_at last_accessed",
        (1, 1, "session-token-0001", "google", "2025-10-07 09:00:00",
         "2025-10-08 09:00:00", "2025-10-07 09:30:00"),
    ),
    "oauth_allowlist": _static_rows(
        "id email added_by added_at is_active",
        (1, "analyst@example.com", "deployment", "2025-05-23 19:33:45", 1),
        (2, "former@example.com", "admin", "2025-06-01 10:00:00", 0),
    ),
    "feed_keyword_groups": _static_rows(
        "id name description color is_active created_at updated_at",
        (1, "AI Research", "Latest AI and machine learning research", "#FF69B4", 1,
         "2025-06-28 16:16:09", "2025-06-28 16:16:09"),
        (3, "Climate Science", "Climate change research and environmental news",
         "#4169E1", 1, "2025-06-28 16:16:09", "2025-06-28 16:16:09"),
        (4, "Disinformation", "A new feed group for content aggregation", "#ff69b4",
         1, "2025-06-28T19:18:59.155307", "2025-06-28T19:43:27.041231"),
    ),
    "user_feed_subscriptions": _static_rows(
        "id user_id group_id notification_enabled created_at",
        (1, 1, 1, 1, "2025-06-28 16:16:09"),
        (3, 1, 3, 1, "2025-06-28 16:16:09"),
        (4, 1, 4, 1, "2025-06-28 18:18:59"),
    ),
    "mediabias_settings": _static_rows(
        "id enabled last_updated source_file",
        (1, 1, "2025-05-19 18:10:48", "mbfc_sources.csv"),
    ),
    "signal_instructions": _static_rows(
        "id name description instruction topic is_active created_at updated_at",
        *((n, name, f"Watch for {name.lower()}", f"Flag articles about "
           f"{name.lower()}.", "Climate Change", 1, "2025-09-01 10:00:00",
           "2025-09-01 10:00:00") for n, name in _SIGNALS),
    ),
    "config": _static_rows(
        "name content",
        ("theme", "dark"),
        ("default_model", "gpt-4o-mini"),
        ("news_api_limit", "100"),
    ),
}  # fmt: skip


# --- writing --------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    articles: int
    schema: str
    dirty: bool
    seed: int
    column_order: str
    extra_article_columns: tuple[str, ...]


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    # No rollback: a failed build deletes the whole file.
    conn.execute("BEGIN")
    yield
    conn.execute("COMMIT")


class _Writer:
    """Inserts rows by column name and counts them.

    Table and column names come from this module's DDL or were checked against
    ``_IDENTIFIER``, so building the SQL with them is safe.
    """

    def __init__(self, conn: sqlite3.Connection, columns: dict[str, tuple[str, ...]]):
        self.conn = conn
        self.columns = columns
        self.rows: Counter[str] = Counter()

    def has(self, table: str) -> bool:
        return table in self.columns

    def many(self, table: str, rows: Sequence[Row]) -> None:
        names = self.columns[table]
        marks = ", ".join("?" * len(names))
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"
        self.conn.executemany(sql, map(operator.itemgetter(*names), rows))
        self.rows[table] += len(rows)

    def one(self, table: str, row: Row) -> None:
        """Insert a planted row; ``bytes`` become TEXT that is not valid UTF-8."""
        names = self.columns[table]
        marks = ", ".join(
            "CAST(? AS TEXT)" if isinstance(row[name], bytes) else "?" for name in names
        )
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"
        self.conn.execute(sql, [row[name] for name in names])
        self.rows[table] += 1


def _table_columns(conn: sqlite3.Connection, table: str) -> tuple[str, ...]:
    return tuple(row[1] for row in conn.execute(f"PRAGMA table_info({table})"))


def _create_tables(conn: sqlite3.Connection, spec: _Spec) -> dict[str, tuple[str, ...]]:
    """Create the schema's tables; return each table's columns in file order."""
    # A generator of its own, so that shuffling changes only the column order.
    order_rng = random.Random(f"column order {spec.seed}")
    tables = list(_SCHEMA_TABLES[spec.schema])
    if spec.dirty and spec.schema == "2025-10":
        tables.append(_CONFIG)
    for table in tables:
        created = table
        if spec.column_order == "shuffled" and table.name in _SHUFFLED_TABLES:
            created = table.shuffled(order_rng)
        conn.execute(created.create_sql())
        for sql in created.alter_sql():
            conn.execute(sql)
    present = _table_columns(conn, "articles")
    for name in spec.extra_article_columns:
        if name in present:
            raise ValueError(f"extra article column {name!r} is a legacy column")
        # Added last with no default, as an installation's own ALTER TABLE would.
        conn.execute(f"ALTER TABLE articles ADD COLUMN {name} TEXT")
    return {table.name: _table_columns(conn, table.name) for table in tables}


def _create_indexes(conn: sqlite3.Connection, schema: str) -> None:
    for sql in _SCHEMA_INDEXES[schema]:
        conn.execute(sql)


def create_legacy_schema(
    connection: sqlite3.Connection,
    schema: str = "2025-10",
    *,
    column_order: str = "legacy",
    seed: int = 0,
    extra_article_columns: tuple[str, ...] = (),
) -> dict[str, tuple[str, ...]]:
    """Create that release's legacy tables, indexes and trigger; no rows.

    The same DDL as a generated file (without the stray ``config`` table of a
    dirty one), written into an open connection. Returns each table's columns
    in file order.
    """
    spec = _Spec(0, schema, False, seed, column_order, tuple(extra_article_columns))
    _check_arguments(spec)
    columns = _create_tables(connection, spec)
    _create_indexes(connection, schema)
    return columns


def _write_config(writer: _Writer, factory: _Factory, spec: _Spec) -> None:
    writer.many("users", _user_rows(factory.rng))
    writer.many("keyword_groups", factory.layout.group_rows())
    writer.many("monitored_keywords", factory.layout.keyword_rows())
    writer.many("migrations", _migration_rows(spec.schema))
    for table, rows in _CONFIG_ROWS.items():
        if writer.has(table):
            writer.many(table, rows)


def _write_planted(
    writer: _Writer, factory: _Factory, planted: list[_Dirty], recorder: _Recorder
) -> None:
    # Planted articles take the first article slots, so the file still holds
    # exactly the number of articles asked for.
    slot = 0
    for dirty in planted:
        row = {**factory.base_row(dirty.table, dirty.values, slot), **dirty.values}
        slot += dirty.table == "articles"
        writer.one(dirty.table, row)
        recorder.record(dirty, row)


def _write_articles(writer: _Writer, factory: _Factory, first: int, stop: int) -> None:
    """Stream the ordinary articles and their child rows, a chunk at a time."""
    raw_lengths = [_RAW_MIN, _RAW_MAX]  # the real extremes, once per file
    for start in range(first, stop, _CHUNK):
        batch = [factory.article(i) for i in range(start, min(stop, start + _CHUNK))]
        children = factory.children(batch, raw_lengths)
        with _transaction(writer.conn):
            writer.many("articles", batch)
            for table, rows in children.items():
                writer.many(table, rows)


def _write_rest(writer: _Writer, factory: _Factory, spec: _Spec, planted: int) -> None:
    """mediabias and the tables the migration leaves behind."""
    if writer.has("mediabias"):
        # A few thousand sources whatever the size, fewer for tiny files.
        count = min(_MEDIABIAS_ROWS, max(20, spec.articles * 10)) - planted
        writer.many("mediabias", [factory.mediabias(n) for n in range(count)])
    if writer.has("feed_items"):
        count = min(500, max(5, spec.articles // 20))
        writer.many("feed_items", [factory.feed_item(n) for n in range(count)])


def _write_rows(
    writer: _Writer, factory: _Factory, recorder: _Recorder, spec: _Spec
) -> None:
    planted = _catalogue(factory.layout, writer.columns) if spec.dirty else []
    slots = sum(dirty.table == "articles" for dirty in planted)
    if spec.articles < slots:
        raise ValueError(
            f"a dirty {spec.schema} file needs at least {slots} articles for its "
            f"planted rows, not {spec.articles}; pass more or dirty=False"
        )
    with _transaction(writer.conn):
        _write_config(writer, factory, spec)
        _write_planted(writer, factory, planted, recorder)
    _write_articles(writer, factory, slots, spec.articles)
    with _transaction(writer.conn):
        _write_rest(writer, factory, spec, writer.rows["mediabias"])


def _finish(conn: sqlite3.Connection, spec: _Spec) -> None:
    with _transaction(conn):
        if spec.dirty:
            # Years of deletes: the real sequences run far above the row counts.
            conn.execute(
                "UPDATE sqlite_sequence SET seq = seq + ?", (_SEQUENCE_HEADROOM,)
            )
        _create_indexes(conn, spec.schema)
    conn.execute(f"PRAGMA user_version = {_USER_VERSION[spec.schema]}")
    # As the real copies: the 2025-10 one is in WAL mode.
    conn.execute(f"PRAGMA journal_mode = {_JOURNAL_MODE[spec.schema]}")


def _build(file: Path, spec: _Spec) -> GeneratedFacts:
    rng = random.Random(spec.seed)
    conn = sqlite3.connect(file, isolation_level=None)
    try:
        # Nothing to protect while building: a failed build is deleted whole.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -65536")
        columns = _create_tables(conn, spec)
        layout = _keyword_layout(rng, sparse=spec.dirty)
        ids = _Ids(rng, sparse=spec.dirty)
        extra = spec.extra_article_columns
        factory = _Factory(rng, ids, layout, frozenset(columns), extra)
        writer, recorder = _Writer(conn, columns), _Recorder()
        _write_rows(writer, factory, recorder, spec)
        _finish(conn, spec)
        sequences = dict(conn.execute("SELECT name, seq FROM sqlite_sequence"))
    finally:
        conn.close()
    return GeneratedFacts(
        path=file,
        schema=spec.schema,
        dirty=spec.dirty,
        seed=spec.seed,
        column_order=spec.column_order,
        rows={table: writer.rows[table] for table in columns},
        columns=columns,
        extra_article_columns=extra,
        rejects=recorder.rejects,
        conversions=recorder.conversions(),
        planted=recorder.planted,
        sequences=sequences,
        passwords=dict(PASSWORDS),
        deleted_keyword_ids=layout.deleted_keyword_ids,
        analytics_tables=tuple(t for t in ANALYTICS_TABLES if t in columns),
        unmigrated_tables=tuple(t for t in UNMIGRATED_TABLES if t in columns),
        file_bytes=0,
        seconds=0.0,
    )


def _check_arguments(spec: _Spec) -> None:
    if spec.schema not in SCHEMAS:
        raise ValueError(f"schema must be one of {SCHEMAS}, not {spec.schema!r}")
    if spec.column_order not in COLUMN_ORDERS:
        raise ValueError(
            f"column_order must be one of {COLUMN_ORDERS}, not {spec.column_order!r}"
        )
    if spec.articles < 0:
        raise ValueError(f"articles must be 0 or more, not {spec.articles}")
    for name in spec.extra_article_columns:
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"extra article column {name!r} is not a plain identifier")


def generate_legacy_file(
    path: str | os.PathLike[str],
    *,
    articles: int,
    schema: str = "2025-10",
    dirty: bool = True,
    seed: int = 0,
    column_order: str = "legacy",
    extra_article_columns: tuple[str, ...] = (),
) -> GeneratedFacts:
    """Write a legacy ``fnaapp.db`` with ``articles`` articles; return its facts.

    The same arguments give the same file, byte for byte. The file is built
    beside ``path`` and renamed into place when complete. An existing file is
    never replaced (it could be a real legacy copy): FileExistsError.
    """
    spec = _Spec(
        articles, schema, dirty, seed, column_order, tuple(extra_article_columns)
    )
    _check_arguments(spec)
    target = Path(path)
    if target.exists():
        raise FileExistsError(f"{target} exists; generate never replaces a file")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        facts = _build(partial, spec)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return replace(
        facts,
        path=target,
        file_bytes=target.stat().st_size,
        seconds=time.perf_counter() - started,
    )


# --- command line ---------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m legacy.generate",
        description="Write a legacy-format fnaapp.db and print what it holds.",
    )
    parser.add_argument("out", type=Path, help="the SQLite file to create")
    parser.add_argument("--articles", type=int, required=True)
    parser.add_argument("--schema", choices=SCHEMAS, default="2025-10")
    parser.add_argument("--clean", action="store_true", help="plant no dirty values")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--column-order", choices=COLUMN_ORDERS, default="legacy")
    parser.add_argument(
        "--extra-article-column",
        action="append",
        default=[],
        dest="extra_article_columns",
        help="a legacy column the target has no place for (repeatable)",
    )
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")
    args = parser.parse_args(argv)
    if args.out.exists():
        if not args.force:
            parser.error(f"{args.out} exists; pass --force to replace it")
        args.out.unlink()
    try:
        facts = generate_legacy_file(
            args.out,
            articles=args.articles,
            schema=args.schema,
            dirty=not args.clean,
            seed=args.seed,
            column_order=args.column_order,
            extra_article_columns=tuple(args.extra_article_columns),
        )
    except ValueError as exc:
        parser.error(str(exc))
    sys.stdout.write(facts.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
