"""The legacy schema versions: which tables, indexes and triggers each release has.

Tables are listed in the order the release creates them, so a file built from
here reads like the real one in ``sqlite_master``. ``occasional`` tables are in
some files of a release and not others: older installations kept tables later
releases stopped using, and some tables are only created when first needed.
"""

from __future__ import annotations

import random
import re
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from legacy.schema import analytics_side as analytics
from legacy.schema import config_side as config
from legacy.schema.table import SCENARIO_TABLE, Index, LegacyTable, scenario_table

COLUMN_ORDERS: Final = ("legacy", "shuffled")
# The tables whose column order installations disagree on (see LegacyTable.shuffled).
SHUFFLED_TABLES: Final = frozenset({"articles", "raw_articles"})
IDENTIFIER: Final = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class SchemaVersion:
    """One legacy release's schema and the file settings it used."""

    name: str
    tables: tuple[LegacyTable, ...]
    # Indexes and triggers, created after the tables.
    indexes: tuple[Index, ...]
    occasional: tuple[LegacyTable, ...]
    user_version: int
    journal_mode: str
    # Whether its files carry ANALYZE's statistics (sqlite_stat1).
    analyzed: bool

    def table(self, name: str) -> LegacyTable | None:
        """That table as this release has it (occasional ones included)."""
        for table in (*self.tables, *self.occasional):
            if table.name == name:
                return table
        return None


_ARTICLES_URI_INDEX = Index(
    "CREATE UNIQUE INDEX idx_articles_uri \n"
    "                ON articles(uri)\n"
    "            "
)
_ANNOTATIONS_TRIGGER = Index(
    "CREATE TRIGGER update_article_annotations_timestamp \n"
    "                AFTER UPDATE ON article_annotations\n"
    "                BEGIN\n"
    "                    UPDATE article_annotations \n"
    "                    SET updated_at = CURRENT_TIMESTAMP \n"
    "                    WHERE id = NEW.id;\n"
    "                END"
)

