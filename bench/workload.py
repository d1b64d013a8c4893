"""Deterministic articles shaped like the legacy app's, for both architectures.

Every writer gets the same articles on both sides of a comparison: the batches
depend only on (seed, writer, batch). Half of the articles carry raw markdown
whose length follows the legacy files' distribution (874 to 65,003 characters,
about 19 KB on average); the text is cut from one pre-built corpus so that
generating it costs almost nothing next to saving it.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

BATCH_SIZE = 100
# A share of each batch reuses URIs that other writers save too, so the
# upsert paths meet real conflicts (the legacy app saw the same story twice).
SHARED_URI_SHARE = 0.1
SHARED_URI_POOL = 500
SHARED_PREFIX = "https://news.example/shared/"
SEED_PREFIX = "seed"
SEED_URI_PREFIX = f"https://news.example/{SEED_PREFIX}"

MARKDOWN_MIN = 874
MARKDOWN_MAX = 65_003

TOPICS = (
    "AI and Machine Learning",
    "Climate Change",
    "Semiconductors",
    "Public Health",
)
CATEGORIES = ("Policy", "Research", "Industry", "Markets", "Society", "Security")
SENTIMENTS = ("Positive", "Neutral", "Negative", "Mixed", "Critical")
TIMES = ("Immediate", "Short-term", "Mid-term", "Long-term")
DRIVERS = ("Accelerator", "Blocker", "Catalyst", "Delayer", "Initiator", "Terminator")
SIGNALS = ("AI will evolve gradually", "AI is hype", "AI will accelerate")
SOURCES = tuple(
    f"{name}.example"
    for name in (
        "reuters",
        "apnews",
        "bbc",
        "guardian",
        "nature",
        "wired",
        "ft",
        "lemonde",
        "spiegel",
        "nikkei",
        "elpais",
        "theverge",
    )
)
VOCABULARY = (
    "climate policy emissions carbon market regulators semiconductor supply chain "
    "chip factory artificial intelligence model training compute energy grid "
    "vaccine trial hospital election parliament budget inflation central bank "
    "interest rates researchers university startup funding acquisition privacy "
    "security breach ransomware drought flood wildfire heatwave battery lithium "
    "solar wind nuclear reactor hydrogen steel shipping port tariff export "
    "sanctions treaty summit minister agency report analysis forecast growth "
    "decline record quarter revenue profit layoffs hiring workers union strike "
    "court ruling lawsuit patent open source benchmark robot autonomous vehicle "
    "satellite launch telescope genome protein antibiotic resistance outbreak "
    "café résumé naïve Zürich São Paulo Kraków"
)
WORDS = tuple(VOCABULARY.split())
# Most words of real prose are not the topical ones: filler pseudo-words make
# a searched term match about 1 % of the articles instead of almost all.
SYLLABLES = ("ka", "lo", "mi", "ren", "tu", "sa", "vel", "do", "ri", "an", "mor", "es")
FILLER = tuple(a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES)
TOPICAL_SHARE = 0.2


def words(rng: random.Random, count: int) -> str:
    return " ".join(
        rng.choice(WORDS) if rng.random() < TOPICAL_SHARE else rng.choice(FILLER)
        for _ in range(count)
    )


SEARCH_TERMS = (
    "climate policy",
    "semiconductor factory",
    "vaccine trial",
    "ransomware breach",
    "lithium battery",
)


@functools.cache
def corpus(seed: int = 0) -> str:
    """About 1.5 MB of markdown-ish prose to cut raw articles from."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < 1_500_000:
        block = _markdown_block(rng)
        parts.append(block)
        size += len(block)
    return "".join(parts)


def _markdown_block(rng: random.Random) -> str:
    heading = words(rng, rng.randint(3, 7)).capitalize()
    paragraphs = [_sentences(rng, rng.randint(3, 8)) for _ in range(rng.randint(2, 5))]
    bullets = [f"- {_sentences(rng, 1)}" for _ in range(rng.randint(0, 4))]
    link = (
        f"[{rng.choice(WORDS)}](https://{rng.choice(SOURCES)}/{rng.randint(1, 99999)})"
    )
    return (
        f"## {heading}\n\n"
        + "\n\n".join(paragraphs)
        + f" {link}\n\n"
        + ("\n".join(bullets) + "\n\n" if bullets else "")
    )


def _sentences(rng: random.Random, count: int) -> str:
    return " ".join(
        words(rng, rng.randint(8, 22)).capitalize() + "." for _ in range(count)
    )


