"""The config side's rows: users, keyword monitoring, settings, prompts, scenarios.

Small tables whose size does not follow the article count, with values shaped
like the real copies' (the copies' own rows are never copied).
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import bcrypt

from legacy.generate.context import Context
from legacy.generate.facts import Row, Value
from legacy.generate.text import NOW, SIGNALS, TAGS, iso_micro, sqlite_time
from legacy.schema import LegacyTable, scenario_table

# Known logins of every generated file.
PASSWORDS = {"admin": "admin-password", "analyst": "analyst-password"}
BCRYPT_ROUNDS = 4  # the legacy app uses 12; 4 keeps tests fast
BCRYPT_ALPHABET = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
)


def password_hash(password: str, rng: random.Random) -> str:
    # A salt from the seeded generator keeps the file the same for a seed.
    salt = base64.b64encode(rng.randbytes(16)).decode()[:22]
    setting = f"$2b${BCRYPT_ROUNDS:02d}${salt.translate(BCRYPT_ALPHABET)}"
    return bcrypt.hashpw(password.encode(), setting.encode()).decode()


def user_rows(rng: random.Random) -> list[Row]:
    # As in the real copies: admin done with onboarding (2025-10), a user
    # still flagged for a password change (2025-03).
    flags = {"admin": (0, 1), "analyst": (1, 0)}
    return [
        {
            "username": name,
            "password_hash": password_hash(password, rng),
            "force_password_change": flags[name][0],
            "completed_onboarding": flags[name][1],
        }
        for name, password in PASSWORDS.items()
    ]


MIGRATIONS_APPLIED = (
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


def migration_rows(schema: str) -> list[Row]:
    applied = MIGRATIONS_APPLIED if schema == "2025-10" else MIGRATIONS_APPLIED[:7]
    return [
        {"id": n, "name": name, "applied_at": at}
        for n, (name, at) in enumerate(applied, start=1)
    ]


def static_rows(columns: str, *rows: tuple[Value, ...]) -> list[Row]:
    names = columns.split()
    return [dict(zip(names, row, strict=True)) for row in rows]


# The single-row and small configuration tables, values as in the real copies.
CONFIG_ROWS: dict[str, list[Row]] = {
    "keyword_monitor_settings": static_rows(
        "id check_interval interval_unit search_fields language sort_by page_size "
        "is_enabled daily_request_limit search_date_range provider "
        "auto_ingest_enabled min_relevance_threshold quality_control_enabled "
        "auto_save_approved_only default_llm_model llm_temperature llm_max_tokens "
        "max_articles_per_run",
        (1, 720, 60, "title,description,content", "en", "publishedAt", 5, 1, 1000,
         7, "newsdata", 1, 0.3, 1, 1, "gpt-4.1-mini", 0.1, 1000, 50),
    ),
    "keyword_monitor_status": static_rows(
        "id last_check_time last_error requests_today last_reset_date",
        (1, "2025-10-07T13:57:09.744776", None, 13, "2025-10-07"),
    ),
    "oauth_users": static_rows(
        "id email name provider provider_id avatar_url created_at last_login "
        "is_active",
        (1, "analyst@example.com", "Ana Lyst", "google", "100000000000000000001",
         "https://lh3.googleusercontent.com/a/example=s96-c",
         "2025-05-23 17:48:36", "2025-05-23 19:55:37", 1),
    ),
    "oauth_sessions": static_rows(
        "id user_id session_token provider created_at expires_at last_accessed",
        (1, 1, "session-token-0001", "google", "2025-10-07 09:00:00",
         "2025-10-08 09:00:00", "2025-10-07 09:30:00"),
    ),
    "oauth_allowlist": static_rows(
        "id email added_by added_at is_active",
        (1, "analyst@example.com", "deployment", "2025-05-23 19:33:45", 1),
        (2, "former@example.com", "admin", "2025-06-01 10:00:00", 0),
    ),
    "feed_keyword_groups": static_rows(
        "id name description color is_active created_at updated_at",
        (1, "AI Research", "Latest AI and machine learning research", "#FF69B4", 1,
         "2025-06-28 16:16:09", "2025-06-28 16:16:09"),
        (3, "Climate Science", "Climate change research and environmental news",
         "#4169E1", 1, "2025-06-28 16:16:09", "2025-06-28 16:16:09"),
        (4, "Disinformation", "A new feed group for content aggregation", "#ff69b4",
         1, "2025-06-28T19:18:59.155307", "2025-06-28T19:43:27.041231"),
    ),
    "user_feed_subscriptions": static_rows(
        "id user_id group_id notification_enabled created_at",
        (1, 1, 1, 1, "2025-06-28 16:16:09"),
        (3, 1, 3, 1, "2025-06-28 16:16:09"),
        (4, 1, 4, 1, "2025-06-28 18:18:59"),
    ),
    "mediabias_settings": static_rows(
        "id enabled last_updated source_file",
        (1, 1, "2025-05-19 18:10:48", "mbfc_sources.csv"),
    ),
    "signal_instructions": static_rows(
        "id name description instruction topic is_active created_at updated_at",
        *((n, name, f"Watch for {name.lower()}", f"Flag articles about "
           f"{name.lower()}.", "Climate Change", 1, "2025-09-01 10:00:00",
           "2025-09-01 10:00:00") for n, name in SIGNALS),
    ),
    "config": static_rows(
        "name content",
        ("theme", "dark"),
        ("default_model", "gpt-4o-mini"),
        ("news_api_limit", "100"),
    ),
}  # fmt: skip


# --- building blocks and scenarios ---------------------------------------------


@dataclass(frozen=True)
class Block:
    """A building block: a question the analysis asks, with its answers."""

    name: str
    kind: str
    options: tuple[str, ...] | None


BLOCKS = (
    Block("Article Category", "categorization",
          ("Policy", "Markets", "Technology", "Science", "Other")),
    Block("Topic Sentiment", "sentiment", ("Positive", "Neutral", "Negative", "Mixed")),
    Block("Stance", "relationship", ("Supports", "Opposes", "Neutral", "Unclear")),
    Block("Evidence Quality", "weighting", ("0", "0.5", "1")),
    Block("Sensitivity Level", "classification", ("Public", "Internal", "Restricted")),
    Block("Short Summary", "summarization", None),
    Block("Time Horizon", "classification",
          ("Now", "This year", "Next five years", "Later")),
    Block("Risk Level", "classification", ("Low", "Moderate", "High", "Severe")),
    Block("Key Actors", "extraction", None),
    Block("Signal Strength", "weighting", ("Weak", "Emerging", "Strong")),
    Block("Named Technologies", "extraction", None),
    Block("Region", "classification",
          ("Europe", "Americas", "Asia-Pacific", "Africa", "Global")),
)  # fmt: skip
BLOCK_BY_NAME = {block.name: block for block in BLOCKS}


@dataclass(frozen=True)
class ScenarioSpec:
    """A scenario, its building blocks and the share of articles it analysed."""

    id: int
    name: str
    topic: str
    blocks: tuple[str, ...]
    share: float

    @property
    def table(self) -> LegacyTable:
        # Columns in building block id order, as the legacy app adds them.
        order = sorted(self.blocks, key=[block.name for block in BLOCKS].index)
        return scenario_table(self.id, tuple(order))


# Scenario 1 has the real copy's blocks, so its table is the registry's.
SCENARIOS = (
    ScenarioSpec(1, "Sentiment and sensitivity", "AI and Machine Learning",
                 ("Sensitivity Level", "Topic Sentiment"), 0.08),
    ScenarioSpec(2, "Climate risk watch", "Climate Change",
                 ("Risk Level", "Time Horizon", "Key Actors"), 0.04),
    ScenarioSpec(3, "Energy signals", "Energy Markets", ("Signal Strength",), 0.02),
)  # fmt: skip


def scenario_tables() -> list[LegacyTable]:
    """The scenario tables of a generated file beyond the registry's first."""
    return [scenario.table for scenario in SCENARIOS if scenario.id != 1]


