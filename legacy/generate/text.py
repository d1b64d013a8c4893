"""Text, names and dates that read like the legacy file's.

Values are cut from long pre-built texts (:class:`TextPool`), which is far
faster than composing each value word by word. Every draw goes through the
``random.Random`` passed in, so a seed gives the same text.
"""

from __future__ import annotations

import bisect
import math
import random
import time
from datetime import UTC, datetime
from typing import Final

# 2025-10-07 09:49:32 UTC, the newest submission in the real 2025-10 file.
NOW: Final = 1_759_830_572
WHEN: Final = datetime(2025, 10, 7, 9, 49, 32, tzinfo=UTC)
TWO_YEARS: Final = 2 * 365 * 86_400

RAW_MIN, RAW_MAX = 874, 65_003
# Log-normal fitted to the real file: median 15 KB, 90th percentile 36 KB,
# mean 19 KB once cut to the real extremes.
_RAW_MU, _RAW_SIGMA = 9.70, 0.67

WORDS = (
    "the", "the", "the", "of", "of", "and", "and", "to", "to", "in", "in", "a",
    "a", "for", "on", "with", "as", "by", "is", "that", "from", "at", "its",
    "new", "will", "has", "after", "energy", "climate", "market", "policy",
    "report", "global", "power", "solar", "wind", "carbon", "emissions",
    "investors", "shares", "growth", "government", "said", "analysts",
    "according", "data", "companies", "technology", "AI", "research", "model",
    "chips", "demand", "prices", "supply", "grid", "transition", "renewable",
    "capacity", "project", "billion", "million", "percent", "year", "week",
    "officials", "regulators", "industry", "sector", "risk", "storage",
    "battery", "electric", "vehicles", "deal", "agreement", "strategy",
    "security", "rates", "inflation", "economy", "trade", "tariffs",
    "production", "oil", "gas", "nuclear", "hydrogen", "infrastructure",
    "investment", "funding", "startup", "launch", "platform", "network",
    "users", "customers", "quarter", "revenue", "profit", "record", "higher",
    "lower", "expected", "announced", "plans", "warned", "could", "would",
    "more", "than", "over", "about", "into", "while", "during", "under",
    "across", "European", "Chinese", "American", "Australian", "Tesla",
    "Nvidia", "OpenAI", "NextEra", "Nasdaq", "ASX", "S&P", "500", "2025",
    "4,000", "3.5%", "Q3", "U.S.", "(AP)", "Reuters", "--", "\u00d8rsted",
    "caf\u00e9", "S\u00e3o", "Z\u00fcrich", "M\u00fcnchen", "\u2014", "it\u2019s",
)  # fmt: skip
SLUG_WORDS = tuple(word.lower() for word in WORDS if word.isascii() and word.isalpha())
SOURCES = (
    "headtopics", "yahoo", "thestreet", "menafn", "themarketsdaily",
    "manilatimes", "financialcontent", "westernjournal", "theborneopost",
    "startribune", "openpr", "electrek", "iolaregister", "reuters",
    "bloomberg", "theguardian", "bbc", "cnbc", "investing", "marketwatch",
    "techcrunch", "theverge", "wired", "apnews", "nytimes", "politico", "axios",
)  # fmt: skip
TOPICS = ("Climate Change", "AI and Machine Learning", "Energy Markets", "Cyber")
CATEGORIES = (
    "Technological Innovations",
    "Climate Finance and Investment",
    "Policy and Regulation",
    "Extreme Weather Events",
    "Corporate Strategy",
)
FUTURE_SIGNALS = (
    "Successful global emissions reduction",
    "Climate change accelerates extreme weather",
    "Climate change effects stabilize",
    "AI will accelerate",
    "AI is hype",
    "",
)
SENTIMENTS = ("Positive", "Neutral", "Neutral", "Negative", "Critical")
TIMES_TO_IMPACT = (
    "Immediate (0-6 months)",
    "Short-term (6-18 months)",
    "Mid-term (18-60 months)",
    "Long-term (60+ months)",
)
DRIVER_TYPES = ("Accelerator", "Inhibitor", "Catalyst", "Blocker", "Delayer")
TAGS = (
    "transmissionline", "powergrid", "NextEraEnergy", "InstitutionalInvestment",
    "RenewableEnergy", "StockAcquisition", "energysector", "AIregulation", "chips",
    "datacenters", "emissions", "carbonmarkets", "heatwave", "flooding", "EVs",
    "batteries", "hydrogen", "nuclear", "solar", "wind", "policy", "tariffs",
)  # fmt: skip
BIASES = ("left", "left-center", "least biased", "right-center", "right")
FACTUAL = ("very high", "high", "mostly factual", "mixed", "low")
CREDIBILITY = ("high credibility", "medium credibility", "low credibility")
COUNTRIES = ("usa", "uk", "australia", "germany", "india", "unknown")
PRESS_FREEDOM = ("mostly free", "moderate freedom", "excellent freedom", "")
MEDIA_TYPES = ("newspaper", "tv station", "website", "magazine", "news agency")
POPULARITY = ("high traffic", "medium traffic", "minimal traffic")
TLDS = ("com", "com", "co.uk", "com.au", "org", "net", "de")
MODELS = ("gpt-4o-mini", "gpt-4.1-mini", "claude-3-5-sonnet")
ANALYSIS_TYPES = ("summary", "insights", "signals")
SIGNALS = ((1, "Regulatory shift"), (2, "Supply shock"), (3, "Disinformation"))


