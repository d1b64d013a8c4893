"""Small hand-made legacy files holding exactly the configuration rows a test names.

The tables are created with the legacy application's own DDL (2025-10, as in the
real copy; ``config`` and ``tags`` as older files have them; ``users`` also in
its pre-April-2025 shape), so a test can plant one dirty value and look for it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

import bcrypt

from legacy.source import quote_identifier

CONFIG_DDL = {
    "users": "CREATE TABLE users (username TEXT PRIMARY KEY, password_hash TEXT NOT "
    "NULL, force_password_change BOOLEAN DEFAULT 0, completed_onboarding BOOLEAN "
    "DEFAULT 0)",
    "oauth_users": "CREATE TABLE oauth_users (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "email TEXT NOT NULL, name TEXT, provider TEXT NOT NULL, provider_id TEXT, "
    "avatar_url TEXT, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, last_login "
    "TIMESTAMP DEFAULT CURRENT_TIMESTAMP, is_active BOOLEAN DEFAULT TRUE, "
    "UNIQUE(email, provider))",
    "oauth_sessions": "CREATE TABLE oauth_sessions (id INTEGER PRIMARY KEY "
    "AUTOINCREMENT, user_id INTEGER, session_token TEXT UNIQUE, provider TEXT, "
    "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, expires_at TIMESTAMP, "
    "last_accessed TIMESTAMP DEFAULT CURRENT_TIMESTAMP)",
    "keyword_groups": "CREATE TABLE keyword_groups (id INTEGER PRIMARY KEY "
    "AUTOINCREMENT, name TEXT NOT NULL UNIQUE, topic TEXT NOT NULL, created_at TEXT "
    "DEFAULT CURRENT_TIMESTAMP, provider TEXT DEFAULT 'news', source TEXT NOT NULL "
    "DEFAULT 'news')",
    "monitored_keywords": "CREATE TABLE monitored_keywords (id INTEGER PRIMARY KEY "
    "AUTOINCREMENT, group_id INTEGER NOT NULL, keyword TEXT NOT NULL, created_at "
    "TEXT DEFAULT CURRENT_TIMESTAMP, last_checked TEXT, UNIQUE(group_id, keyword))",
    "keyword_monitor_settings": "CREATE TABLE keyword_monitor_settings (id INTEGER "
    "PRIMARY KEY, check_interval INTEGER NOT NULL DEFAULT 15, interval_unit INTEGER "
    "NOT NULL DEFAULT 60, search_fields TEXT NOT NULL DEFAULT "
    "'title,description,content', language TEXT NOT NULL DEFAULT 'en', sort_by "
    "TEXT NOT NULL DEFAULT 'publishedAt', page_size INTEGER NOT NULL DEFAULT 10, "
    "is_enabled BOOLEAN NOT NULL DEFAULT 1, daily_request_limit INTEGER NOT NULL "
    "DEFAULT 100, search_date_range INTEGER NOT NULL DEFAULT 7)",
    "keyword_monitor_status": "CREATE TABLE keyword_monitor_status (id INTEGER "
    "PRIMARY KEY, last_check_time TEXT, last_error TEXT, requests_today INTEGER "
    "DEFAULT 0, last_reset_date TEXT)",
    "feed_keyword_groups": "CREATE TABLE feed_keyword_groups (id INTEGER PRIMARY KEY "
    "AUTOINCREMENT, name TEXT NOT NULL, description TEXT, color TEXT DEFAULT "
    "'#FF69B4', is_active BOOLEAN DEFAULT TRUE, created_at TIMESTAMP DEFAULT "
    "CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)",
    "feed_group_sources": "CREATE TABLE feed_group_sources (id INTEGER PRIMARY KEY "
    "AUTOINCREMENT, group_id INTEGER NOT NULL, source_type TEXT NOT NULL CHECK "
    "(source_type IN ('bluesky', 'arxiv', 'thenewsapi')), keywords TEXT NOT NULL, "
    "enabled BOOLEAN DEFAULT TRUE, last_checked TIMESTAMP, created_at TIMESTAMP "
    "DEFAULT CURRENT_TIMESTAMP, date_range_days INTEGER DEFAULT 7, "
    "custom_start_date TEXT DEFAULT NULL, custom_end_date TEXT DEFAULT NULL, "
    "search_settings TEXT DEFAULT '{}')",
    "vantage_desk_filters": "CREATE TABLE vantage_desk_filters (id INTEGER PRIMARY "
    "KEY AUTOINCREMENT, user_key TEXT NOT NULL, group_id INTEGER, source_type TEXT, "
    "sort_by TEXT DEFAULT 'publication_date', limit_count INTEGER DEFAULT 50, "
    "search_term TEXT, date_range TEXT, author_filter TEXT, min_engagement INTEGER, "
    "starred_filter TEXT, include_hidden BOOLEAN DEFAULT 0, layout_mode TEXT "
    "DEFAULT 'cards', topic_filter TEXT, source_date_combinations TEXT)",
    "newsletter_prompts": "CREATE TABLE newsletter_prompts (content_type_id TEXT "
    "PRIMARY KEY, prompt_template TEXT NOT NULL, description TEXT NOT NULL, "
    "last_updated TEXT DEFAULT CURRENT_TIMESTAMP)",
    "organizational_profiles": "CREATE TABLE organizational_profiles (id INTEGER "
    "PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, description TEXT, "
    "industry TEXT, organization_type TEXT, key_concerns TEXT, strategic_priorities "
    "TEXT, risk_tolerance TEXT, innovation_appetite TEXT, decision_making_style "
    "TEXT, stakeholder_focus TEXT, competitive_landscape TEXT, "
    "regulatory_environment TEXT, custom_context TEXT, created_at TIMESTAMP DEFAULT "
    "CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, is_default "
    "BOOLEAN DEFAULT FALSE, region TEXT)",
    "signal_instructions": "CREATE TABLE signal_instructions (id INTEGER PRIMARY KEY "
    "AUTOINCREMENT, name TEXT NOT NULL UNIQUE, description TEXT, instruction TEXT "
    "NOT NULL, topic TEXT, is_active BOOLEAN DEFAULT TRUE, created_at TIMESTAMP "
    "DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)",
    "building_blocks": "CREATE TABLE building_blocks (id INTEGER PRIMARY KEY "
    "AUTOINCREMENT, name TEXT UNIQUE NOT NULL, kind TEXT NOT NULL, prompt TEXT NOT "
    "NULL, options TEXT, created_at TEXT DEFAULT CURRENT_TIMESTAMP)",
    "scenarios": "CREATE TABLE scenarios (id INTEGER PRIMARY KEY AUTOINCREMENT, name "
    "TEXT UNIQUE NOT NULL, topic TEXT NOT NULL, article_table TEXT UNIQUE, "
    "created_at TEXT DEFAULT CURRENT_TIMESTAMP)",
    "scenario_blocks": "CREATE TABLE scenario_blocks (scenario_id INTEGER NOT NULL, "
    "building_block_id INTEGER NOT NULL, PRIMARY KEY (scenario_id, "
    "building_block_id))",
    "settings_podcasts": "CREATE TABLE settings_podcasts (key TEXT PRIMARY KEY, "
    "value TEXT)",
    "mediabias_settings": "CREATE TABLE mediabias_settings (id INTEGER PRIMARY KEY "
    "CHECK (id = 1), enabled BOOLEAN DEFAULT 0, last_updated TIMESTAMP, source_file "
    "TEXT)",
    "config": "CREATE TABLE config (name TEXT PRIMARY KEY, content TEXT)",
    "tags": "CREATE TABLE tags (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT "
    "UNIQUE)",
    "migrations": "CREATE TABLE migrations (id INTEGER PRIMARY KEY, name TEXT "
    "UNIQUE, applied_at TEXT DEFAULT CURRENT_TIMESTAMP)",
    "migration_history": "CREATE TABLE migration_history (id INTEGER PRIMARY KEY "
    "AUTOINCREMENT, migration_name TEXT NOT NULL UNIQUE, applied_at TIMESTAMP "
    "DEFAULT CURRENT_TIMESTAMP, success BOOLEAN DEFAULT TRUE, error_message TEXT, "
    "checksum TEXT)",
    # Analytics tables, for files that must hold some.
    "feed_items": "CREATE TABLE feed_items (id INTEGER PRIMARY KEY, title TEXT)",
}
# Before April 2025 the hash was in `password`, and there was no onboarding flag.
USERS_BEFORE_APRIL_2025 = (
    "CREATE TABLE users (username TEXT PRIMARY KEY, password TEXT NOT NULL, "
    "force_password_change BOOLEAN DEFAULT 0)"
)


def bcrypt_hash(password: str) -> str:
    """A hash as the legacy app's passlib wrote it (4 rounds keep tests fast)."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


def write_config_file(
    path: Path,
    rows: Mapping[str, Iterable[Mapping[str, Any]]],
    *,
    ddl: Mapping[str, str] | None = None,
) -> Path:
    """A legacy file with one table per key of ``rows`` (DDL overridable)."""
    statements = {**CONFIG_DDL, **(ddl or {})}
    with closing(sqlite3.connect(path)) as conn:
        for table, table_rows in rows.items():
            conn.execute(statements[table])
            for row in table_rows:
                names = ", ".join(map(quote_identifier, row))
                # bytes are planted as TEXT that is not valid UTF-8.
                marks = ", ".join(
                    "CAST(? AS TEXT)" if isinstance(value, bytes) else "?"
                    for value in row.values()
                )
                conn.execute(
                    f"INSERT INTO {quote_identifier(table)} ({names}) VALUES ({marks})",
                    list(row.values()),
                )
        conn.commit()
    return path
