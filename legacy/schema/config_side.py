"""The config side's tables: they stay in SQLite (``default``).

Each is declared as the 2025-10 legacy file's ``sqlite_master`` holds it:
the same text, column order and ALTER TABLE columns. ``scenarios.article_table``
names the scenario's own table (see :func:`legacy.schema.scenario_table`) rather
than a row.
"""

from __future__ import annotations

from legacy.schema.table import CONFIG, LegacyTable, Reference

MIGRATIONS = LegacyTable(
    name="migrations",
    side=CONFIG,
    key=("id",),
    indent=24,
    close=20,
    lines=(
        "id INTEGER PRIMARY KEY,",
        "name TEXT UNIQUE,",
        "applied_at TEXT DEFAULT CURRENT_TIMESTAMP",
    ),
)


KEYWORD_GROUPS = LegacyTable(
    name="keyword_groups",
    side=CONFIG,
    key=("id",),
    indent=16,
    close=12,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "name TEXT NOT NULL UNIQUE,",
        "topic TEXT NOT NULL,",
        "created_at TEXT DEFAULT CURRENT_TIMESTAMP",
    ),
    added=(
        "provider TEXT DEFAULT 'news'",
        "source TEXT NOT NULL DEFAULT 'news'",
    ),
)


MONITORED_KEYWORDS = LegacyTable(
    name="monitored_keywords",
    side=CONFIG,
    key=("id",),
    indent=16,
    close=12,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "group_id INTEGER NOT NULL,",
        "keyword TEXT NOT NULL,",
        "created_at TEXT DEFAULT CURRENT_TIMESTAMP,",
        "last_checked TEXT,",
        "FOREIGN KEY (group_id) REFERENCES keyword_groups(id) ON DELETE CASCADE,",
        "UNIQUE(group_id, keyword)",
    ),
    references=(Reference("group_id", "keyword_groups", "id"),),
)


KEYWORD_MONITOR_SETTINGS = LegacyTable(
    name="keyword_monitor_settings",
    side=CONFIG,
    key=("id",),
    indent=28,
    close=24,
    lines=(
        "id INTEGER PRIMARY KEY,",
        "check_interval INTEGER NOT NULL DEFAULT 15,",
        "interval_unit INTEGER NOT NULL DEFAULT 60,",
        "search_fields TEXT NOT NULL DEFAULT 'title,description,content',",
        "language TEXT NOT NULL DEFAULT 'en',",
        "sort_by TEXT NOT NULL DEFAULT 'publishedAt',",
        "page_size INTEGER NOT NULL DEFAULT 10,",
        "is_enabled BOOLEAN NOT NULL DEFAULT 1,",
        "daily_request_limit INTEGER NOT NULL DEFAULT 100,",
        "search_date_range INTEGER NOT NULL DEFAULT 7",
    ),
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


KEYWORD_MONITOR_STATUS = LegacyTable(
    name="keyword_monitor_status",
    side=CONFIG,
    key=("id",),
    indent=28,
    close=24,
    lines=(
        "id INTEGER PRIMARY KEY,",
        "last_check_time TEXT,",
        "last_error TEXT,",
        "requests_today INTEGER DEFAULT 0,",
        "last_reset_date TEXT",
    ),
)


USERS = LegacyTable(
    name="users",
    side=CONFIG,
    key=("username",),
    indent=20,
    close=16,
    lines=(
        "username TEXT PRIMARY KEY,",
        "password_hash TEXT NOT NULL,",
        "force_password_change BOOLEAN DEFAULT 0,",
        "completed_onboarding BOOLEAN DEFAULT 0",
    ),
)


SETTINGS_PODCASTS = LegacyTable(
    name="settings_podcasts",
    side=CONFIG,
    key=("key",),
    indent=16,
    close=12,
    lines=(
        "key TEXT PRIMARY KEY,",
        "value TEXT",
    ),
)


BUILDING_BLOCKS = LegacyTable(
    name="building_blocks",
    side=CONFIG,
    key=("id",),
    indent=20,
    close=16,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "name TEXT UNIQUE NOT NULL,",
        "kind TEXT NOT NULL,",
        "prompt TEXT NOT NULL,",
        "options TEXT,",
        "created_at TEXT DEFAULT CURRENT_TIMESTAMP",
    ),
)


SCENARIOS = LegacyTable(
    name="scenarios",
    side=CONFIG,
    key=("id",),
    indent=20,
    close=16,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "name TEXT UNIQUE NOT NULL,",
        "topic TEXT NOT NULL,",
        "article_table TEXT UNIQUE,",
        "created_at TEXT DEFAULT CURRENT_TIMESTAMP",
    ),
)