def markdown_length(rng: random.Random) -> int:
    # Log-normal around 15 KB: mean about 19 KB, long tail to the 65 KB cap.
    value = int(rng.lognormvariate(9.62, 0.7))
    return max(MARKDOWN_MIN, min(MARKDOWN_MAX, value))


def raw_markdown(rng: random.Random, title: str, seed: int = 0) -> str:
    text = corpus(seed)
    header = f"# {title}\n\n"
    length = markdown_length(rng) - len(header)
    start = rng.randrange(0, len(text) - MARKDOWN_MAX)
    return header + text[start : start + length]


def article(
    rng: random.Random, uri: str, *, when: datetime, seed: int = 0
) -> dict[str, Any]:
    """One analysed article with the legacy columns, raw markdown for about half."""
    title = words(rng, rng.randint(6, 12)).capitalize()
    source = rng.choice(SOURCES)
    return {
        "uri": uri,
        "title": title,
        "news_source": source,
        "publication_date": when,
        "submission_date": when + timedelta(hours=rng.randint(1, 48)),
        "summary": _sentences(rng, rng.randint(3, 6)),
        "category": rng.choice(CATEGORIES),
        "future_signal": rng.choice(SIGNALS),
        "future_signal_explanation": _sentences(rng, 2),
        "sentiment": rng.choice(SENTIMENTS),
        "sentiment_explanation": _sentences(rng, 2),
        "time_to_impact": rng.choice(TIMES),
        "time_to_impact_explanation": _sentences(rng, 2),
        "tags": ", ".join(rng.sample(WORDS, 5)),
        "driver_type": rng.choice(DRIVERS),
        "driver_type_explanation": _sentences(rng, 2),
        "topic": rng.choice(TOPICS),
        "analyzed": True,
        "bias": rng.choice(("Left-Center", "Least Biased", "Right-Center")),
        "factual_reporting": rng.choice(("High", "Mostly Factual", "Very High")),
        "mbfc_credibility_rating": rng.choice(
            ("High Credibility", "Medium Credibility")
        ),
        "bias_source": source,
        "bias_country": rng.choice(("USA", "United Kingdom", "France", "Japan")),
        "press_freedom": rng.choice(("Mostly Free", "Free")),
        "media_type": rng.choice(("Newspaper", "Website", "TV Station")),
        "popularity": rng.choice(("High Traffic", "Medium Traffic")),
        "topic_alignment_score": round(rng.random(), 17),
        "keyword_relevance_score": round(rng.random(), 9),
        "confidence_score": round(rng.random(), 4),
        "overall_match_explanation": _sentences(rng, 1),
        "extracted_article_topics": ", ".join(rng.sample(WORDS, 3)),
        "extracted_article_keywords": ", ".join(rng.sample(WORDS, 4)),
        "ingest_status": rng.choice(("manual", "approved")),
        "quality_score": round(rng.random(), 3),
        "quality_issues": None,
        "auto_ingested": rng.random() < 0.3,
        "raw_markdown": raw_markdown(rng, title, seed) if rng.random() < 0.5 else None,
    }


def writer_batches(
    *, writer: int, batches: int, seed: int = 0, prefix: str = "w"
) -> list[list[dict[str, Any]]]:
    """The batches one writer saves: mostly its own URIs, some shared with others."""
    return list(iter_batches(writer=writer, batches=batches, seed=seed, prefix=prefix))


def iter_batches(
    *, writer: int, batches: int, seed: int = 0, prefix: str = "w"
) -> Iterator[list[dict[str, Any]]]:
    rng = random.Random(f"{seed}-{prefix}-{writer}")
    start = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=writer)
    for batch in range(batches):
        rows = []
        for position in range(BATCH_SIZE):
            if rng.random() < SHARED_URI_SHARE:
                uri = f"{SHARED_PREFIX}{rng.randrange(SHARED_URI_POOL)}"
            else:
                uri = f"https://news.example/{prefix}{writer}/{batch}/{position}"
            when = start + timedelta(minutes=37 * (batch * BATCH_SIZE + position))
            rows.append(article(rng, uri, when=when, seed=seed))
        yield _unique_by_uri(rows)


def _unique_by_uri(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # One batch never names a URI twice: neither app sends such a batch.
    return list({row["uri"]: row for row in rows}.values())


def seed_batches(count: int, *, seed: int = 0) -> Iterator[list[dict[str, Any]]]:
    """Articles present before a measurement starts, so reads have pages to show."""
    batches = max(1, -(-count // BATCH_SIZE))
    return iter_batches(writer=0, batches=batches, seed=seed, prefix=SEED_PREFIX)
