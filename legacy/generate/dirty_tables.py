"""Planted rows of every table beyond the articles, their children and mediabias.

What the legacy README says the data looks like, per table: dates in every
shape and epochs in date columns, ``''`` beside NULL, trailing spaces, invalid
JSON in the JSON columns, NUL characters, bytes that are not UTF-8, numbers
written as text, NULL and duplicate keys where the legacy schema allows them,
and rows whose parent is gone.

The expectations follow the typed homes (``articles/models``,
``config_app/models.py``): these tables refer to their parents by plain
columns, so a row whose parent is gone lands ("orphan allowed"), where a raw
article whose article is gone is refused. A value a NOT NULL column cannot take
refuses the row ("required value missing"); a text key that equals an earlier
row's once NULs are removed is a "duplicate key", a value of a unique column a
"duplicate unique value" (the later row is refused). Rows that are refused
carry no notes, so their values are not counted as conversions.
"""

from __future__ import annotations

from legacy.convert import (
    EMPTY_TO_NULL,
    INVALID_BOOLEAN,
    INVALID_INTEGER,
    INVALID_JSON,
    NON_NUMBER,
    NUL_REMOVED,
)
from legacy.convert import INVALID_UTF8_REPAIRED as INVALID_UTF8
from legacy.generate.config_rows import DELETED_USER
from legacy.generate.context import Context
from legacy.generate.dirty import DATE_SHAPES, DIRTY_URI, SAME, Dirty, Note
from legacy.generate.facts import Value
from legacy.generate.text import NOW, WHEN
from legacy.rows import DUPLICATE_KEY, DUPLICATE_UNIQUE, NULL_KEY, REQUIRED_MISSING

DELETED_FEED_GROUP = 2  # between the real file's groups 1 and 3
LATIN1 = b"Caf\xe9 cr\xe8me, na\xefve r\xe9sum\xe9"
LONG_NUL = ("An answer with a NUL \x00 in it. " * 400)[:12_000]


def _date(kind: str) -> tuple[Value, str | None, object]:
    """(stored, conversion, expected) of the first date shape of that kind."""
    for shape, stored, conversion, expected in DATE_SHAPES:
        if shape == kind:
            return stored, conversion, expected
    raise ValueError(f"no date shape {kind!r}")


def one(
    table: str,
    column: str,
    kind: str,
    stored: Value,
    conversion: str | None = None,
    expected: object = SAME,
    /,
    **values: Value,
) -> Dirty:
    """A planted row with one noted value (and other values as they come)."""
    note = Note(column, kind, conversion, expected)
    return Dirty(table, {**values, column: stored}, (note,))


def date(table: str, column: str, kind: str, **values: Value) -> Dirty:
    stored, conversion, expected = _date(kind)
    return one(table, column, kind, stored, conversion, expected, **values)


def epoch(table: str, column: str, **values: Value) -> Dirty:
    """An epoch INTEGER in a TIMESTAMP column, whose numeric affinity keeps it."""
    return one(table, column, "date epoch integer", NOW, None, WHEN, **values)


def boolean(
    table: str, column: str, word: str, truth: bool | None, **values: Value
) -> Dirty:
    conversion = None if truth is not None else INVALID_BOOLEAN
    return one(table, column, f"boolean {word!r}", word, conversion, truth, **values)


def nul(table: str, column: str, text: str, **values: Value) -> Dirty:
    cleaned = text.replace("\x00", "")
    return one(table, column, "nul in text", text, NUL_REMOVED, cleaned, **values)


def latin1(table: str, column: str, **values: Value) -> Dirty:
    repaired = LATIN1.decode("cp1252")
    return one(table, column, "invalid utf-8", LATIN1, INVALID_UTF8, repaired, **values)


def bad_json(table: str, column: str, kind: str, stored: str, **values: Value) -> Dirty:
    return one(table, column, kind, stored, INVALID_JSON, **values)


def orphan(table: str, column: str, parent: Value, **values: Value) -> Dirty:
    return one(table, column, "orphan allowed", parent, **values)


def refused(
    table: str, reason: str, column: str, stored: Value, **values: Value
) -> Dirty:
    """A planted row the migration must refuse because of ``column``."""
    return Dirty(table, {**values, column: stored}, reject=reason, reject_column=column)