V2025_10 = SchemaVersion(
    name="2025-10",
    tables=(
        analytics.ARTICLES,
        analytics.KEYWORD_ALERTS,
        config.MIGRATIONS,
        config.KEYWORD_GROUPS,
        config.MONITORED_KEYWORDS,
        analytics.KEYWORD_ARTICLE_MATCHES,
        config.KEYWORD_MONITOR_SETTINGS,
        config.KEYWORD_MONITOR_STATUS,
        config.USERS,
        analytics.RAW_ARTICLES,
        analytics.ARTICLE_ANNOTATIONS,
        config.SETTINGS_PODCASTS,
        analytics.PODCASTS,
        config.BUILDING_BLOCKS,
        config.SCENARIOS,
        config.SCENARIO_BLOCKS,
        analytics.ARTICLES_SCENARIO_1,
        analytics.MEDIABIAS,
        config.MEDIABIAS_SETTINGS,
        config.NEWSLETTER_PROMPTS,
        config.OAUTH_USERS,
        config.OAUTH_SESSIONS,
        config.OAUTH_ALLOWLIST,
        analytics.AUSPEX_CHATS,
        analytics.AUSPEX_MESSAGES,
        config.AUSPEX_PROMPTS,
        config.FEED_KEYWORD_GROUPS,
        config.USER_FEED_SUBSCRIPTIONS,
        config.FEED_GROUP_SOURCES,
        analytics.FEED_ITEMS,
        analytics.MODEL_BIAS_ARENA_RUNS,
        analytics.MODEL_BIAS_ARENA_RESULTS,
        analytics.MODEL_BIAS_ARENA_ARTICLES,
        analytics.ANALYSIS_VERSIONS,
        config.ORGANIZATIONAL_PROFILES,
        analytics.ANALYSIS_VERSIONS_V2,
        analytics.TREND_CONSISTENCY_METRICS,
        config.VANTAGE_DESK_FILTERS,
        analytics.SHARED_NEWS_FEEDS,
        analytics.ARTICLE_ANALYSIS_CACHE,
        config.SIGNAL_INSTRUCTIONS,
        analytics.SIGNAL_ALERTS,
        analytics.INCIDENT_STATUS,
        config.MIGRATION_HISTORY,
    ),
    indexes=(
        _ARTICLES_URI_INDEX,
        Index("CREATE INDEX idx_mediabias_source ON mediabias(source)"),
        Index("CREATE INDEX idx_articles_bias ON articles(bias)"),
        Index(
            "CREATE INDEX idx_articles_factual_reporting ON articles(factual_reporting)"
        ),
        Index(
            "CREATE INDEX idx_oauth_users_email_provider"
            " ON oauth_users (email, provider)"
        ),
        Index("CREATE INDEX idx_oauth_users_provider ON oauth_users (provider)"),
        Index("CREATE INDEX idx_oauth_users_active ON oauth_users (is_active)"),
        Index("CREATE INDEX idx_auspex_chats_topic ON auspex_chats(topic)"),
        Index("CREATE INDEX idx_auspex_chats_user_id ON auspex_chats(user_id)"),
        Index("CREATE INDEX idx_auspex_messages_chat_id ON auspex_messages(chat_id)"),
        Index("CREATE INDEX idx_auspex_messages_role ON auspex_messages(role)"),
        Index("CREATE INDEX idx_auspex_prompts_name ON auspex_prompts(name)"),
        Index(
            "CREATE INDEX idx_auspex_prompts_is_default ON auspex_prompts(is_default)"
        ),
        Index("CREATE INDEX idx_articles_ingest_status ON articles(ingest_status)"),
        Index("CREATE INDEX idx_articles_auto_ingested ON articles(auto_ingested)"),
        Index("CREATE INDEX idx_articles_quality_score ON articles(quality_score)"),
        Index(
            "CREATE INDEX idx_user_feed_subscriptions_group_id"
            " ON user_feed_subscriptions(group_id)"
        ),
        Index("CREATE INDEX idx_feed_items_group_id ON feed_items(group_id)"),
        Index("CREATE INDEX idx_feed_items_source_type ON feed_items(source_type)"),
        Index(
            "CREATE INDEX idx_feed_items_publication_date"
            " ON feed_items(publication_date)"
        ),
        Index("CREATE INDEX idx_feed_items_is_hidden ON feed_items(is_hidden)"),
        Index("CREATE INDEX idx_feed_items_is_starred ON feed_items(is_starred)"),
        Index(
            "CREATE INDEX idx_bias_arena_results_run_id"
            " ON model_bias_arena_results(run_id)"
        ),
        Index(
            "CREATE INDEX idx_bias_arena_results_model"
            " ON model_bias_arena_results(model_name)"
        ),
        Index(
            "CREATE INDEX idx_bias_arena_articles_run_id"
            " ON model_bias_arena_articles(run_id)"
        ),
        Index(
            "CREATE INDEX idx_bias_arena_runs_status ON model_bias_arena_runs(status)"
        ),
        Index(
            "CREATE INDEX idx_bias_arena_results_political_bias"
            " ON model_bias_arena_results(political_bias)"
        ),
        Index(
            "CREATE INDEX idx_bias_arena_results_factuality"
            " ON model_bias_arena_results(factuality)"
        ),
        Index(
            "CREATE INDEX idx_bias_arena_results_round"
            " ON model_bias_arena_results(run_id, round_number)"
        ),
        Index(
            "CREATE INDEX idx_bias_arena_runs_rounds"
            " ON model_bias_arena_runs(rounds, current_round)"
        ),
        Index("CREATE INDEX idx_org_profiles_name ON organizational_profiles(name)"),
        Index(
            "CREATE INDEX idx_org_profiles_industry"
            " ON organizational_profiles(industry)"
        ),
        Index(
            "CREATE INDEX idx_org_profiles_default"
            " ON organizational_profiles(is_default)"
        ),
        Index(
            "CREATE INDEX idx_cache_key_created \n"
            "        ON analysis_versions_v2(cache_key, created_at DESC)\n"
            "        "
        ),
        Index(
            "CREATE INDEX idx_topic_created \n"
            "        ON analysis_versions_v2(topic, created_at DESC)\n"
            "        "
        ),
        Index(
            "CREATE INDEX idx_accessed_at \n"
            "        ON analysis_versions_v2(accessed_at DESC)\n"
            "        "
        ),
        Index(
            "CREATE INDEX idx_consistency_topic_date \n"
            "        ON trend_consistency_metrics(topic, analysis_date DESC)\n"
            "        "
        ),
        Index("CREATE INDEX idx_vdf_user ON vantage_desk_filters (user_key)"),
        Index(
            "CREATE INDEX idx_vdf_user_group"
            " ON vantage_desk_filters (user_key, group_id)"
        ),
        _ANNOTATIONS_TRIGGER,
        Index(
            "CREATE INDEX idx_migration_name ON migration_history(migration_name)\n    "
        ),
        Index(
            "CREATE INDEX idx_applied_at ON migration_history(applied_at DESC)\n    "
        ),
        Index("CREATE INDEX idx_auspex_chats_profile_id ON auspex_chats(profile_id)"),
        Index(
            "CREATE INDEX idx_auspex_chats_user_profile"
            " ON auspex_chats(user_id, profile_id)"
        ),
    ),
    occasional=(config.CONFIG_TABLE, analytics.DAILY_NEWS_FEEDS),
    user_version=2,
    journal_mode="WAL",
    analyzed=True,
)

# The 2025-03 release had none of the later tables or ALTER TABLE columns.
V2025_03 = SchemaVersion(
    name="2025-03",
    tables=tuple(
        table.without_added()
        for table in (
            analytics.ARTICLES,
            analytics.KEYWORD_ALERTS,
            config.MIGRATIONS,
            config.KEYWORD_GROUPS,
            config.MONITORED_KEYWORDS,
            analytics.KEYWORD_ARTICLE_MATCHES_2025_03,
            analytics.ARTICLE_ANNOTATIONS,
            config.KEYWORD_MONITOR_SETTINGS,
            config.KEYWORD_MONITOR_STATUS,
            config.USERS,
            analytics.RAW_ARTICLES,
        )
    ),
    indexes=(_ARTICLES_URI_INDEX, _ANNOTATIONS_TRIGGER),
    occasional=(
        config.CONFIG_TABLE,
        config.TAGS,
        analytics.REPORTS,
        analytics.KEYWORD_ALERT_ARTICLES,
    ),
    user_version=0,
    journal_mode="DELETE",
    analyzed=False,
)

