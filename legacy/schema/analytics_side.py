"""The analytics side's tables: they move to PostgreSQL (``analytics``).

Each is declared as the 2025-10 legacy file's ``sqlite_master`` holds it: the
same text, column order and ALTER TABLE columns. ``articles_scenario_1`` is the
real file's one scenario table; other files have others, built by
:func:`legacy.schema.scenario_table`.
"""

from __future__ import annotations

from legacy.schema.table import ANALYTICS, LegacyTable, Reference, scenario_table

ARTICLES = LegacyTable(
    name="articles",
    side=ANALYTICS,
    key=("uri",),
    indent=20,
    close=16,
    lines=(
        "uri TEXT PRIMARY KEY,",
        "title TEXT,",
        "news_source TEXT,",
        "publication_date TEXT,",
        "submission_date TEXT DEFAULT CURRENT_TIMESTAMP,",
        "summary TEXT,",
        "category TEXT,",
        "future_signal TEXT,",
        "future_signal_explanation TEXT,",
        "sentiment TEXT,",
        "sentiment_explanation TEXT,",
        "time_to_impact TEXT,",
        "time_to_impact_explanation TEXT,",
        "tags TEXT,",
        "driver_type TEXT,",
        "driver_type_explanation TEXT,",
        "topic TEXT,",
        "analyzed BOOLEAN DEFAULT FALSE",
    ),
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


KEYWORD_ALERTS = LegacyTable(
    name="keyword_alerts",
    side=ANALYTICS,
    key=("id",),
    indent=20,
    close=16,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "keyword_id INTEGER NOT NULL,",
        "article_uri TEXT NOT NULL,",
        "detected_at TEXT DEFAULT CURRENT_TIMESTAMP,",
        "is_read INTEGER DEFAULT 0,",
        (
            "FOREIGN KEY (keyword_id) REFERENCES monitored_keywords(id) ON DELETE "
            "CASCADE,"
        ),
        "FOREIGN KEY (article_uri) REFERENCES articles(uri) ON DELETE CASCADE,",
        "UNIQUE(keyword_id, article_uri)",
    ),
    references=(
        Reference("keyword_id", "monitored_keywords", "id"),
        Reference("article_uri", "articles", "uri"),
    ),
)


KEYWORD_ARTICLE_MATCHES = LegacyTable(
    name="keyword_article_matches",
    side=ANALYTICS,
    key=("id",),
    indent=24,
    close=20,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "article_uri TEXT NOT NULL,",
        "keyword_ids TEXT NOT NULL,  -- Comma-separated list of keyword IDs",
        "group_id INTEGER NOT NULL,",
        "detected_at TEXT DEFAULT CURRENT_TIMESTAMP,",
        "is_read INTEGER DEFAULT 0, below_threshold INTEGER DEFAULT 0,",
        "FOREIGN KEY (article_uri) REFERENCES articles(uri) ON DELETE CASCADE,",
        "FOREIGN KEY (group_id) REFERENCES keyword_groups(id) ON DELETE CASCADE,",
        "UNIQUE(article_uri, group_id)",
    ),
    references=(
        Reference("article_uri", "articles", "uri"),
        Reference("group_id", "keyword_groups", "id"),
    ),
)


RAW_ARTICLES = LegacyTable(
    name="raw_articles",
    side=ANALYTICS,
    key=("uri",),
    indent=20,
    close=16,
    lines=(
        "uri TEXT PRIMARY KEY,",
        "raw_markdown TEXT,",
        "submission_date TEXT DEFAULT CURRENT_TIMESTAMP,",
        "last_updated TEXT,",
        "topic TEXT,",
        "FOREIGN KEY (uri) REFERENCES articles(uri) ON DELETE CASCADE",
    ),
    references=(Reference("uri", "articles", "uri"),),
)


ARTICLE_ANNOTATIONS = LegacyTable(
    name="article_annotations",
    side=ANALYTICS,
    key=("id",),
    indent=20,
    close=16,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "article_uri TEXT NOT NULL,",
        "author TEXT NOT NULL,",
        "content TEXT NOT NULL,",
        "is_private BOOLEAN DEFAULT FALSE,",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "FOREIGN KEY (article_uri) REFERENCES articles(uri) ON DELETE CASCADE",
    ),
    references=(
        Reference("article_uri", "articles", "uri"),
        Reference("author", "users", "username", declared=False),
    ),
)