def _nul_twin(text: str) -> str:
    """``text`` with a NUL inside: the same key once NULs are removed."""
    return text[:3] + "\x00" + text[3:]


def duplicate(table: str, column: str, value: str, reason: str) -> list[Dirty]:
    """Two rows whose ``column`` differs only by a NUL; the later is refused."""
    return [
        Dirty(table, {column: value}),
        Dirty(table, {column: _nul_twin(value)}, reject=reason, reject_column=column),
    ]


def trailing_space(table: str, column: str, value: str) -> list[Dirty]:
    """Two rows that trimming would merge; both land as they are."""
    return [
        Dirty(table, {column: value}),
        one(table, column, "trailing spaces", value + " "),
    ]


# --- analytics tables ---------------------------------------------------------------


def _chats(ctx: Context) -> list[Dirty]:
    table = "auspex_chats"
    return [
        bad_json(table, "metadata", "json truncated", '{"created_at": "2025-10-07",'),
        orphan(table, "user_id", DELETED_USER),
        orphan(table, "profile_id", ctx.deleted("organizational_profiles")),
        epoch(table, "created_at"),
        date(table, "updated_at", "date unparseable"),
        one(table, "title", "trailing spaces", "Chat about energy   "),
        one(table, "title", "empty text", ""),
        nul(table, "topic", "Climate\x00 Change"),
        one(table, "profile_id", "number as text", "2,3", INVALID_INTEGER),
    ]


def _messages(ctx: Context) -> list[Dirty]:
    table = "auspex_messages"
    return [
        orphan(table, "chat_id", ctx.deleted("auspex_chats")),
        refused(table, REQUIRED_MISSING, "chat_id", "abc"),
        nul(table, "content", LONG_NUL),
        latin1(table, "content"),
        one(table, "content", "empty text", ""),
        one(table, "tokens_used", "number as text", "1,234", INVALID_INTEGER),
        bad_json(table, "metadata", "json single quotes", "{'prompt_name': 'default'}"),
        date(table, "timestamp", "date z"),
        one(
            table,
            "content",
            "emoji",
            "Heatwave \U0001f525 grips Europe \U0001f30d \U0001f469\u200d\U0001f52c",
        ),
    ]


def _arena(ctx: Context) -> list[Dirty]:
    runs, results = "model_bias_arena_runs", "model_bias_arena_results"
    chosen = "model_bias_arena_articles"
    gone = f"{DIRTY_URI}/arena-article-deleted"
    return [
        bad_json(runs, "selected_models", "json csv", "gpt-4o-mini, gpt-4.1-mini"),
        date(runs, "created_at", "date rfc 2822"),
        date(runs, "completed_at", "date empty"),
        one(runs, "rounds", "number as text", "2 rounds", INVALID_INTEGER),
        refused(runs, REQUIRED_MISSING, "article_count", "twenty"),
        orphan(results, "run_id", ctx.deleted(runs)),
        orphan(results, "article_uri", gone),
        one(results, "bias_score", "score text", "0,85", NON_NUMBER),
        one(results, "bias_score", "score empty", "", EMPTY_TO_NULL),
        one(results, "confidence_score", "score 17 decimals", 0.30000000000000004),
        one(results, "response_time_ms", "number as text", "1.5s", INVALID_INTEGER),
        one(results, "round_number", "empty number", "", EMPTY_TO_NULL),
        one(results, "response_text", "newlines and tabs", "Left\n\tcentre\r\nright"),
        boolean(chosen, "selected_for_benchmark", "yes", True),
        latin1(chosen, "article_title", article_uri=f"{DIRTY_URI}/arena-latin1"),
        orphan(chosen, "article_uri", gone),
        date(chosen, "created_at", "date offset", article_uri=f"{DIRTY_URI}/arena-o"),
    ]


