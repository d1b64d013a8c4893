"""What the rows beyond the articles draw from.

Each table gets a random generator and an id sequence of its own, seeded from
the file's seed and the table's name, so that its rows depend on nothing but
the arguments: adding a table, or rows to one, leaves the others as they were.
The articles they refer to are read back from the file, a sample at a time,
so a large file's articles are never all in memory.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator

from legacy.generate.facts import Row, Value
from legacy.generate.text import TextPool, lognormal
from legacy.schema import SCENARIO_COLUMNS

# The article columns every release has: those a scenario table starts with.
ARTICLE_COLUMNS = tuple(column.split()[0] for column in SCENARIO_COLUMNS)
_FETCH = 500  # rowids per SELECT


class Ids:
    """Row ids: consecutive in clean files, sparse in dirty ones, where years of
    deletes left gaps."""

    def __init__(self, rng: random.Random, *, sparse: bool) -> None:
        self._rng = rng
        self._sparse = sparse
        self._next: dict[str, int] = {}

    def take(self, table: str) -> int:
        value = self._next.get(table) or self._first()
        gap = 1
        if self._sparse and self._rng.random() < 0.05:
            gap += self._rng.randint(1, 40)
        self._next[table] = value + gap
        return value

    def start_after(self, table: str, last: int) -> None:
        """Go on after ``last``, an id of a row written by someone else."""
        self._next[table] = last + 1

    def _first(self) -> int:
        return self._rng.randint(100, 5_000) if self._sparse else 1


class ArticleSample:
    """The file's ordinary articles (the planted ones left out), by rowid."""

    def __init__(self, conn: sqlite3.Connection, first: int, last: int) -> None:
        self.conn = conn
        self.rowids = range(first, last + 1)

    def __len__(self) -> int:
        return len(self.rowids)

    def take(self, rng: random.Random, count: int) -> list[Row]:
        """``count`` different articles at random (fewer if the file has fewer)."""
        picked = sorted(rng.sample(self.rowids, min(count, len(self.rowids))))
        return list(self._fetch(picked))

    def _fetch(self, rowids: list[int]) -> Iterator[Row]:
        names = ", ".join(ARTICLE_COLUMNS)
        for start in range(0, len(rowids), _FETCH):
            part = rowids[start : start + _FETCH]
            marks = ", ".join("?" * len(part))
            rows = self.conn.execute(
                f"SELECT {names} FROM articles WHERE rowid IN ({marks}) ORDER BY rowid",
                part,
            )
            for values in rows:
                yield dict(zip(ARTICLE_COLUMNS, values, strict=True))


class Context:
    """Random generators, ids and text for the tables beyond the articles."""

    def __init__(
        self,
        *,
        seed: int,
        sparse: bool,
        prose: TextPool,
        markdown: TextPool,
        articles: ArticleSample,
    ) -> None:
        self.seed = seed
        self.sparse = sparse
        self.prose = prose
        self.markdown = markdown
        self.articles = articles
        self._rngs: dict[str, random.Random] = {}
        self._ids: dict[str, Ids] = {}
        # Keys of the rows written, for the tables that others refer to.
        self.written: dict[str, list[Value]] = {}

    def rng(self, table: str) -> random.Random:
        if table not in self._rngs:
            self._rngs[table] = random.Random(f"{table} {self.seed}")
        return self._rngs[table]

    def _sequence(self, table: str) -> Ids:
        if table not in self._ids:
            rng = random.Random(f"{table} ids {self.seed}")
            self._ids[table] = Ids(rng, sparse=self.sparse)
        return self._ids[table]

    def id(self, table: str) -> int:
        return self._sequence(table).take(table)

    def continue_ids(self, table: str, last: int) -> None:
        """Ids of ``table`` go on after ``last`` (rows someone else wrote)."""
        self._sequence(table).start_after(table, last)

    def deleted(self, table: str) -> int:
        """The id of a row that was deleted: taken, and never written."""
        return self.id(table)

    def text(
        self, table: str, median: int, sigma: float = 0.3, high: int = 10_000
    ) -> str:
        rng = self.rng(table)
        return self.prose.take(rng, lognormal(rng, median, sigma, 1, high)).strip()

    def long_text(self, table: str, median: int, high: int) -> str:
        """Markdown, as the language model answers and transcripts read."""
        rng = self.rng(table)
        return self.markdown.take(rng, lognormal(rng, median, 0.5, 200, high))