PODCASTS = LegacyTable(
    name="podcasts",
    side=ANALYTICS,
    key=("id",),
    indent=20,
    close=16,
    lines=(
        "id TEXT PRIMARY KEY,",
        "title TEXT,",
        "status TEXT DEFAULT 'processing',",
        "audio_url TEXT,",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "completed_at TIMESTAMP,",
        "error TEXT,",
        "transcript TEXT",
    ),
    added=("metadata TEXT",),
)


# The real file's one scenario: "Basic Summarization and Sentiment", whose
# building blocks are these two.
ARTICLES_SCENARIO_1 = scenario_table(1, ("Topic Sentiment", "Sensitivity Level"))


MEDIABIAS = LegacyTable(
    name="mediabias",
    side=ANALYTICS,
    key=("source",),
    indent=20,
    close=16,
    lines=(
        "source TEXT PRIMARY KEY,",
        "country TEXT,",
        "bias TEXT,",
        "factual_reporting TEXT,",
        "press_freedom TEXT,",
        "media_type TEXT,",
        "popularity TEXT,",
        "mbfc_credibility_rating TEXT,",
        "enabled BOOLEAN DEFAULT FALSE,",
        "last_updated TEXT DEFAULT CURRENT_TIMESTAMP",
    ),
    added=("updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP",),
)


AUSPEX_CHATS = LegacyTable(
    name="auspex_chats",
    side=ANALYTICS,
    key=("id",),
    indent=20,
    close=16,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "topic TEXT NOT NULL,",
        "title TEXT,",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "user_id TEXT,",
        "metadata TEXT, profile_id INTEGER,",
        "FOREIGN KEY (user_id) REFERENCES users(username) ON DELETE SET NULL",
    ),
    references=(
        Reference("user_id", "users", "username"),
        Reference("profile_id", "organizational_profiles", "id", declared=False),
    ),
)


AUSPEX_MESSAGES = LegacyTable(
    name="auspex_messages",
    side=ANALYTICS,
    key=("id",),
    indent=20,
    close=16,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "chat_id INTEGER NOT NULL,",
        "role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),",
        "content TEXT NOT NULL,",
        "timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "model_used TEXT,",
        "tokens_used INTEGER,",
        "metadata TEXT,",
        "FOREIGN KEY (chat_id) REFERENCES auspex_chats(id) ON DELETE CASCADE",
    ),
    references=(Reference("chat_id", "auspex_chats", "id"),),
)


FEED_ITEMS = LegacyTable(
    name="feed_items",
    side=ANALYTICS,
    key=("id",),
    indent=12,
    close=8,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        (
            "source_type TEXT NOT NULL CHECK (source_type IN ('bluesky', 'arxiv', "
            "'thenewsapi')),"
        ),
        "source_id TEXT NOT NULL,",
        "group_id INTEGER NOT NULL,",
        "title TEXT NOT NULL,",
        "content TEXT,",
        "author TEXT,",
        "author_handle TEXT,",
        "url TEXT NOT NULL,",
        "publication_date TIMESTAMP,",
        "engagement_metrics TEXT,",
        "tags TEXT,",
        "mentions TEXT,",
        "images TEXT,",
        "is_hidden BOOLEAN DEFAULT FALSE,",
        "is_starred BOOLEAN DEFAULT FALSE,",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "FOREIGN KEY (group_id) REFERENCES feed_keyword_groups(id) ON DELETE CASCADE,",
        "UNIQUE(source_type, source_id, group_id)",
    ),
    references=(Reference("group_id", "feed_keyword_groups", "id"),),
)


MODEL_BIAS_ARENA_RUNS = LegacyTable(
    name="model_bias_arena_runs",
    side=ANALYTICS,
    key=("id",),
    indent=4,
    close=0,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "name TEXT NOT NULL,",
        "description TEXT,",
        "benchmark_model TEXT NOT NULL,",
        "selected_models TEXT NOT NULL, -- JSON array of model names",
        "article_count INTEGER NOT NULL DEFAULT 25,",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "completed_at TIMESTAMP,",
        "status TEXT DEFAULT 'running' -- running, completed, failed",
    ),
    added=(
        "rounds INTEGER DEFAULT 1",
        "current_round INTEGER DEFAULT 1",
    ),
)


