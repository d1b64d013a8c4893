"""Ordinary rows of the articles and the tables that hang off them.

Realistic sizes, and nothing a migration must fix: the dirty values are
:mod:`legacy.generate.dirty`'s. Every draw comes from the file's main random
generator, in a fixed order, so a seed gives the same rows.
"""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass

from legacy.generate.config_rows import PASSWORDS
from legacy.generate.context import Ids
from legacy.generate.facts import Row, Value
from legacy.generate.text import (
    ANALYSIS_TYPES,
    BIASES,
    CATEGORIES,
    COUNTRIES,
    CREDIBILITY,
    DRIVER_TYPES,
    FACTUAL,
    FUTURE_SIGNALS,
    MEDIA_TYPES,
    MODELS,
    NOW,
    POPULARITY,
    PRESS_FREEDOM,
    SENTIMENTS,
    SIGNALS,
    SLUG_WORDS,
    SOURCES,
    TAGS,
    TIMES_TO_IMPACT,
    TLDS,
    TOPICS,
    TWO_YEARS,
    TextPool,
    day,
    iso_micro,
    lognormal,
    markdown,
    prose,
    raw_length,
    sqlite_time,
)

RAW_SHARE = 0.5
ANALYZED_SHARE = 0.6
MATCH_SHARE = 0.62
ALERT_SHARE = 0.6
CACHE_SHARE = 0.1
ANNOTATION_SHARE = 0.02
SIGNAL_SHARE = 0.05


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    topic: str
    keyword_ids: tuple[int, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class KeywordLayout:
    """Keyword groups and keywords; dirty files have ids of deleted keywords."""

    groups: tuple[Group, ...]
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


KEYWORD_SETS = (
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


def keyword_layout(rng: random.Random, *, sparse: bool) -> KeywordLayout:
    # Real ids: group 80, keywords 422-434, with 409 and 410 deleted but still
    # referenced by keyword_ids.
    group_id, keyword_id = (77, 409) if sparse else (1, 1)
    deleted = [409, 410] if sparse else []
    keyword_id += len(deleted)
    groups = []
    for name, topic, words in KEYWORD_SETS:
        keywords = tuple(words.split("|"))
        ids = []
        for _ in keywords:
            if sparse and rng.random() < 0.15:
                deleted.append(keyword_id)
                keyword_id += 1
            ids.append(keyword_id)
            keyword_id += 1
        groups.append(Group(group_id, name, topic, tuple(ids), keywords))
        group_id += 1 + (rng.randint(1, 3) if sparse else 0)
    return KeywordLayout(tuple(groups), tuple(deleted))


# The columns an article has before the LLM analysis fills them: NULL, as in
# the real file (the 18 later columns are NULL for rows older than them too).
UNANALYZED: Row = {
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
CHILD_TABLES = (
    "raw_articles",
    "keyword_article_matches",
    "keyword_alerts",
    "article_analysis_cache",
    "article_annotations",
    "signal_alerts",
)


class Factory:
    """Makes ordinary rows: realistic sizes and nothing a migration must fix."""

    def __init__(
        self,
        rng: random.Random,
        ids: Ids,
        layout: KeywordLayout,
        tables: frozenset[str],
        extra_columns: tuple[str, ...],
        raw_scale: float = 1.0,
    ) -> None:
        self.rng = rng
        self.raw_scale = raw_scale
        self.ids = ids
        self.layout = layout
        self.tables = tables
        self.extra_columns = extra_columns
        self.prose = TextPool(prose(rng, 300_000))
        self.markdown = TextPool(markdown(rng, self.prose, 200_000))
        self.slugs = TextPool("-".join(rng.choices(SLUG_WORDS, k=40_000)), sep="-")
        self.tokens = base64.urlsafe_b64encode(rng.randbytes(3_000)).decode()

    def text(self, median: int, sigma: float = 0.3, high: int = 10_000) -> str:
        length = lognormal(self.rng, median, sigma, 1, high)
        return self.prose.take(self.rng, length).strip()

    def article(self, i: int) -> Row:
        rng = self.rng
        published = NOW - rng.random() * TWO_YEARS
        source = rng.choice(SOURCES)
        row: Row = {
            **UNANALYZED,
            "uri": self._uri(i, source),
            "title": self._title(source),
            "news_source": source,
            # A third of the real publication dates have no time of day.
            "publication_date": (
                day(published) if rng.random() < 0.35 else sqlite_time(published)
            ),
            "submission_date": sqlite_time(published + rng.random() * 86_400),
            "summary": self._summary(),
            "topic": rng.choice(TOPICS),
        }
        if rng.random() < ANALYZED_SHARE:
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
            "category": rng.choice(CATEGORIES),
            "future_signal": rng.choice(FUTURE_SIGNALS),
            "future_signal_explanation": self.text(130),
            "sentiment": rng.choice(SENTIMENTS),
            "sentiment_explanation": self.text(130),
            "time_to_impact": rng.choice(TIMES_TO_IMPACT),
            # The legacy app leaves some explanations '' rather than NULL.
            "time_to_impact_explanation": self.text(120) if rng.random() < 0.6 else "",
            "tags": ",".join(rng.sample(TAGS, rng.randint(3, 6))),
            "driver_type": rng.choice(DRIVER_TYPES),
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
            "bias": rng.choice(BIASES),
            "factual_reporting": rng.choice(FACTUAL),
            "mbfc_credibility_rating": rng.choice(CREDIBILITY),
            "bias_source": "",
            "bias_country": rng.choice(COUNTRIES),
            "press_freedom": rng.choice(PRESS_FREEDOM),
            "media_type": rng.choice(MEDIA_TYPES),
            "popularity": rng.choice(POPULARITY),
        }

    def _score(self) -> float:
        # Scores mostly have one or two decimals; some carry all 17 digits.
        digits = self.rng.choice((1, 1, 1, 2, 2, 3, 17))
        value = self.rng.random()
        return value if digits == 17 else round(value, digits)

    def raw(self, uri: Value, length: int | None = None) -> Row:
        rng = self.rng
        saved = NOW - rng.random() * TWO_YEARS
        return {
            "uri": uri,
            "raw_markdown": self.markdown.take(
                rng, length or raw_length(rng, self.raw_scale)
            ),
            "submission_date": iso_micro(saved),
            "last_updated": iso_micro(saved + rng.random())
            if rng.random() < 0.8
            else None,
            "topic": rng.choice(TOPICS),
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
        made = NOW - rng.random() * TWO_YEARS
        metadata = {"tokens": rng.randint(200, 4000), "temperature": 0.1}
        return {
            "id": self.ids.take("article_analysis_cache"),
            "article_uri": uri,
            "analysis_type": rng.choice(ANALYSIS_TYPES),
            "content": self.markdown.take(rng, lognormal(rng, 2_500, 0.5, 200, 20_000)),
            "model_used": rng.choice(MODELS),
            "generated_at": sqlite_time(made),
            "expires_at": sqlite_time(made + 604_800) if rng.random() < 0.5 else None,
            "metadata": json.dumps(metadata) if rng.random() < 0.7 else None,
        }

    def annotation(self, uri: Value) -> Row:
        rng = self.rng
        made = NOW - rng.random() * TWO_YEARS
        return {
            "id": self.ids.take("article_annotations"),
            "article_uri": uri,
            "author": rng.choice(tuple(PASSWORDS)),
            "content": self.text(200, 0.6),
            "is_private": int(rng.random() < 0.3),
            "created_at": sqlite_time(made),
            "updated_at": sqlite_time(made + rng.random() * 86_400),
        }

    def signal_alert(self, uri: Value, when: Value) -> Row:
        rng = self.rng
        instruction_id, name = rng.choice(SIGNALS)
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
            "source": f"{rng.choice(SOURCES)}{n}.{rng.choice(TLDS)}",
            "country": rng.choice(COUNTRIES),
            "bias": rng.choice(BIASES),
            "factual_reporting": rng.choice(FACTUAL),
            "press_freedom": rng.choice(PRESS_FREEDOM),
            "media_type": rng.choice(MEDIA_TYPES),
            "popularity": rng.choice(POPULARITY),
            "mbfc_credibility_rating": rng.choice(CREDIBILITY),
            "enabled": 1,
            "last_updated": "2025-05-19 18:10:48",
            "updated_at": "2025-05-20 07:28:13",
        }

    def feed_item(self, n: int) -> Row:
        rng = self.rng
        posted = NOW - rng.random() * TWO_YEARS
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
            "publication_date": sqlite_time(posted),
            "engagement_metrics": json.dumps({"likes": rng.randint(0, 500)}),
            "tags": json.dumps(rng.sample(TAGS, 2)),
            "mentions": "[]",
            "images": "[]",
            "is_hidden": 0,
            "is_starred": int(rng.random() < 0.1),
            "created_at": sqlite_time(posted + 3_600),
        }

    def children(
        self, batch: list[Row], raw_lengths: list[int]
    ) -> dict[str, list[Row]]:
        """The rows that belong to a batch of articles, per table of the schema.

        ``raw_lengths`` are lengths to use first (the real extremes).
        """
        rng = self.rng
        out: dict[str, list[Row]] = {t: [] for t in CHILD_TABLES if t in self.tables}
        for article in batch:
            uri, when = article["uri"], article["submission_date"]
            if rng.random() < RAW_SHARE:
                length = raw_lengths.pop(0) if raw_lengths else None
                out["raw_articles"].append(self.raw(uri, length))
            if rng.random() < MATCH_SHARE:
                out["keyword_article_matches"].append(self.match(uri, when))
            if rng.random() < ALERT_SHARE:
                out["keyword_alerts"].extend(self.alerts(uri, when))
            if "article_analysis_cache" in out and rng.random() < CACHE_SHARE:
                out["article_analysis_cache"].append(self.cache(uri))
            if rng.random() < ANNOTATION_SHARE:
                out["article_annotations"].append(self.annotation(uri))
            if "signal_alerts" in out and rng.random() < SIGNAL_SHARE:
                out["signal_alerts"].append(self.signal_alert(uri, when))
        return out

    def base_row(self, table: str, values: Row, slot: int) -> Row:
        """An ordinary row of ``table`` for planted values to overwrite."""
        link = values.get("uri", values.get("article_uri"))
        when = sqlite_time(NOW)
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