# --- the other config tables ------------------------------------------------------

_PROFILES = (
    ("Regional Energy Utility", "Energy", "enterprise"),
    ("Public Service Broadcaster", "Media", "publisher"),
    ("Climate Fintech Startup", "Financial Services", "startup"),
    ("Ministry of Environment", "Government", "government"),
    ("Global Chip Manufacturer", "Semiconductors", "enterprise"),
    ("Research University", "Education", "academic"),
    ("Specialty Insurer", "Insurance", "enterprise"),
)
_CONCERNS = (
    "Energy prices", "Grid reliability", "Regulatory change", "Supply chain risk",
    "Cybersecurity", "Talent retention", "Public trust", "AI adoption",
    "Extreme weather", "Interest rates", "Misinformation", "Export controls",
)  # fmt: skip
_PRIORITIES = (
    "Decarbonisation", "Digital transformation", "Cost discipline", "Market entry",
    "Editorial independence", "Resilience", "Customer trust", "Open research",
)  # fmt: skip
_STAKEHOLDERS = (
    "Shareholders", "Regulators", "Customers", "Employees", "Citizens",
    "Funding bodies", "Board of directors", "Local communities",
)  # fmt: skip
_COMPETITORS = (
    "Incumbent utilities", "Platform companies", "New entrants", "State-owned firms",
    "Open-source projects", "Regional champions",
)  # fmt: skip
_REGULATIONS = (
    "EU AI Act", "GDPR", "Emissions trading", "Export controls", "Competition law",
    "Broadcasting code", "Solvency II",
)  # fmt: skip
_REGIONS = ("global", "europe", "north america", "asia-pacific", None)
_NEWSLETTER_TYPES = (
    "topic_summary", "key_articles", "trend_analysis", "market_impact",
    "policy_watch", "risk_outlook", "key_charts", "podcast_teaser", "reading_list",
)  # fmt: skip
_AUSPEX_PROMPTS = (
    ("default", "Research assistant", None),
    ("concise", "Concise briefings", "admin"),
    ("analyst-notes", "Analyst notes", "analyst"),
)
_FEED_SOURCES = ((1, "arxiv"), (1, "bluesky"), (3, "thenewsapi"), (3, "arxiv"),
                 (4, "bluesky"))  # fmt: skip