MODEL_BIAS_ARENA_RESULTS = LegacyTable(
    name="model_bias_arena_results",
    side=ANALYTICS,
    key=("id",),
    indent=4,
    close=0,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "run_id INTEGER NOT NULL,",
        "article_uri TEXT NOT NULL,",
        "model_name TEXT NOT NULL,",
        "response_text TEXT,",
        "bias_score REAL, -- 0-1 scale",
        "confidence_score REAL, -- 0-1 scale",
        "response_time_ms INTEGER,",
        "error_message TEXT,",
        (
            "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, sentiment_explanation "
            "TEXT, future_signal_explanation TEXT, time_to_impact_explanation TEXT, "
            "driver_type_explanation TEXT, category_explanation TEXT, sentiment TEXT, "
            "future_signal TEXT, time_to_impact TEXT, driver_type TEXT, category "
            "TEXT, political_bias TEXT, political_bias_explanation TEXT, factuality "
            "TEXT, factuality_explanation TEXT, round_number INTEGER DEFAULT 1,"
        ),
        "FOREIGN KEY (run_id) REFERENCES model_bias_arena_runs(id) ON DELETE CASCADE,",
        "FOREIGN KEY (article_uri) REFERENCES articles(uri) ON DELETE CASCADE",
    ),
    references=(
        Reference("run_id", "model_bias_arena_runs", "id"),
        Reference("article_uri", "articles", "uri"),
    ),
)


MODEL_BIAS_ARENA_ARTICLES = LegacyTable(
    name="model_bias_arena_articles",
    side=ANALYTICS,
    key=("id",),
    indent=4,
    close=0,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "run_id INTEGER NOT NULL,",
        "article_uri TEXT NOT NULL,",
        "article_title TEXT,",
        "article_summary TEXT,",
        "selected_for_benchmark BOOLEAN DEFAULT FALSE,",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "FOREIGN KEY (run_id) REFERENCES model_bias_arena_runs(id) ON DELETE CASCADE,",
        "FOREIGN KEY (article_uri) REFERENCES articles(uri) ON DELETE CASCADE,",
        "UNIQUE(run_id, article_uri)",
    ),
    references=(
        Reference("run_id", "model_bias_arena_runs", "id"),
        Reference("article_uri", "articles", "uri"),
    ),
)


ANALYSIS_VERSIONS = LegacyTable(
    name="analysis_versions",
    side=ANALYTICS,
    key=("id",),
    indent=16,
    close=12,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "topic TEXT NOT NULL,",
        "version_data TEXT NOT NULL,",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "model_used TEXT,",
        "analysis_depth TEXT",
    ),
)


ANALYSIS_VERSIONS_V2 = LegacyTable(
    name="analysis_versions_v2",
    side=ANALYTICS,
    key=("id",),
    indent=12,
    close=8,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "cache_key TEXT UNIQUE NOT NULL,",
        "topic TEXT NOT NULL,",
        "version_data TEXT NOT NULL,",
        "cache_metadata TEXT,",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "accessed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP",
    ),
)


TREND_CONSISTENCY_METRICS = LegacyTable(
    name="trend_consistency_metrics",
    side=ANALYTICS,
    key=("id",),
    indent=12,
    close=8,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "topic TEXT NOT NULL,",
        "consistency_score REAL NOT NULL,",
        "comparison_count INTEGER,",
        "detailed_metrics TEXT,",
        "analysis_date TIMESTAMP DEFAULT CURRENT_TIMESTAMP",
    ),
)


SHARED_NEWS_FEEDS = LegacyTable(
    name="shared_news_feeds",
    side=ANALYTICS,
    key=("id",),
    indent=16,
    close=12,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "share_token TEXT UNIQUE NOT NULL,",
        "feed_type TEXT NOT NULL,",
        "feed_data TEXT NOT NULL,",
        "date_filter TEXT,",
        "topic_filter TEXT,",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "expires_at TIMESTAMP,",
        "access_count INTEGER DEFAULT 0",
    ),
)


