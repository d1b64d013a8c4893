"""Keyword monitoring: which monitored keywords an article mentions.

The matching rule, in one place:

* An article's text is its title, its summary and its raw markdown (as text:
  link targets and markup included, since analysts search what was scraped).
* Comparison is case-insensitive by Unicode case folding (``str.casefold``), so
  ``"STRASSE"`` matches ``"Straße"``; accents are significant (``"cafe"`` does
  not match ``"café"``).
* A keyword matches only as a whole word or phrase: the character before and
  after it must not be a letter, digit or underscore. ``"AI"`` matches
  ``"AI-driven"`` and ``"(AI)"`` but not ``"said"`` or ``"AIs"``; ``"C++"``
  matches ``"C++ code"``.
* Any run of whitespace counts as one space, in the keyword and in the text, so
  ``"machine learning"`` matches across a line break.
* Blank keywords never match.

Keywords and groups live in SQLite (``config_app``); they are read once per
save with :func:`load_keywords` and referred to by id in PostgreSQL.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from config_app.models import MonitoredKeyword


@dataclass(frozen=True)
class Keyword:
    """A monitored keyword (SQLite id) and the keyword group it belongs to."""

    id: int
    group_id: int
    text: str


def load_keywords(using: str = "default") -> list[Keyword]:
    """Every monitored keyword with its group id, in one query."""
    rows = MonitoredKeyword.objects.using(using).order_by("id")
    return [
        Keyword(id=pk, group_id=group_id, text=text)
        for pk, group_id, text in rows.values_list("id", "group_id", "keyword")
    ]


def normalise(text: str) -> str:
    """The form both sides are compared in: case-folded, whitespace collapsed."""
    # str.split() splits on the same Unicode whitespace as \s, several times faster.
    return " ".join(text.casefold().split())


class KeywordMatcher:
    """Finds the monitored keywords that an article's text mentions."""

    def __init__(self, keywords: Iterable[Keyword]) -> None:
        # The same word is often monitored by several groups: test it once.
        owners: dict[str, list[Keyword]] = defaultdict(list)
        for keyword in keywords:
            needle = normalise(keyword.text)
            if needle:
                owners[needle].append(keyword)
        self._rules = [
            (needle, re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)"), found)
            for needle, found in owners.items()
        ]

    def __bool__(self) -> bool:
        return bool(self._rules)

    def match(self, *texts: str | None) -> dict[int, set[int]]:
        """Matched keyword ids by group id, for the given pieces of one article."""
        haystack = normalise("\n".join(text for text in texts if text))
        matched: dict[int, set[int]] = defaultdict(set)
        for needle, pattern, keywords in self._rules:
            # The substring test is a cheap necessary condition for the regex.
            if needle in haystack and pattern.search(haystack):
                for keyword in keywords:
                    matched[keyword.group_id].add(keyword.id)
        return dict(matched)