_MIGRATION_FILES = (
    "0001_chat_profiles.sql",
    "0002_profile_regions.sql",
    "0003_incident_status.sql",
)
FEED_GROUP_IDS = (1, 3, 4)  # CONFIG_ROWS["feed_keyword_groups"]; 2 was deleted
DELETED_USER = "former-analyst"


def _json(value: object) -> str:
    return json.dumps(value)


def _day_time(rng: random.Random, days: int = 400) -> str:
    return sqlite_time(NOW - rng.random() * days * 86_400)


class ConfigTables:
    """Rows of the config tables beyond users and keyword monitoring.

    Their sizes do not follow the article count: a file has a few prompts,
    profiles, building blocks and scenarios whatever its size.
    """

    def __init__(self, ctx: Context, tables: frozenset[str]) -> None:
        self.ctx = ctx
        self.tables = tables

    def rows(self) -> Iterator[tuple[str, list[Row]]]:
        """Each table's ordinary rows, parents before the tables that use them."""
        builders: tuple[tuple[str, Callable[[], list[Row]]], ...] = (
            ("organizational_profiles", lambda: self.many(self.profile, 7)),
            ("auspex_prompts", lambda: self.many(self.auspex_prompt, 3)),
            ("newsletter_prompts", lambda: self.many(self.newsletter_prompt, 9)),
            ("settings_podcasts", self.podcast_settings),
            ("building_blocks", lambda: self.many(self.block, len(BLOCKS))),
            ("scenarios", lambda: [self.scenario(spec) for spec in SCENARIOS]),
            ("scenario_blocks", self.scenario_blocks),
            ("feed_group_sources", lambda: self.many(self.feed_source, 5)),
            ("vantage_desk_filters", lambda: self.many(self.desk_filter, 3)),
            ("migration_history", lambda: self.many(self.migration, 3)),
            ("tags", lambda: self.many(self.tag, len(TAGS))),
        )
        for table, build in builders:
            if table in self.tables:
                rows = build()
                if table in ("organizational_profiles", "building_blocks"):
                    # Kept for the rows that refer to them.
                    self.ctx.written[table] = [row["id"] for row in rows]
                yield table, rows

    @staticmethod
    def many(build: Callable[[int], Row], count: int) -> list[Row]:
        return [build(n) for n in range(count)]

    def scenario_blocks(self) -> list[Row]:
        return [
            {"scenario_id": spec.id, "building_block_id": self.block_id(name)}
            for spec in SCENARIOS
            for name in spec.blocks
        ]

    def block_id(self, name: str) -> Value:
        ids = self.ctx.written["building_blocks"]
        return ids[[block.name for block in BLOCKS].index(name)]

    def profile(self, n: int) -> Row:
        rng = self.ctx.rng("organizational_profiles")
        name, industry, kind = _PROFILES[n % len(_PROFILES)]
        made = _day_time(rng)
        return {
            "id": self.ctx.id("organizational_profiles"),
            "name": name if n < len(_PROFILES) else f"{name} {n}",
            "description": self.ctx.text("organizational_profiles", 100),
            "industry": industry,
            "organization_type": kind,
            "key_concerns": _json(rng.sample(_CONCERNS, rng.randint(4, 8))),
            "strategic_priorities": _json(rng.sample(_PRIORITIES, rng.randint(3, 7))),
            "risk_tolerance": rng.choice(("low", "medium", "high")),
            "innovation_appetite": rng.choice(
                ("conservative", "moderate", "aggressive")
            ),
            "decision_making_style": rng.choice(
                ("data-driven", "collaborative", "hierarchical", "agile")
            ),
            "stakeholder_focus": _json(rng.sample(_STAKEHOLDERS, rng.randint(3, 7))),
            "competitive_landscape": _json(rng.sample(_COMPETITORS, rng.randint(2, 5))),
            "regulatory_environment": _json(
                rng.sample(_REGULATIONS, rng.randint(2, 5))
            ),
            "custom_context": self.ctx.text("organizational_profiles", 140),
            "created_at": made,
            "updated_at": made,
            "is_default": int(n == 0),
            # Added by ALTER TABLE: the oldest profiles never got one.
            "region": rng.choice(_REGIONS),
        }

    def auspex_prompt(self, n: int) -> Row:
        rng = self.ctx.rng("auspex_prompts")
        name, title, author = _AUSPEX_PROMPTS[n % len(_AUSPEX_PROMPTS)]
        made = _day_time(rng)
        return {
            "id": self.ctx.id("auspex_prompts"),
            "name": name if n < len(_AUSPEX_PROMPTS) else f"{name}-{n}",
            "title": title,
            "content": self.ctx.long_text("auspex_prompts", 8_000, 12_000),
            "description": f"The {title.lower()} system prompt",
            "is_default": int(n == 0),
            "created_at": made,
            "updated_at": made,
            "user_created": author,
        }

    def newsletter_prompt(self, n: int) -> Row:
        rng = self.ctx.rng("newsletter_prompts")
        kind = _NEWSLETTER_TYPES[n % len(_NEWSLETTER_TYPES)]
        body = self.ctx.text("newsletter_prompts", 900, 0.9, 3_400)
        return {
            "content_type_id": kind if n < len(_NEWSLETTER_TYPES) else f"{kind}_{n}",
            "prompt_template": f"Write the {kind.replace('_', ' ')} for '{{topic}}'. "
            + body,
            "description": f"Prompt template for the {kind.replace('_', ' ')} section",
            "last_updated": _day_time(rng),
        }

    def podcast_settings(self) -> list[Row]:
        rng = self.ctx.rng("settings_podcasts")
        voices = {
            "host_voice_id": rng.randbytes(10).hex(),
            "guest_voice_id": rng.randbytes(10).hex(),
            "host_name": "Host",
            "guest_name": "Guest",
            "model": "gpt-4o-mini",
            "podcast_name": "Morning Signals",
            "episode_title": "This week",
            "duration": "short",
        }
        return [
            {"key": "defaults_conversation", "value": _json(voices)},
            {
                "key": "defaults_monologue",
                "value": _json({**voices, "guest_name": None}),
            },
            {"key": "tts_provider", "value": _json("elevenlabs")},
            {"key": "schedule", "value": _json({"weekday": 1, "hour": 7})},
        ]

    def podcast_setting(self, n: int) -> Row:
        return {"key": f"setting_{n}", "value": _json({"n": n})}

    def block(self, n: int) -> Row:
        rng = self.ctx.rng("building_blocks")
        block = BLOCKS[n % len(BLOCKS)]
        question = f"What is the article's {block.name.lower()}? "
        return {
            "id": self.ctx.id("building_blocks"),
            "name": block.name if n < len(BLOCKS) else f"{block.name} {n}",
            "kind": block.kind,
            "prompt": question + self.ctx.text("building_blocks", 70, 0.4, 200),
            "options": None if block.options is None else _json(block.options),
            "created_at": _day_time(rng),
        }

    def scenario(self, spec: ScenarioSpec) -> Row:
        return {
            "id": spec.id,
            "name": spec.name,
            "topic": spec.topic,
            "article_table": spec.table.name,
            "created_at": _day_time(self.ctx.rng("scenarios")),
        }

    def scenario_row(self, n: int) -> Row:
        """A scenario without a table of its own (planted rows name one)."""
        return {
            "id": n + 1,
            "name": f"Scenario {n + 1}",
            "topic": "Cyber",
            "article_table": None,
            "created_at": _day_time(self.ctx.rng("scenarios")),
        }

    def feed_source(self, n: int) -> Row:
        rng = self.ctx.rng("feed_group_sources")
        group_id, source_type = _FEED_SOURCES[n % len(_FEED_SOURCES)]
        return {
            "id": self.ctx.id("feed_group_sources"),
            "group_id": group_id,
            "source_type": source_type,
            "keywords": _json(rng.sample(TAGS, rng.randint(2, 5))),
            "enabled": int(rng.random() < 0.8),
            "last_checked": _day_time(rng, 30),
            "created_at": _day_time(rng),
            "date_range_days": rng.choice((1, 7, 30)),
            "custom_start_date": None,
            "custom_end_date": None,
            "search_settings": _json({"lang": "en", "limit": rng.choice((25, 50))}),
        }

    def desk_filter(self, n: int) -> Row:
        rng = self.ctx.rng("vantage_desk_filters")
        user = ("local:admin", "local:analyst", "google:analyst@example.com")[n % 3]
        return {
            "id": self.ctx.id("vantage_desk_filters"),
            "user_key": user,
            "group_id": rng.choice((*FEED_GROUP_IDS, None)),
            "source_type": rng.choice(("bluesky", "arxiv", None)),
            "sort_by": "publication_date",
            "limit_count": rng.choice((25, 50, 100)),
            "search_term": rng.choice((None, "grid", "AI regulation")),
            "date_range": rng.choice(("7d", "30d", None)),
            "author_filter": None,
            "min_engagement": rng.choice((None, 5, 50)),
            "starred_filter": rng.choice(("all", "starred")),
            "include_hidden": 0,
            "layout_mode": rng.choice(("cards", "list")),
            "topic_filter": rng.choice((None, "Climate Change")),
            "source_date_combinations": _json({"bluesky": "7d", "arxiv": "30d"}),
        }

    def migration(self, n: int) -> Row:
        rng = self.ctx.rng("migration_history")
        name = _MIGRATION_FILES[n % len(_MIGRATION_FILES)]
        name = name if n < len(_MIGRATION_FILES) else f"{n}_{name}"
        return {
            "id": self.ctx.id("migration_history"),
            "migration_name": name,
            "applied_at": iso_micro(NOW - rng.random() * 90 * 86_400),
            "success": 1,
            "error_message": None,
            "checksum": hashlib.sha256(name.encode()).hexdigest(),
        }

    def tag(self, n: int) -> Row:
        tag = TAGS[n % len(TAGS)]
        return {
            "id": self.ctx.id("tags"),
            "name": tag if n < len(TAGS) else f"{tag}{n}",
        }

    def signal_instruction(self, n: int) -> Row:
        rng = self.ctx.rng("signal_instructions")
        made = _day_time(rng)
        return {
            "id": self.ctx.id("signal_instructions"),
            "name": f"Watch {n}",
            "description": f"Watch list {n}",
            "instruction": self.ctx.text("signal_instructions", 80),
            "topic": "Climate Change",
            "is_active": 1,
            "created_at": made,
            "updated_at": made,
        }