ARTICLE_ANALYSIS_CACHE = LegacyTable(
    name="article_analysis_cache",
    side=ANALYTICS,
    key=("id",),
    indent=36,
    close=32,
    head='CREATE TABLE "article_analysis_cache" (',
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "article_uri TEXT NOT NULL,",
        "analysis_type TEXT NOT NULL,",
        "content TEXT NOT NULL,",
        "model_used TEXT NOT NULL,",
        "generated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "expires_at TIMESTAMP,",
        "metadata TEXT,",
        "UNIQUE(article_uri, analysis_type, model_used)",
    ),
    references=(Reference("article_uri", "articles", "uri", declared=False),),
)


SIGNAL_ALERTS = LegacyTable(
    name="signal_alerts",
    side=ANALYTICS,
    key=("id",),
    indent=24,
    close=20,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "article_uri TEXT NOT NULL,",
        "instruction_id INTEGER NOT NULL,",
        "instruction_name TEXT NOT NULL,",
        "confidence REAL NOT NULL,",
        "threat_level TEXT NOT NULL,",
        "summary TEXT,",
        "detected_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "is_acknowledged BOOLEAN DEFAULT FALSE,",
        "acknowledged_at TIMESTAMP,",
        (
            "FOREIGN KEY (instruction_id) REFERENCES signal_instructions(id) ON "
            "DELETE CASCADE,"
        ),
        "UNIQUE(article_uri, instruction_id)",
    ),
    references=(
        Reference("article_uri", "articles", "uri", declared=False),
        Reference("instruction_id", "signal_instructions", "id"),
    ),
)


INCIDENT_STATUS = LegacyTable(
    name="incident_status",
    side=ANALYTICS,
    key=("id",),
    indent=24,
    close=20,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "incident_name TEXT NOT NULL,",
        "topic TEXT NOT NULL,",
        "status TEXT NOT NULL DEFAULT 'active',  -- 'active', 'seen', 'deleted'",
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "UNIQUE(incident_name, topic)",
    ),
)


# The 2025-03 release's, before below_threshold was added on the same line.
KEYWORD_ARTICLE_MATCHES_2025_03 = LegacyTable(
    name="keyword_article_matches",
    side=ANALYTICS,
    key=("id",),
    indent=24,
    close=20,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "article_uri TEXT NOT NULL,",
        "keyword_ids TEXT NOT NULL,  -- Comma-separated list of keyword IDs",
        "group_id INTEGER NOT NULL,",
        "detected_at TEXT DEFAULT CURRENT_TIMESTAMP,",
        "is_read INTEGER DEFAULT 0,",
        "FOREIGN KEY (article_uri) REFERENCES articles(uri) ON DELETE CASCADE,",
        "FOREIGN KEY (group_id) REFERENCES keyword_groups(id) ON DELETE CASCADE,",
        "UNIQUE(article_uri, group_id)",
    ),
    references=KEYWORD_ARTICLE_MATCHES.references,
)


# --- in some files only ----------------------------------------------------------
# In neither real copy. reports and keyword_alert_articles are early releases'
# (February 2025); the legacy app creates daily_news_feeds when it saves its
# first daily feed. Columns and constraints as the legacy source creates them;
# the layout is this project's.

REPORTS = LegacyTable(
    name="reports",
    side=ANALYTICS,
    key=("id",),
    indent=4,
    close=0,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "content TEXT,",
        "created_at TEXT",
    ),
)


KEYWORD_ALERT_ARTICLES = LegacyTable(
    name="keyword_alert_articles",
    side=ANALYTICS,
    key=("id",),
    indent=4,
    close=0,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "url TEXT UNIQUE NOT NULL,",
        "title TEXT,",
        "summary TEXT,",
        "source TEXT,",
        "submission_date DATETIME DEFAULT CURRENT_TIMESTAMP,",
        "topic TEXT,",
        "keywords TEXT,",
        "analyzed BOOLEAN DEFAULT FALSE,",
        "moved_to_articles BOOLEAN DEFAULT FALSE",
    ),
)


DAILY_NEWS_FEEDS = LegacyTable(
    name="daily_news_feeds",
    side=ANALYTICS,
    key=("id",),
    indent=16,
    close=12,
    lines=(
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "topic TEXT NOT NULL,",
        "feed_date DATE NOT NULL,",
        "overview_data TEXT NOT NULL,",
        "six_articles_data TEXT NOT NULL,",
        "generated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,",
        "processing_time_seconds REAL,",
        "model_used TEXT,",
        "UNIQUE(topic, feed_date)",
    ),
)