def _analyses(ctx: Context) -> list[Dirty]:
    versions, v2 = "analysis_versions", "analysis_versions_v2"
    metrics = "trend_consistency_metrics"
    return [
        bad_json(versions, "version_data", "json truncated", '{"trends": ['),
        one(versions, "version_data", "json nul escape",
            '{"summary": "before\\u0000after"}', NUL_REMOVED,
            {"summary": "beforeafter"}),
        date(versions, "created_at", "date microseconds"),
        refused(versions, REQUIRED_MISSING, "version_data", ""),
        *duplicate(v2, "cache_key", "dirty_cache_key", DUPLICATE_UNIQUE),
        one(v2, "cache_metadata", "json empty", "", EMPTY_TO_NULL),
        one(v2, "cache_metadata", "json null", "null", None, None),
        epoch(v2, "accessed_at"),
        refused(metrics, REQUIRED_MISSING, "consistency_score", "n/a"),
        bad_json(metrics, "detailed_metrics", "json single quotes", "{'drift': 0.1}"),
        one(metrics, "comparison_count", "number as text", "3 runs", INVALID_INTEGER),
        date(metrics, "analysis_date", "date only"),
        one(metrics, "consistency_score", "score 17 decimals", 0.30000000000000004),
    ]  # fmt: skip


def _podcasts() -> list[Dirty]:
    table = "podcasts"
    nul_id = "nul-in\x00-podcast-id"
    return [
        refused(table, NULL_KEY, "id", None),
        *duplicate(table, "id", "dirty-podcast", DUPLICATE_KEY),
        one(table, "id", "nul in key", nul_id, NUL_REMOVED, nul_id.replace("\x00", "")),
        one(table, "id", "trailing spaces", "dirty-podcast "),
        latin1(table, "transcript", id="dirty-latin1-transcript"),
        bad_json(table, "metadata", "json truncated", '{"topic": "AI",'),
        date(table, "created_at", "date offset", id="dirty-offset"),
        date(table, "completed_at", "date unparseable", id="dirty-unparseable"),
        one(table, "status", "empty text", "", id="dirty-empty-status"),
    ]


def _feeds(ctx: Context) -> list[Dirty]:
    shared, items, incidents = "shared_news_feeds", "feed_items", "incident_status"
    daily = "daily_news_feeds"

    def item(n: int) -> dict[str, Value]:
        return {"source_id": f"dirty-post-{n}"}

    return [
        bad_json(shared, "feed_data", "json truncated", '[{"title": "A"'),
        *duplicate(shared, "share_token", "dirtyToken01", DUPLICATE_UNIQUE),
        epoch(shared, "expires_at"),
        one(shared, "access_count", "number as text", "1 234", INVALID_INTEGER),
        one(shared, "date_filter", "empty text", ""),
        bad_json(items, "engagement_metrics", "json truncated", '{"likes": 12,',
                 **item(0)),
        one(items, "tags", "json empty", "", EMPTY_TO_NULL, **item(1)),
        one(items, "mentions", "json nul escape", '["@a.example\\u0000"]',
            NUL_REMOVED, ["@a.example"], **item(2)),
        date(items, "publication_date", "date rfc 2822", **item(3)),
        orphan(items, "group_id", DELETED_FEED_GROUP, **item(4)),
        refused(items, REQUIRED_MISSING, "group_id", "abc", **item(5)),
        boolean(items, "is_hidden", "no", False, **item(6)),
        latin1(items, "title", **item(7)),
        *trailing_space(items, "source_id", "dirty-post-8"),
        date(items, "created_at", "date empty", **item(9)),
        *trailing_space(incidents, "incident_name", "Grid outage"),
        nul(incidents, "incident_name", "Port\x00 strike"),
        one(incidents, "status", "empty text", "", incident_name="Empty status"),
        date(incidents, "created_at", "date utc offset", incident_name="UTC offset"),
        epoch(incidents, "updated_at", incident_name="Epoch update"),
        bad_json(daily, "overview_data", "json truncated", '{"headline": "A"',
                 topic="Dirty 0"),
        one(daily, "processing_time_seconds", "score text", "12.5 s", NON_NUMBER,
            topic="Dirty 1"),
        epoch(daily, "generated_at", topic="Dirty 2"),
        refused(daily, REQUIRED_MISSING, "six_articles_data", "", topic="Dirty 3"),
    ]  # fmt: skip