VERSIONS: Final[Mapping[str, SchemaVersion]] = MappingProxyType(
    {version.name: version for version in (V2025_10, V2025_03)}
)
SCHEMAS: Final = tuple(VERSIONS)


def _every_table() -> dict[str, LegacyTable]:
    # Newest first, so a table's entry is its latest DDL.
    tables: dict[str, LegacyTable] = {}
    for version in VERSIONS.values():
        for table in (*version.tables, *version.occasional):
            tables.setdefault(table.name, table)
    return tables


# Every table any known release has, by name, as its newest release has it.
TABLES: Final[Mapping[str, LegacyTable]] = MappingProxyType(_every_table())


def version(name: str) -> SchemaVersion:
    try:
        return VERSIONS[name]
    except KeyError:
        raise ValueError(f"schema must be one of {SCHEMAS}, not {name!r}") from None


def legacy_table(name: str) -> LegacyTable | None:
    """The registry's entry for a table of a legacy file; None if unknown.

    Every ``articles_scenario_<n>`` is known: its side, key and common columns
    are those of any scenario table (its block columns vary by file).
    """
    if name in TABLES:
        return TABLES[name]
    scenario = SCENARIO_TABLE.fullmatch(name)
    return scenario_table(int(scenario.group(1)), ()) if scenario else None


def side(name: str) -> str | None:
    """``"config"`` or ``"analytics"`` for a known table, None for another."""
    table = legacy_table(name)
    return table.side if table else None


# --- creating the schema ---------------------------------------------------------


def create_tables(
    connection: sqlite3.Connection,
    tables: Sequence[LegacyTable],
    *,
    column_order: str = "legacy",
    seed: int = 0,
    extra_article_columns: tuple[str, ...] = (),
) -> dict[str, tuple[str, ...]]:
    """Create ``tables`` with their ALTER TABLEs; return each one's columns in
    file order.

    ``column_order="shuffled"`` gives ``articles`` and ``raw_articles`` another
    column order, the same for a seed; ``extra_article_columns`` are TEXT
    columns an installation added to ``articles`` itself.
    """
    check_options(column_order, extra_article_columns)
    # A generator of its own, so that shuffling changes only the column order.
    order_rng = random.Random(f"column order {seed}")
    for table in tables:
        created = table
        if column_order == "shuffled" and table.name in SHUFFLED_TABLES:
            created = table.shuffled(order_rng)
        connection.execute(created.create_sql())
        for sql in created.alter_sql():
            connection.execute(sql)
    if extra_article_columns:
        _add_article_columns(connection, extra_article_columns)
    return {table.name: table_columns(connection, table.name) for table in tables}


def _add_article_columns(
    connection: sqlite3.Connection, names: tuple[str, ...]
) -> None:
    present = table_columns(connection, "articles")
    for name in names:
        if name in present:
            raise ValueError(f"extra article column {name!r} is a legacy column")
        # Added last with no default, as an installation's own ALTER TABLE would.
        connection.execute(f"ALTER TABLE articles ADD COLUMN {name} TEXT")


def create_indexes(connection: sqlite3.Connection, indexes: Sequence[Index]) -> None:
    for index in indexes:
        connection.execute(index.sql)


def table_columns(connection: sqlite3.Connection, table: str) -> tuple[str, ...]:
    # Names come from the registry or were checked against IDENTIFIER.
    return tuple(row[1] for row in connection.execute(f"PRAGMA table_info({table})"))


def check_options(column_order: str, extra_article_columns: tuple[str, ...]) -> None:
    if column_order not in COLUMN_ORDERS:
        raise ValueError(
            f"column_order must be one of {COLUMN_ORDERS}, not {column_order!r}"
        )
    for name in extra_article_columns:
        if not IDENTIFIER.fullmatch(name):
            raise ValueError(f"extra article column {name!r} is not a plain identifier")


def create_legacy_schema(
    connection: sqlite3.Connection,
    schema: str = "2025-10",
    *,
    column_order: str = "legacy",
    seed: int = 0,
    extra_article_columns: tuple[str, ...] = (),
    occasional: bool = False,
) -> dict[str, tuple[str, ...]]:
    """Create that release's legacy tables, indexes and trigger; no rows.

    The DDL of a file the release created, written into an open connection;
    ``occasional=True`` adds the tables only some of its files have. Returns
    each table's columns in file order.
    """
    release = version(schema)
    tables = (*release.tables, *(release.occasional if occasional else ()))
    columns = create_tables(
        connection,
        tables,
        column_order=column_order,
        seed=seed,
        extra_article_columns=tuple(extra_article_columns),
    )
    create_indexes(connection, release.indexes)
    return columns
