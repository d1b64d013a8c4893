"""Rows of the analytics tables beyond the articles and their child tables.

Auspex chats and their messages, the model bias arena, trend analyses,
podcasts, shared feeds, incidents, the scenario tables' articles, and the
tables of older or lazier files (reports, keyword alert articles, daily feeds).
Their sizes follow the article count (``SIZES``), with a floor so that small
test files hold some of each; they refer to the file's own articles.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Final

from legacy.generate.config_rows import BLOCK_BY_NAME, SCENARIOS, ScenarioSpec
from legacy.generate.context import Context
from legacy.generate.facts import Row, Value
from legacy.generate.text import (
    CATEGORIES,
    DRIVER_TYPES,
    FACTUAL,
    FUTURE_SIGNALS,
    MODELS,
    NOW,
    SENTIMENTS,
    SOURCES,
    TAGS,
    TIMES_TO_IMPACT,
    TOPICS,
    TWO_YEARS,
    day,
    iso_micro,
    sqlite_time,
)
from legacy.schema import block_column

# Articles per row, fewest rows, most rows. Ratios follow the real file's
# sequences (389 chats, 26 arena runs, 24 analyses... beside some 30,000
# articles); floors keep a few rows of each in small test files.
SIZES: Final = {
    "auspex_chats": (60, 3, 5_000),
    "podcasts": (1_000, 2, 300),
    "model_bias_arena_runs": (1_000, 2, 200),
    "analysis_versions": (1_000, 2, 500),
    "analysis_versions_v2": (1_500, 2, 500),
    "trend_consistency_metrics": (2_000, 1, 200),
    "shared_news_feeds": (500, 2, 500),
    "incident_status": (200, 3, 1_000),
    "daily_news_feeds": (300, 2, 2_000),
    "reports": (1_000, 2, 500),
    "keyword_alert_articles": (40, 3, 10_000),
}
_CHATS_PER_BATCH = 500
_SCENARIO_BATCH = 2_000
_POLITICAL = ("Left", "Center-left", "Center", "Center-right", "Right")
_TOOLS = ("get_topic_articles", "semantic_search", "analyze_sentiment_trends")
_TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def scaled(table: str, articles: int) -> int:
    per, low, high = SIZES[table]
    return min(high, max(low, articles // per))


def _json(value: object) -> str:
    return json.dumps(value)


def _moment(rng: random.Random, span: float = TWO_YEARS) -> float:
    return NOW - rng.random() * span


def _article_summary(article: Row) -> dict[str, Value]:
    """An article as the legacy app embeds it in feeds and podcasts."""
    return {
        "uri": article["uri"],
        "title": article["title"],
        "source": article["news_source"],
        "date": article["publication_date"],
        "summary": article["summary"],
    }


class AnalyticsTables:
    """Makes the rows; ``tables`` are those the file has."""

    def __init__(
        self,
        ctx: Context,
        tables: frozenset[str],
        articles: int,
        usernames: tuple[str, ...],
    ) -> None:
        self.ctx = ctx
        self.tables = tables
        self.articles = articles
        self.usernames = usernames
        self.made: Counter[str] = Counter()
        self.system_prompt = ctx.long_text("auspex_messages", 8_300, 9_000)

    def count(self, table: str) -> int:
        return scaled(table, self.articles) if table in self.tables else 0

    def rows(self) -> Iterator[tuple[str, list[Row]]]:
        """Each table's ordinary rows in batches, parents first."""
        simple = (
            ("podcasts", self.podcast),
            ("analysis_versions", self.analysis_version),
            ("analysis_versions_v2", self.analysis_version_v2),
            ("trend_consistency_metrics", self.trend_metric),
            ("shared_news_feeds", self.shared_feed),
            ("incident_status", self.incident),
            ("daily_news_feeds", self.daily_feed),
            ("reports", self.report),
            ("keyword_alert_articles", self.alert_article),
        )
        for table, build in simple:
            if table in self.tables:
                yield table, [build() for _ in range(self.count(table))]
        yield from self.chats()
        yield from self.arena()
        for spec in SCENARIOS:
            if spec.table.name in self.tables:
                yield from self.scenario_articles(spec)

    def _next(self, table: str) -> int:
        self.made[table] += 1
        return self.made[table] - 1

    # --- podcasts, analyses, feeds, incidents --------------------------------------

    def podcast(self) -> Row:
        rng, n = self.ctx.rng("podcasts"), self._next("podcasts")
        made = _moment(rng)
        done = rng.random() < 0.85
        failed = not done and rng.random() < 0.6
        podcast_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        articles = self.ctx.articles.take(rng, 3)
        topic = rng.choice(TOPICS)
        return {
            "id": podcast_id,
            "title": f"{topic} weekly, episode {n + 1}",
            "status": "completed" if done else ("error" if failed else "processing"),
            "audio_url": f"/static/audio/{podcast_id}.mp3" if done else None,
            "created_at": sqlite_time(made),
            "completed_at": sqlite_time(made + rng.randint(120, 1_200))
            if done
            else None,
            "error": self.ctx.text("podcasts", 60) if failed else None,
            "transcript": self.ctx.long_text("podcasts", 9_000, 30_000)
            if done
            else None,
            "metadata": _json(
                {
                    "topic": topic,
                    "article_uris": [article["uri"] for article in articles],
                    "duration_seconds": rng.randint(120, 1_500),
                    "model": rng.choice(MODELS),
                }
            ),
        }

    def _trends(self, table: str) -> dict[str, object]:
        rng = self.ctx.rng(table)
        return {
            "topic": rng.choice(TOPICS),
            "trends": [
                {
                    "title": self.ctx.text(table, 40),
                    "summary": self.ctx.text(table, 300),
                    "strength": round(rng.random(), 2),
                }
                for _ in range(rng.randint(3, 8))
            ],
            "summary": self.ctx.long_text(table, 2_000, 12_000),
        }

    def analysis_version(self) -> Row:
        rng = self.ctx.rng("analysis_versions")
        self._next("analysis_versions")
        data = self._trends("analysis_versions")
        return {
            "id": self.ctx.id("analysis_versions"),
            "topic": str(data["topic"]),
            "version_data": _json(data),
            "created_at": sqlite_time(_moment(rng)),
            "model_used": rng.choice(MODELS),
            "analysis_depth": rng.choice(("quick", "standard", "deep")),
        }

    def analysis_version_v2(self) -> Row:
        rng = self.ctx.rng("analysis_versions_v2")
        n = self._next("analysis_versions_v2")
        data = self._trends("analysis_versions_v2")
        made = _moment(rng)
        topic = str(data["topic"])
        slug = topic.lower().replace(" ", "_")
        return {
            "id": self.ctx.id("analysis_versions_v2"),
            "cache_key": f"{slug}_{n}_{rng.randbytes(6).hex()}",
            "topic": topic,
            "version_data": _json(data),
            "cache_metadata": _json(
                {"model": rng.choice(MODELS), "articles": rng.randint(20, 400)}
            ),
            "created_at": sqlite_time(made),
            "accessed_at": sqlite_time(made + rng.random() * 30 * 86_400),
        }

    def trend_metric(self) -> Row:
        rng = self.ctx.rng("trend_consistency_metrics")
        self._next("trend_consistency_metrics")
        comparisons = rng.randint(1, 12)
        return {
            "id": self.ctx.id("trend_consistency_metrics"),
            "topic": rng.choice(TOPICS),
            "consistency_score": round(rng.uniform(0.4, 1.0), 3),
            "comparison_count": comparisons,
            "detailed_metrics": _json(
                {"comparisons": comparisons, "drift": round(rng.random() / 4, 4)}
            ),
            "analysis_date": sqlite_time(_moment(rng)),
        }

    def shared_feed(self) -> Row:
        rng = self.ctx.rng("shared_news_feeds")
        self._next("shared_news_feeds")
        made = _moment(rng)
        items = [_article_summary(a) for a in self.ctx.articles.take(rng, 6)]
        six = rng.random() < 0.5
        return {
            "id": self.ctx.id("shared_news_feeds"),
            "share_token": "".join(rng.choices(_TOKEN_ALPHABET, k=12)),
            "feed_type": "six-articles" if six else "overview",
            "feed_data": _json(
                items
                if six
                else {
                    "items": items,
                    "summary": self.ctx.text("shared_news_feeds", 400),
                }
            ),
            "date_filter": day(made - 86_400),
            "topic_filter": rng.choice((None, *TOPICS)),
            "created_at": sqlite_time(made),
            "expires_at": iso_micro(made + 30 * 86_400),
            "access_count": rng.randint(0, 40),
        }

    def incident(self) -> Row:
        rng = self.ctx.rng("incident_status")
        n = self._next("incident_status")
        made = _moment(rng)
        return {
            "id": self.ctx.id("incident_status"),
            "incident_name": f"{self.ctx.text('incident_status', 40)} #{n}",
            "topic": rng.choice(TOPICS),
            "status": rng.choice(("active", "active", "seen", "deleted")),
            "created_at": sqlite_time(made),
            "updated_at": sqlite_time(made + rng.random() * 86_400),
        }

    def daily_feed(self) -> Row:
        rng = self.ctx.rng("daily_news_feeds")
        n = self._next("daily_news_feeds")
        items = [_article_summary(a) for a in self.ctx.articles.take(rng, 6)]
        made = NOW - (n // len(TOPICS)) * 86_400
        return {
            "id": self.ctx.id("daily_news_feeds"),
            # One feed per topic and day: (topic, feed_date) is unique.
            "topic": TOPICS[n % len(TOPICS)],
            "feed_date": day(made),
            "overview_data": _json(
                {"headline": self.ctx.text("daily_news_feeds", 70), "items": items}
            ),
            "six_articles_data": _json(items),
            "generated_at": sqlite_time(made),
            "processing_time_seconds": round(rng.uniform(5, 90), 2),
            "model_used": rng.choice(MODELS),
        }

    def report(self) -> Row:
        rng = self.ctx.rng("reports")
        self._next("reports")
        return {
            "id": self.ctx.id("reports"),
            "content": self.ctx.long_text("reports", 4_000, 20_000),
            "created_at": sqlite_time(_moment(rng)),
        }

    def alert_article(self) -> Row:
        rng = self.ctx.rng("keyword_alert_articles")
        n = self._next("keyword_alert_articles")
        source = rng.choice(SOURCES)
        return {
            "id": self.ctx.id("keyword_alert_articles"),
            "url": f"https://www.{source}.com/alerts/{n}",
            "title": self.ctx.text("keyword_alert_articles", 70),
            "summary": self.ctx.text("keyword_alert_articles", 300),
            "source": source,
            "submission_date": sqlite_time(_moment(rng)),
            "topic": rng.choice(TOPICS),
            "keywords": ", ".join(rng.sample(TAGS, rng.randint(1, 3))),
            "analyzed": int(rng.random() < 0.7),
            "moved_to_articles": int(rng.random() < 0.5),
        }

    # --- Auspex chats ----------------------------------------------------------------

    def chats(self) -> Iterator[tuple[str, list[Row]]]:
        count = self.count("auspex_chats")
        for start in range(0, count, _CHATS_PER_BATCH):
            chats = [
                self.chat() for _ in range(start, min(count, start + _CHATS_PER_BATCH))
            ]
            self.ctx.written.setdefault("auspex_chats", []).extend(
                c["id"] for c in chats
            )
            yield "auspex_chats", chats
            yield (
                "auspex_messages",
                [message for chat in chats for message in self.conversation(chat)],
            )

    def chat(self) -> Row:
        rng = self.ctx.rng("auspex_chats")
        self._next("auspex_chats")
        made = _moment(rng, 365 * 86_400)
        profiles = self.ctx.written.get("organizational_profiles", [])
        profile = rng.choice(profiles) if profiles and rng.random() < 0.3 else None
        topic = rng.choice(TOPICS)
        return {
            "id": self.ctx.id("auspex_chats"),
            "topic": topic,
            "title": f"Chat about {topic}",
            "created_at": sqlite_time(made),
            "updated_at": sqlite_time(made + rng.random() * 3 * 86_400),
            "user_id": rng.choice(self.usernames),
            # The app's own local time: two hours ahead of the UTC columns.
            "metadata": _json(
                {"created_at": iso_micro(made + 7_200), "profile_id": profile}
            ),
            "profile_id": profile,
        }

    def conversation(self, chat: Row) -> list[Row]:
        """The system prompt, then one to five questions and their answers."""
        rng = self.ctx.rng("auspex_messages")
        chat_id, when = chat["id"], str(chat["created_at"])
        turns = [self.message(chat_id, "system", when)]
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4, 5))):
            turns.append(self.message(chat_id, "user", when))
            turns.append(self.message(chat_id, "assistant", when))
        return turns

    def message(self, chat_id: Value, role: str, when: str) -> Row:
        rng = self.ctx.rng("auspex_messages")
        row: Row = {
            "id": self.ctx.id("auspex_messages"),
            "chat_id": chat_id,
            "role": role,
            "content": self.system_prompt,
            "timestamp": when,
            "model_used": None,
            "tokens_used": None,
            "metadata": _json({"prompt_name": "default"}),
        }
        if role == "user":
            row["content"] = self.ctx.text("auspex_messages", 60, 0.8, 400)
            row["metadata"] = None
        elif role == "assistant":
            # Answers run to about 12 KB, the longest in the real file.
            row["content"] = self.ctx.long_text("auspex_messages", 5_000, 12_000)
            row["model_used"] = rng.choice(MODELS)
            row["tokens_used"] = rng.randint(300, 4_000) if rng.random() < 0.3 else None
            tools = {tool: rng.random() < 0.8 for tool in _TOOLS}
            row["metadata"] = _json({"used_tools": True, "tools_config": tools})
        return row

    # --- the model bias arena -----------------------------------------------------

    def arena(self) -> Iterator[tuple[str, list[Row]]]:
        if "model_bias_arena_runs" not in self.tables:
            return
        runs = [self.run() for _ in range(self.count("model_bias_arena_runs"))]
        self.ctx.written["model_bias_arena_runs"] = [run["id"] for run in runs]
        yield "model_bias_arena_runs", runs
        chosen: list[Row] = []
        results: list[Row] = []
        for run in runs:
            rng = self.ctx.rng("model_bias_arena_articles")
            articles = self.ctx.articles.take(rng, int(str(run["article_count"])))
            models = json.loads(str(run["selected_models"]))
            for article in articles:
                chosen.append(self.arena_article(run["id"], article))
                results += [
                    self.result(run["id"], article["uri"], model, round_number)
                    for model in models
                    for round_number in range(1, int(str(run["rounds"])) + 1)
                ]
        if "model_bias_arena_articles" in self.tables:
            yield "model_bias_arena_articles", chosen
        if "model_bias_arena_results" in self.tables:
            yield "model_bias_arena_results", results

    def run(self) -> Row:
        rng = self.ctx.rng("model_bias_arena_runs")
        n = self._next("model_bias_arena_runs")
        made = _moment(rng, 365 * 86_400)
        status = rng.choice(("completed",) * 8 + ("running", "failed"))
        rounds = rng.choice((1, 1, 2))
        return {
            "id": self.ctx.id("model_bias_arena_runs"),
            "name": f"Bias run {n + 1}",
            "description": self.ctx.text("model_bias_arena_runs", 80),
            "benchmark_model": rng.choice(MODELS),
            "selected_models": _json(rng.sample(MODELS, rng.randint(2, 3))),
            "article_count": rng.randint(4, 12),
            "created_at": sqlite_time(made),
            "completed_at": sqlite_time(made + 900) if status == "completed" else None,
            "status": status,
            "rounds": rounds,
            "current_round": rounds if status == "completed" else 1,
        }

    def arena_article(self, run_id: Value, article: Row) -> Row:
        rng = self.ctx.rng("model_bias_arena_articles")
        return {
            "id": self.ctx.id("model_bias_arena_articles"),
            "run_id": run_id,
            "article_uri": article["uri"],
            "article_title": article["title"],
            "article_summary": article["summary"],
            "selected_for_benchmark": int(rng.random() < 0.5),
            "created_at": sqlite_time(_moment(rng, 365 * 86_400)),
        }

    def result(self, run_id: Value, uri: Value, model: str, round_number: int) -> Row:
        rng = self.ctx.rng("model_bias_arena_results")
        text = self.ctx.text
        table = "model_bias_arena_results"
        return {
            "id": self.ctx.id(table),
            "run_id": run_id,
            "article_uri": uri,
            "model_name": model,
            "response_text": text(table, 600, 0.4),
            "bias_score": round(rng.random(), 2),
            "confidence_score": round(rng.random(), 2),
            "response_time_ms": rng.randint(800, 20_000),
            "error_message": "timeout" if rng.random() < 0.03 else None,
            "created_at": sqlite_time(_moment(rng, 365 * 86_400)),
            "sentiment_explanation": text(table, 120),
            "future_signal_explanation": text(table, 120),
            "time_to_impact_explanation": text(table, 120),
            "driver_type_explanation": text(table, 120),
            "category_explanation": text(table, 120),
            "sentiment": rng.choice(SENTIMENTS),
            "future_signal": rng.choice(FUTURE_SIGNALS),
            "time_to_impact": rng.choice(TIMES_TO_IMPACT),
            "driver_type": rng.choice(DRIVER_TYPES),
            "category": rng.choice(CATEGORIES),
            "political_bias": rng.choice(_POLITICAL),
            "political_bias_explanation": text(table, 120),
            "factuality": rng.choice(FACTUAL),
            "factuality_explanation": text(table, 120),
            "round_number": round_number,
        }

    # --- scenario tables ----------------------------------------------------------

    def scenario_articles(self, spec: ScenarioSpec) -> Iterator[tuple[str, list[Row]]]:
        """The share of the articles this scenario analysed, copied with its answers."""
        name = spec.table.name
        rng = self.ctx.rng(name)
        count = int(len(self.ctx.articles) * spec.share)
        articles = self.ctx.articles.take(rng, count)
        for start in range(0, len(articles), _SCENARIO_BATCH):
            batch = articles[start : start + _SCENARIO_BATCH]
            yield name, [self.scenario_article(spec, article) for article in batch]

    def scenario_article(self, spec: ScenarioSpec, article: Row) -> Row:
        name = spec.table.name
        rng = self.ctx.rng(name)
        analysed = rng.random() < 0.9
        row = {**article, "analyzed": int(analysed)}
        for block_name in spec.blocks:
            column = block_column(block_name)
            block = BLOCK_BY_NAME[block_name]
            answer = (
                rng.choice(block.options) if block.options else self.ctx.text(name, 90)
            )
            row[column] = answer if analysed else None
            row[f"{column}_explanation"] = (
                self.ctx.text(name, 120) if analysed else None
            )
        return row

    def made_up_article(self, n: int, base: str) -> Row:
        """An article row for planted rows that must not be one of the file's."""
        rng = self.ctx.rng("made up articles")
        moment = _moment(rng)
        return {
            "uri": f"{base}/{n}",
            "title": self.ctx.text("made up articles", 70),
            "news_source": rng.choice(SOURCES),
            "publication_date": day(moment),
            "submission_date": sqlite_time(moment),
            "summary": self.ctx.text("made up articles", 300),
            "tags": ",".join(rng.sample(TAGS, 3)),
            "topic": rng.choice(TOPICS),
            "analyzed": 1,
        }
