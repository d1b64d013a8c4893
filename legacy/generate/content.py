"""The tables beyond the articles: their ordinary rows, then the planted ones.

Written after the articles and from random generators of their own (see
:mod:`legacy.generate.context`), so the articles and their child tables are the
same whatever these tables hold.
"""

from __future__ import annotations

from collections.abc import Callable

from legacy.generate.analytics_rows import AnalyticsTables
from legacy.generate.config_rows import (
    PASSWORDS,
    SCENARIOS,
    ConfigTables,
    ScenarioSpec,
)
from legacy.generate.context import ArticleSample, Context
from legacy.generate.dirty import DIRTY_URI, Dirty, Recorder, fits
from legacy.generate.dirty_tables import catalogue
from legacy.generate.factory import Factory
from legacy.generate.facts import Row
from legacy.generate.text import MODELS, NOW, sqlite_time
from legacy.generate.writer import Writer, transaction


def write_tables(
    writer: Writer,
    factory: Factory,
    recorder: Recorder,
    *,
    seed: int,
    dirty: bool,
    articles: int,
    planted_articles: int,
) -> None:
    """Fill the tables beyond the articles; in a dirty file, plant their values.

    Config tables in one transaction, the analytics tables a batch at a time.
    """
    # The planted articles hold the first rowids; the others refer to the rest.
    sample = ArticleSample(writer.conn, planted_articles + 1, articles)
    ctx = Context(
        seed=seed,
        sparse=dirty,
        prose=factory.prose,
        markdown=factory.markdown,
        articles=sample,
    )
    present = frozenset(writer.columns)
    config = ConfigTables(ctx, present)
    analytics = AnalyticsTables(ctx, present, articles, tuple(PASSWORDS))
    with transaction(writer.conn):
        for table, rows in config.rows():
            writer.many(table, rows)
    for table, rows in analytics.rows():
        with transaction(writer.conn):
            writer.many(table, rows)
    if dirty:
        planted = [row for row in catalogue(ctx) if fits(row, writer.columns)]
        bases = Bases(ctx, writer, factory, config, analytics)
        with transaction(writer.conn):
            writer.planted(((row, bases.row(row)) for row in planted), recorder)


class Bases:
    """An ordinary row of each table, for planted values to overwrite."""

    def __init__(
        self,
        ctx: Context,
        writer: Writer,
        factory: Factory,
        config: ConfigTables,
        analytics: AnalyticsTables,
    ) -> None:
        self.ctx = ctx
        self.writer = writer
        if writer.has("signal_instructions"):
            # Its rows so far are static ones, with their own ids.
            ctx.continue_ids(
                "signal_instructions", writer.max_id("signal_instructions")
            )
        first_chat = ctx.written.get("auspex_chats", [None])[0]
        first_run = ctx.written.get("model_bias_arena_runs", [None])[0]
        first_block = ctx.written.get("building_blocks", [None])[0]
        now = sqlite_time(NOW)

        def made_up(table: str, n: int) -> Row:
            return analytics.made_up_article(n, f"{DIRTY_URI}/made-up-{table}")

        builders: dict[str, Callable[[int, Dirty], Row]] = {
            "feed_items": lambda n, _: factory.feed_item(n),
            "signal_alerts": lambda _, d: factory.signal_alert(
                d.values["article_uri"], now
            ),
            "signal_instructions": lambda n, _: config.signal_instruction(n),
            "organizational_profiles": lambda n, _: config.profile(n),
            "auspex_prompts": lambda n, _: config.auspex_prompt(n),
            "newsletter_prompts": lambda n, _: config.newsletter_prompt(n),
            "settings_podcasts": lambda n, _: config.podcast_setting(n),
            "building_blocks": lambda n, _: config.block(n),
            "scenarios": lambda n, _: config.scenario_row(n),
            "scenario_blocks": lambda n, _: {
                "scenario_id": 1,
                "building_block_id": first_block,
            },
            "feed_group_sources": lambda n, _: config.feed_source(n),
            "vantage_desk_filters": lambda n, _: config.desk_filter(n),
            "migration_history": lambda n, _: config.migration(n),
            "tags": lambda n, _: config.tag(n),
            "podcasts": lambda n, _: analytics.podcast(),
            "auspex_chats": lambda n, _: analytics.chat(),
            "auspex_messages": lambda n, _: analytics.message(
                first_chat, "assistant", now
            ),
            "model_bias_arena_runs": lambda n, _: analytics.run(),
            "model_bias_arena_results": lambda n, _: analytics.result(
                first_run, made_up("results", n)["uri"], MODELS[0], 1
            ),
            "model_bias_arena_articles": lambda n, _: analytics.arena_article(
                first_run, made_up("arena", n)
            ),
            "analysis_versions": lambda n, _: analytics.analysis_version(),
            "analysis_versions_v2": lambda n, _: analytics.analysis_version_v2(),
            "trend_consistency_metrics": lambda n, _: analytics.trend_metric(),
            "shared_news_feeds": lambda n, _: analytics.shared_feed(),
            "incident_status": lambda n, _: analytics.incident(),
            "daily_news_feeds": lambda n, _: analytics.daily_feed(),
            "reports": lambda n, _: analytics.report(),
            "keyword_alert_articles": lambda n, _: analytics.alert_article(),
        }
        for spec in SCENARIOS:
            builders[spec.table.name] = self._scenario(analytics, spec, made_up)
        self.builders = builders

    @staticmethod
    def _scenario(
        analytics: AnalyticsTables,
        spec: ScenarioSpec,
        made_up: Callable[[str, int], Row],
    ) -> Callable[[int, Dirty], Row]:
        def build(n: int, _: Dirty) -> Row:
            return analytics.scenario_article(spec, made_up(spec.table.name, n))

        return build

    def row(self, dirty: Dirty) -> Row:
        return self.builders[dirty.table](self.writer.rows[dirty.table], dirty)