def _signals(ctx: Context) -> list[Dirty]:
    alerts, instructions = "signal_alerts", "signal_instructions"

    def uri(n: int) -> dict[str, Value]:
        return {"article_uri": f"{DIRTY_URI}/signal-{n}"}

    return [
        orphan(alerts, "article_uri", f"{DIRTY_URI}/signal-deleted-article"),
        orphan(alerts, "instruction_id", ctx.deleted(instructions), **uri(0)),
        refused(alerts, REQUIRED_MISSING, "confidence", "high", **uri(1)),
        boolean(alerts, "is_acknowledged", "TRUE", True, **uri(2)),
        date(alerts, "acknowledged_at", "date empty", **uri(3)),
        epoch(alerts, "detected_at", **uri(4)),
        one(alerts, "confidence", "score 17 decimals", 0.30000000000000004, **uri(5)),
        boolean(instructions, "is_active", "yes", True),
        date(instructions, "created_at", "date microseconds"),
        one(instructions, "instruction", "newlines and tabs",
            "Flag:\n\t- outages\r\n\t- strikes"),
        *trailing_space(instructions, "name", "Port watch"),
    ]  # fmt: skip


def _scenario_articles(ctx: Context) -> list[Dirty]:
    first, second, third = (f"articles_scenario_{n}" for n in (1, 2, 3))
    base = f"{DIRTY_URI}/scenario"

    def uri(n: int) -> dict[str, Value]:
        return {"uri": f"{base}-{n}"}

    return [
        refused(first, NULL_KEY, "uri", None),
        *duplicate(first, "uri", f"{base}-duplicate", DUPLICATE_KEY),
        orphan(first, "uri", f"{base}-of-a-deleted-article"),
        date(first, "publication_date", "date rfc 2822", **uri(0)),
        date(first, "publication_date", "date only", **uri(1)),
        date(first, "submission_date", "date empty", **uri(2)),
        boolean(first, "analyzed", "maybe", None, **uri(3)),
        latin1(first, "title", **uri(4)),
        nul(first, "summary", "Summary\x00 with a NUL", **uri(5)),
        date(second, "publication_date", "date unparseable", **uri(6)),
        boolean(second, "analyzed", "yes", True, **uri(7)),
        one(third, "tags", "trailing spaces", "grid, storage ", **uri(8)),
    ]


def _older(ctx: Context) -> list[Dirty]:
    reports, alerts = "reports", "keyword_alert_articles"

    def url(n: int) -> dict[str, Value]:
        return {"url": f"{DIRTY_URI}/alert-{n}"}

    return [
        date(reports, "created_at", "date only"),
        date(reports, "created_at", "date rfc 2822"),
        date(reports, "created_at", "date epoch text"),
        date(reports, "created_at", "date unparseable"),
        latin1(reports, "content"),
        epoch(alerts, "submission_date", **url(0)),
        boolean(alerts, "analyzed", "yes", True, **url(1)),
        boolean(alerts, "moved_to_articles", "maybe", None, **url(2)),
        *duplicate(alerts, "url", f"{DIRTY_URI}/alert-duplicate", DUPLICATE_UNIQUE),
        one(alerts, "keywords", "trailing spaces", "grid, storage ", **url(3)),
    ]


# --- config tables -----------------------------------------------------------------


def _scenarios(ctx: Context) -> list[Dirty]:
    scenarios, pairs = "scenarios", "scenario_blocks"
    first_block = ctx.written.get("building_blocks", [None])[0]
    return [
        # A scenario whose table is gone, and two that never had one.
        one(scenarios, "article_table", "article table missing",
            "articles_scenario_4", id=4, name="Dropped scenario"),
        one(scenarios, "article_table", "null text", None, id=5, name="No table 1"),
        one(scenarios, "article_table", "null text", None, id=6, name="No table 2"),
        date(scenarios, "created_at", "date empty", id=7, name="Empty date"),
        date(scenarios, "created_at", "date epoch text", id=8, name="Epoch text"),
        orphan(pairs, "building_block_id", ctx.deleted("building_blocks"),
               scenario_id=1),
        orphan(pairs, "scenario_id", 9, building_block_id=first_block),
    ]  # fmt: skip


