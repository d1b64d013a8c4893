"""One legacy table as the legacy application created it, and its indexes."""

from __future__ import annotations

import random
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass, replace
from typing import Final

CONFIG: Final = "config"
ANALYTICS: Final = "analytics"
SIDES: Final = (CONFIG, ANALYTICS)

_CONSTRAINTS: Final = ("FOREIGN KEY", "UNIQUE(", "PRIMARY KEY (", "CHECK")


@dataclass(frozen=True)
class Reference:
    """A column that names a row of another table.

    ``declared`` references are FOREIGN KEY clauses of the legacy DDL, which
    SQLite enforced only on connections that asked for it; the others hold the
    parent's key by the legacy application's convention alone. Neither stopped
    child rows from outliving their parent.
    """

    column: str
    table: str
    target: str
    declared: bool = True


@dataclass(frozen=True)
class LegacyTable:
    """A table's ``CREATE TABLE`` text, split so that it can be reproduced.

    ``lines`` are the column and constraint lines without their indentation
    (``indent`` spaces; the closing parenthesis has ``close``). ``indent=None``
    is a statement on one line. ``added`` are the columns a later release added
    with ALTER TABLE, which SQLite appends to the stored text.
    """

    name: str
    side: str
    key: tuple[str, ...]
    lines: tuple[str, ...]
    indent: int | None
    close: int = 0
    added: tuple[str, ...] = ()
    head: str = ""
    references: tuple[Reference, ...] = ()

    @property
    def parents(self) -> tuple[str, ...]:
        """The tables this one refers to, each once, in declaration order."""
        return tuple(dict.fromkeys(ref.table for ref in self.references))

    def create_sql(self) -> str:
        head = self.head or f"CREATE TABLE {self.name} ("
        if self.indent is None:
            return f"{head}{' '.join(self.lines)})"
        lines = "\n".join(" " * self.indent + line for line in self.lines)
        return f"{head}\n{lines}\n{' ' * self.close})"

    def alter_sql(self) -> list[str]:
        return [f"ALTER TABLE {self.name} ADD COLUMN {column}" for column in self.added]

    def sql(self) -> str:
        """The text sqlite_master holds once the ALTER TABLEs have run."""
        create = self.create_sql()
        if not self.added:
            return create
        return f"{create[:-1]}, {', '.join(self.added)})"

    def columns(self) -> tuple[str, ...]:
        """The column names in file order, as SQLite reads the DDL."""
        with closing(sqlite3.connect(":memory:")) as connection:
            connection.execute(self.create_sql())
            for sql in self.alter_sql():
                connection.execute(sql)
            info = connection.execute(f"PRAGMA table_info({self.name})").fetchall()
        return tuple(row[1] for row in info)

    def without_added(self) -> LegacyTable:
        """The table as a release before the ALTER TABLEs created it."""
        return replace(self, added=())

    def shuffled(self, rng: random.Random) -> LegacyTable:
        """The same columns in another order, as in an installation that added
        them in another order; constraints stay last."""
        lines = [line.rstrip(",") for line in self.lines]
        columns = [line for line in lines if not line.startswith(_CONSTRAINTS)]
        constraints = [line for line in lines if line.startswith(_CONSTRAINTS)]
        order = list(columns)
        while order == columns:
            rng.shuffle(order)
        added = list(self.added)
        rng.shuffle(added)
        joined = ",\n".join(order + constraints).split("\n")
        return replace(self, lines=tuple(joined), added=tuple(added))


_INDEX_NAME: Final = re.compile(r"CREATE (?:UNIQUE )?(?:INDEX|TRIGGER) (\w+)")
_INDEX_TABLE: Final = re.compile(r"\bON\s+(\w+)")


@dataclass(frozen=True)
class Index:
    """An index or trigger, in the exact text the legacy application used."""

    sql: str

    @property
    def name(self) -> str:
        return _search(_INDEX_NAME, self.sql)

    @property
    def table(self) -> str:
        return _search(_INDEX_TABLE, self.sql)


def _search(pattern: re.Pattern[str], sql: str) -> str:
    found = pattern.search(sql)
    if found is None:
        raise ValueError(f"not an index or trigger of a table: {sql!r}")
    return found.group(1)


# --- scenario tables ---------------------------------------------------------

SCENARIO_TABLE: Final = re.compile(r"articles_scenario_(\d+)")
# The columns every scenario table starts with; two TEXT columns per building
# block of the scenario follow.
SCENARIO_COLUMNS: Final = (
    "uri TEXT PRIMARY KEY",
    "title TEXT",
    "news_source TEXT",
    "publication_date TEXT",
    "submission_date TEXT DEFAULT CURRENT_TIMESTAMP",
    "summary TEXT",
    "tags TEXT",
    "topic TEXT",
    "analyzed BOOLEAN DEFAULT FALSE",
)


def block_column(block_name: str) -> str:
    """The column a building block gets in a scenario table: 'Topic Sentiment'
    -> 'topic_sentiment'."""
    return re.sub(r"[^a-z0-9]+", "_", block_name.lower()).strip("_")


def scenario_table(number: int, block_names: tuple[str, ...]) -> LegacyTable:
    """``articles_scenario_<number>`` for a scenario with these building blocks.

    The legacy application creates it when the scenario is created, on one
    line: the common columns, then ``<block>`` and ``<block>_explanation`` for
    each block in building block id order.
    """
    blocks = [block_column(name) for name in block_names]
    columns = [
        *SCENARIO_COLUMNS,
        *(
            f"{block}{suffix} TEXT"
            for block in blocks
            for suffix in ("", "_explanation")
        ),
    ]
    return LegacyTable(
        name=f"articles_scenario_{number}",
        side=ANALYTICS,
        key=("uri",),
        lines=(*(column + "," for column in columns[:-1]), columns[-1]),
        indent=None,
        # The scenario's copy of an article it analysed.
        references=(Reference("uri", "articles", "uri", declared=False),),
    )