SCENARIO_BLOCKS = LegacyTable(
    name="scenario_blocks",
    side=CONFIG,
    key=(
        "scenario_id",
        "building_block_id",
    ),
    indent=20,
    close=16,
    lines=(
        "scenario_id INTEGER NOT NULL,",
        "building_block_id INTEGER NOT NULL,",
        "PRIMARY KEY (scenario_id, building_block_id),",
        "FOREIGN KEY (scenario_id) REFERENCES scenarios(id) ON DELETE CASCADE,",
        (
            "FOREIGN KEY (building_block_id) REFERENCES building_blocks(id) ON DELETE "
            "CASCADE"
        ),
    ),
    references=(
        Reference("scenario_id", "scenarios", "id"),
        Reference("building_block_id", "building_blocks", "id"),
    ),
)


MEDIABIAS_SETTINGS = LegacyTable(
    name="mediabias_settings",
    side=CONFIG,
    key=("id",),
    indent=20,
    close=16,
    lines=(
        "id INTEGER PRIMARY KEY CHECK (id = 1),",
        "enabled BOOLEAN DEFAULT 0,",
        "last_updated TIMESTAMP,",
        "source_file TEXT",
    ),
)


NEWSLETTER_PROMPTS = LegacyTable(
    name="newsletter_prompts",
    side=CONFIG,
    key=("content_type_id",),
    indent=16,
    close=12,
    lines=(
        "content_type_id TEXT PRIMARY KEY,",
        "prompt_template TEXT NOT NULL,",
        "description TEXT NOT NULL,",
        "last_updated TEXT DEFAULT CURRENT_TIMESTAMP",
    ),
)


OAUTH_USERS = LegacyTable(
    name="oauth_users",
    side=CONFIG,
    key=("id",),
    indent=4,
    close=0,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "email TEXT NOT NULL,",
        "name TEXT,",
        "provider TEXT NOT NULL,",
        "provider_id TEXT,",
        "avatar_url TEXT,",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "last_login TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "is_active BOOLEAN DEFAULT TRUE,",
        "UNIQUE(email, provider)",
    ),
)


OAUTH_SESSIONS = LegacyTable(
    name="oauth_sessions",
    side=CONFIG,
    key=("id",),
    indent=4,
    close=0,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "user_id INTEGER,",
        "session_token TEXT UNIQUE,",
        "provider TEXT,",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "expires_at TIMESTAMP,",
        "last_accessed TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "FOREIGN KEY (user_id) REFERENCES oauth_users (id)",
    ),
    references=(Reference("user_id", "oauth_users", "id"),),
)


OAUTH_ALLOWLIST = LegacyTable(
    name="oauth_allowlist",
    side=CONFIG,
    key=("id",),
    indent=24,
    close=20,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "email TEXT UNIQUE NOT NULL,",
        "added_by TEXT,",
        "added_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "is_active BOOLEAN DEFAULT TRUE",
    ),
)


AUSPEX_PROMPTS = LegacyTable(
    name="auspex_prompts",
    side=CONFIG,
    key=("id",),
    indent=20,
    close=16,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "name TEXT NOT NULL UNIQUE,",
        "title TEXT NOT NULL,",
        "content TEXT NOT NULL,",
        "description TEXT,",
        "is_default BOOLEAN DEFAULT 0,",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "user_created TEXT,",
        "FOREIGN KEY (user_created) REFERENCES users(username) ON DELETE SET NULL",
    ),
    references=(Reference("user_created", "users", "username"),),
)


FEED_KEYWORD_GROUPS = LegacyTable(
    name="feed_keyword_groups",
    side=CONFIG,
    key=("id",),
    indent=4,
    close=0,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "name TEXT NOT NULL,",
        "description TEXT,",
        "color TEXT DEFAULT '#FF69B4',",
        "is_active BOOLEAN DEFAULT TRUE,",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP",
    ),
)


USER_FEED_SUBSCRIPTIONS = LegacyTable(
    name="user_feed_subscriptions",
    side=CONFIG,
    key=("id",),
    indent=4,
    close=0,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "user_id INTEGER DEFAULT 1, -- For now, single user system",
        "group_id INTEGER NOT NULL,",
        "notification_enabled BOOLEAN DEFAULT TRUE,",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "FOREIGN KEY (group_id) REFERENCES feed_keyword_groups(id) ON DELETE CASCADE",
    ),
    references=(Reference("group_id", "feed_keyword_groups", "id"),),
)