def _blocks_and_profiles(ctx: Context) -> list[Dirty]:
    blocks, profiles = "building_blocks", "organizational_profiles"
    return [
        bad_json(blocks, "options", "json truncated", '["Low", "Medium", "High"'),
        one(blocks, "options", "json empty", "", EMPTY_TO_NULL),
        bad_json(blocks, "options", "json csv", "Low, Medium, High"),
        date(blocks, "created_at", "date epoch text"),
        *trailing_space(blocks, "name", "Dirty Block"),
        bad_json(profiles, "key_concerns", "json truncated", '["Supply chain",'),
        bad_json(profiles, "stakeholder_focus", "json csv", "Investors, Regulators"),
        one(profiles, "competitive_landscape", "json empty", "", EMPTY_TO_NULL),
        boolean(profiles, "is_default", "yes", True),
        date(profiles, "updated_at", "date unparseable"),
        one(profiles, "regulatory_environment", "json escapes",
            '["GDPR", "caf\\u00e9 rules"]', None, ["GDPR", "caf\u00e9 rules"]),
    ]  # fmt: skip


def _prompts_and_settings(ctx: Context) -> list[Dirty]:
    newsletter, podcast = "newsletter_prompts", "settings_podcasts"
    auspex = "auspex_prompts"
    return [
        refused(newsletter, NULL_KEY, "content_type_id", None),
        *duplicate(newsletter, "content_type_id", "dirty_outlook", DUPLICATE_KEY),
        one(newsletter, "prompt_template", "backslashes",
            "Use {topic} and C:\\prompts\\{name}.md, not \\N"),
        date(newsletter, "last_updated", "date microseconds"),
        one(newsletter, "description", "empty text", ""),
        bad_json(podcast, "value", "json truncated", '{"model": "gpt-4o-mini",'),
        one(podcast, "value", "json empty", "", EMPTY_TO_NULL),
        bad_json(podcast, "value", "json bare word", "gpt-4o-mini"),
        one(podcast, "value", "json string", '"elevenlabs"', None, "elevenlabs"),
        refused(podcast, NULL_KEY, "key", None),
        *trailing_space(podcast, "key", "voices"),
        orphan(auspex, "user_created", DELETED_USER),
        boolean(auspex, "is_default", "TRUE", True),
        latin1(auspex, "content"),
        *duplicate(auspex, "name", "dirty-prompt", DUPLICATE_UNIQUE),
    ]  # fmt: skip


def _feed_setup(ctx: Context) -> list[Dirty]:
    sources, filters = "feed_group_sources", "vantage_desk_filters"
    history, tags = "migration_history", "tags"
    return [
        bad_json(sources, "search_settings", "json truncated", '{"lang": "en",'),
        bad_json(sources, "keywords", "json csv", "AI, LLM"),
        boolean(sources, "enabled", "off", False),
        one(sources, "custom_start_date", "date as typed", "07/10/2025"),
        date(sources, "last_checked", "date rfc 2822"),
        orphan(sources, "group_id", DELETED_FEED_GROUP),
        one(sources, "date_range_days", "number as text", "7 days", INVALID_INTEGER),
        bad_json(filters, "source_date_combinations", "json truncated", '{"a": '),
        boolean(filters, "include_hidden", "on", True),
        one(filters, "min_engagement", "number as text", "10+", INVALID_INTEGER),
        one(filters, "limit_count", "empty number", "", EMPTY_TO_NULL),
        orphan(filters, "group_id", DELETED_FEED_GROUP),
        boolean(history, "success", "false", False),
        epoch(history, "applied_at"),
        one(history, "error_message", "newlines and tabs",
            "no such column: region\n\tat line 3"),
        # Two NULLs in a UNIQUE column: both land.
        one(tags, "name", "null text", None),
        one(tags, "name", "null text", None),
        *trailing_space(tags, "name", "dirty-tag"),
        nul(tags, "name", "nul\x00-tag"),
    ]  # fmt: skip


def catalogue(ctx: Context) -> list[Dirty]:
    """Every planted row of these tables, in insertion order (parents first)."""
    return [
        *_prompts_and_settings(ctx),
        *_blocks_and_profiles(ctx),
        *_scenarios(ctx),
        *_feed_setup(ctx),
        *_signals(ctx),
        *_podcasts(),
        *_chats(ctx),
        *_messages(ctx),
        *_arena(ctx),
        *_analyses(ctx),
        *_feeds(ctx),
        *_scenario_articles(ctx),
        *_older(ctx),
    ]