class TextPool:
    """A long text that values are cut from.

    Slicing one pre-built text is far faster than composing each value word by
    word, and a 20 KB markdown costs one copy.
    """

    def __init__(self, text: str, sep: str = " ") -> None:
        self.text = text
        # Values start at a word so they read like text, not noise.
        self._starts = [0, *(i + 1 for i, char in enumerate(text) if char == sep)]

    def take(self, rng: random.Random, length: int) -> str:
        length = min(length, len(self.text))
        usable = bisect.bisect_right(self._starts, len(self.text) - length)
        start = self._starts[int(rng.random() * usable)]
        return self.text[start : start + length]


def prose(rng: random.Random, size: int) -> str:
    sentences: list[str] = []
    total = 0
    while total < size:
        sentence = " ".join(rng.choices(WORDS, k=rng.randint(6, 24)))
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
        total += len(sentences[-1]) + 1
    return " ".join(sentences)


def markdown(rng: random.Random, prose: TextPool, size: int) -> str:
    """Scraped-page markdown: headings, paragraphs, link lists and images."""
    blocks: list[str] = []
    total = 0
    while total < size:
        roll = rng.random()
        if roll < 0.1:
            block = "## " + prose.take(rng, rng.randint(20, 70)).strip()
        elif roll < 0.18:
            block = "\n".join(
                f"- [{prose.take(rng, rng.randint(15, 50)).strip()}]"
                f"(https://www.example.com/news/{rng.randint(1000, 99999)})"
                for _ in range(rng.randint(2, 6))
            )
        elif roll < 0.22:
            block = f"![](https://cdn.example.com/img/{rng.randint(1, 10**6)}.jpg)"
        else:
            block = prose.take(rng, rng.randint(200, 1200)).strip()
        blocks.append(block)
        total += len(block) + 2
    return "\n\n".join(blocks)


def lognormal(
    rng: random.Random, median: int, sigma: float, low: int, high: int
) -> int:
    drawn = int(rng.lognormvariate(math.log(median), sigma))
    return min(high, max(low, drawn))


def raw_length(rng: random.Random, scale: float = 1.0) -> int:
    """A raw markdown length as the real file's, times ``scale``."""
    mu = _RAW_MU + math.log(scale)
    low, high = int(RAW_MIN * scale), int(RAW_MAX * scale)
    # Redraw rather than clamp, so the extremes do not pile up.
    while True:
        length = int(rng.lognormvariate(mu, _RAW_SIGMA))
        if low <= length <= high:
            return length


def sqlite_time(moment: float) -> str:
    """The shape of SQLite's CURRENT_TIMESTAMP (UTC)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(moment))


def day(moment: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(moment))


def iso_micro(moment: float) -> str:
    """The shape of Python's datetime.now().isoformat(), naive."""
    micro = int(moment % 1 * 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{micro:06d}"
