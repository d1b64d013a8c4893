"""The config side's rows: users, keyword monitoring, settings, prompts, scenarios.

Small tables whose size does not follow the article count, with values shaped
like the real copies' (the copies' own rows are never copied).
"""

from __future__ import annotations

import base64
import random

import bcrypt

from legacy.generate.facts import Row, Value
from legacy.generate.text import SIGNALS

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
