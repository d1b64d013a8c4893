"""Tables no legacy release has, as a customised installation may add them.

The migration cannot know their columns, so it keeps their rows whole in
``legacy_archive``. Each unknown table holds every SQLite storage class:
INTEGER, REAL, TEXT, BLOB and NULL, in a column declared without a type (which
keeps whatever it is given) beside typed ones. A WITHOUT ROWID table has no
rowid to read rows by: its key is its text primary key.

In a dirty file one row per storage class is planted; its fact expects the
archived value as ``legacy_archive.row`` holds it: text as a string, numbers
as numbers, NULL as null, a BLOB as ``{"base64": ...}``.
"""

from __future__ import annotations

import base64
import random
import sqlite3
from collections.abc import Sequence

from legacy import schema
from legacy.generate.dirty import Recorder
from legacy.generate.facts import Planted, Row, Value
from legacy.generate.text import NOW, TWO_YEARS, sqlite_time
from legacy.generate.writer import Writer, transaction

_ROWID_TABLE = """CREATE TABLE {name} (
    id INTEGER PRIMARY KEY,
    label TEXT,
    amount REAL,
    payload BLOB,
    noted_at TIMESTAMP,
    anything
)"""
_WITHOUT_ROWID_TABLE = """CREATE TABLE {name} (
    code TEXT PRIMARY KEY,
    label TEXT,
    amount REAL,
    payload BLOB,
    noted_at TIMESTAMP,
    anything
) WITHOUT ROWID"""
_BLOB = bytes((0, 1, 127, 128, 254, 255))
# kind, value in the untyped column, its storage class, the archived value.
STORAGE_CLASSES: tuple[tuple[str, Value, str, object], ...] = (
    ("storage class integer", 42, "integer", 42),
    ("storage class integer", 2**63 - 1, "integer", 2**63 - 1),
    ("storage class real", 0.30000000000000004, "real", 0.30000000000000004),
    ("storage class text", "caf\u00e9 \U0001f30d", "text", "caf\u00e9 \U0001f30d"),
    ("storage class text", "", "text", ""),
    ("storage class blob", _BLOB, "blob", {"base64": base64.b64encode(_BLOB).decode()}),
    ("storage class null", None, "null", None),
)
# Enough rows that the ordinary ones alone hold every storage class.
_ROWS_PER_ARTICLE, _FEWEST, _MOST = 50, len(STORAGE_CLASSES), 5_000


def check_names(names: Sequence[str]) -> None:
    """Refuse names a legacy release uses, or that are not plain identifiers."""
    if len(set(names)) != len(names):
        raise ValueError(f"extra tables are named twice: {sorted(names)}")
    for name in names:
        if not schema.IDENTIFIER.fullmatch(name) or name.startswith("sqlite_"):
            raise ValueError(f"extra table {name!r} is not a plain identifier")
        if schema.legacy_table(name) is not None:
            raise ValueError(f"extra table {name!r} is a legacy table")


class UnknownTables:
    """The extra tables of a file: created, filled and recorded."""

    def __init__(self, rowid: Sequence[str], without_rowid: Sequence[str]) -> None:
        self.rowid = tuple(rowid)
        self.without_rowid = tuple(without_rowid)

    def key(self, name: str) -> tuple[str, ...]:
        return ("code",) if name in self.without_rowid else ("id",)

    def create(self, conn: sqlite3.Connection) -> dict[str, tuple[str, ...]]:
        for name in self.rowid:
            conn.execute(_ROWID_TABLE.format(name=name))
        for name in self.without_rowid:
            conn.execute(_WITHOUT_ROWID_TABLE.format(name=name))
        names = (*self.rowid, *self.without_rowid)
        return {name: schema.table_columns(conn, name) for name in names}

    def write(
        self,
        writer: Writer,
        recorder: Recorder,
        *,
        seed: int,
        articles: int,
        dirty: bool,
    ) -> None:
        count = min(_MOST, max(_FEWEST, articles // _ROWS_PER_ARTICLE))
        for name in (*self.rowid, *self.without_rowid):
            rng = random.Random(f"{name} {seed}")
            rows = [self._row(name, n, rng) for n in range(count)]
            with transaction(writer.conn):
                writer.many(name, rows)
                if dirty:
                    self._plant(writer, recorder, name, count, rng)

    def _row(self, name: str, n: int, rng: random.Random) -> Row:
        # The ordinary rows cycle through the storage classes too.
        anything = STORAGE_CLASSES[n % len(STORAGE_CLASSES)][1]
        return {
            self.key(name)[0]: n + 1 if name in self.rowid else f"code-{n:05d}",
            "label": f"note {n}",
            "amount": round(rng.uniform(-1_000, 1_000), rng.choice((0, 2, 6))),
            "payload": rng.randbytes(rng.randint(1, 64)),
            "noted_at": sqlite_time(NOW - rng.random() * TWO_YEARS),
            "anything": anything,
        }

    def _plant(
        self,
        writer: Writer,
        recorder: Recorder,
        name: str,
        first: int,
        rng: random.Random,
    ) -> None:
        key = self.key(name)[0]
        for n, (kind, value, storage, archived) in enumerate(STORAGE_CLASSES, first):
            row = {**self._row(name, n, rng), "anything": value}
            # Plain parameters: bytes stay a BLOB here, not text.
            writer.many(name, [row])
            recorder.add(
                Planted(
                    name, row[key], "anything", kind, value, None, archived, storage
                )
            )