FEED_GROUP_SOURCES = LegacyTable(
    name="feed_group_sources",
    side=CONFIG,
    key=("id",),
    indent=12,
    close=8,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "group_id INTEGER NOT NULL,",
        (
            "source_type TEXT NOT NULL CHECK (source_type IN ('bluesky', 'arxiv', "
            "'thenewsapi')),"
        ),
        "keywords TEXT NOT NULL,",
        "enabled BOOLEAN DEFAULT TRUE,",
        "last_checked TIMESTAMP,",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "date_range_days INTEGER DEFAULT 7,",
        "custom_start_date TEXT DEFAULT NULL,",
        "custom_end_date TEXT DEFAULT NULL,",
        "search_settings TEXT DEFAULT '{}',",
        "FOREIGN KEY (group_id) REFERENCES feed_keyword_groups(id) ON DELETE CASCADE",
    ),
    references=(Reference("group_id", "feed_keyword_groups", "id"),),
)


ORGANIZATIONAL_PROFILES = LegacyTable(
    name="organizational_profiles",
    side=CONFIG,
    key=("id",),
    indent=4,
    close=0,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "name TEXT NOT NULL UNIQUE,",
        "description TEXT,",
        "industry TEXT,",
        "organization_type TEXT, -- publisher, enterprise, startup, government, etc.",
        "key_concerns TEXT, -- JSON array of key concerns",
        "strategic_priorities TEXT, -- JSON array of strategic priorities  ",
        "risk_tolerance TEXT, -- high, medium, low",
        "innovation_appetite TEXT, -- conservative, moderate, aggressive",
        (
            "decision_making_style TEXT, -- data-driven, collaborative, hierarchical, "
            "agile"
        ),
        "stakeholder_focus TEXT, -- JSON array of key stakeholders",
        "competitive_landscape TEXT, -- JSON array of key competitors/market dynamics",
        (
            "regulatory_environment TEXT, -- JSON array of key regulations/compliance "
            "needs"
        ),
        "custom_context TEXT, -- Additional custom context",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "is_default BOOLEAN DEFAULT FALSE",
    ),
    added=("region TEXT",),
)


VANTAGE_DESK_FILTERS = LegacyTable(
    name="vantage_desk_filters",
    side=CONFIG,
    key=("id",),
    indent=20,
    close=16,
    lines=(
        "id                   INTEGER PRIMARY KEY AUTOINCREMENT,",
        "user_key             TEXT    NOT NULL,",
        "group_id             INTEGER,",
        "source_type          TEXT,",
        "sort_by              TEXT       DEFAULT 'publication_date',",
        "limit_count          INTEGER    DEFAULT 50,",
        "search_term          TEXT,",
        "date_range           TEXT,",
        "author_filter        TEXT,",
        "min_engagement       INTEGER,",
        "starred_filter       TEXT,",
        "include_hidden       BOOLEAN    DEFAULT 0,",
        "layout_mode          TEXT       DEFAULT 'cards',",
        "topic_filter         TEXT,",
        "source_date_combinations TEXT",
    ),
    references=(Reference("group_id", "feed_keyword_groups", "id", declared=False),),
)


SIGNAL_INSTRUCTIONS = LegacyTable(
    name="signal_instructions",
    side=CONFIG,
    key=("id",),
    indent=24,
    close=20,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "name TEXT NOT NULL UNIQUE,",
        "description TEXT,",
        "instruction TEXT NOT NULL,",
        "topic TEXT,",
        "is_active BOOLEAN DEFAULT TRUE,",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP",
    ),
)


MIGRATION_HISTORY = LegacyTable(
    name="migration_history",
    side=CONFIG,
    key=("id",),
    indent=12,
    close=8,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "migration_name TEXT NOT NULL UNIQUE,",
        "applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "success BOOLEAN DEFAULT TRUE,",
        "error_message TEXT,",
        "checksum TEXT",
    ),
)


# --- in older files only -------------------------------------------------------
# In neither real copy. The legacy docs describe ``config``; ``tags`` is the
# early releases' tag list. Their layout is this project's: no file of theirs
# was available to copy it from.

CONFIG_TABLE = LegacyTable(
    name="config",
    side=CONFIG,
    key=("name",),
    indent=4,
    close=0,
    lines=(
        "name TEXT PRIMARY KEY,",
        "content TEXT",
    ),
)


TAGS = LegacyTable(
    name="tags",
    side=CONFIG,
    key=("id",),
    indent=4,
    close=0,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "name TEXT UNIQUE",
    ),
)
