"""The dirty catalogue's machinery and the value shapes it plants.

A planted row is an ordinary row with some values overwritten; its notes say
what each value is (a ``kind``) and what the migration must make of it (a
conversion from the migration's vocabulary and the expected value), or that the
whole row must be refused (a reject reason). :class:`Recorder` turns what was
written into the :class:`~legacy.generate.facts.Planted` and
:class:`~legacy.generate.facts.Reject` facts. The rows themselves are
:mod:`~legacy.generate.dirty_articles`' and :mod:`~legacy.generate.dirty_tables`'.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from legacy.convert import (
    EMPTY_TO_NULL,
    INVALID_BOOLEAN,
    INVALID_INTEGER,
    NON_NUMBER,
    NUL_REMOVED,
    UNPARSEABLE_DATE,
)
from legacy.convert import INVALID_UTF8_REPAIRED as INVALID_UTF8
from legacy.generate.facts import (
    Key,
    Planted,
    Reject,
    Row,
    Value,
)
from legacy.generate.text import NOW, WHEN

DIRTY_URI = "https://dirty.example"
SAME = object()  # "expected" default: the stored value, or NULL for a nulling
TO_NULL = frozenset(
    {EMPTY_TO_NULL, UNPARSEABLE_DATE, INVALID_BOOLEAN, NON_NUMBER, INVALID_INTEGER}
)


@dataclass(frozen=True)
class Note:
    """A planted value in a planted row: what it is and what it should become."""

    column: str
    kind: str
    conversion: str | None = None
    expected: object = SAME


@dataclass(frozen=True)
class Dirty:
    """A planted row: column values over an ordinary row, and what they mean."""

    table: str
    values: Row
    notes: tuple[Note, ...] = ()
    reject: str | None = None
    reject_column: str | None = None


# Each row: kind, stored value, conversion, expected value (None for NULL).
DATE_SHAPES: tuple[tuple[str, Value, str | None, datetime | None], ...] = (
    ("date sqlite", "2025-10-07 09:49:32", None, WHEN),
    ("date only", "2025-10-07", None, WHEN.replace(hour=0, minute=0, second=0)),
    ("date iso", "2025-10-07T09:49:32", None, WHEN),
    ("date microseconds", "2025-10-07T09:49:32.299616", None,
     WHEN.replace(microsecond=299_616)),
    ("date z", "2025-10-07T09:49:32Z", None, WHEN),
    ("date utc offset", "2025-10-07T09:49:32+00:00", None, WHEN),
    ("date offset", "2025-10-07T11:49:32+02:00", None, WHEN),
    ("date offset", "2025-10-07 05:49:32-04:00", None, WHEN),
    ("date rfc 2822", "Tue, 07 Oct 2025 09:49:32 +0000", None, WHEN),
    # A TEXT column turns an integer into its digits, so this is how an epoch
    # written to a TEXT date column looks. INTEGER epochs: TIMESTAMP columns.
    ("date epoch text", str(NOW), None, WHEN),
    ("date empty", "", EMPTY_TO_NULL, None),
    ("date null", None, None, None),
    ("date unparseable", "yesterday", UNPARSEABLE_DATE, None),
    ("date unparseable", "2025-02-30 10:00:00", UNPARSEABLE_DATE, None),
)  # fmt: skip
# In articles.analyzed (BOOLEAN: numeric affinity keeps words as TEXT).
BOOLEANS: tuple[tuple[str, str | None, bool | None], ...] = (
    ("true", None, True),
    ("false", None, False),
    ("yes", None, True),
    ("no", None, False),
    ("TRUE", None, True),
    ("maybe", INVALID_BOOLEAN, None),
    ("", EMPTY_TO_NULL, None),
)
# Text that must arrive byte for byte: kind, column, stored.
EXACT_TEXTS: tuple[tuple[str, str, str | None], ...] = (
    ("trailing spaces", "title", "Markets rally on energy news   "),
    ("emoji", "title",
     "Heatwave \U0001f525 grips Europe \U0001f30d \U0001f469\u200d\U0001f52c"),
    ("right-to-left", "title",
     "\u062a\u063a\u064a\u0631 \u0627\u0644\u0645\u0646\u0627\u062e / "
     "\u05e9\u05d9\u05e0\u05d5\u05d9 \u05d0\u05e7\u05dc\u05d9\u05dd"),
    ("combining marks", "title", "Cafe\u0301 owners resume\u0301 talks"),
    ("newlines and tabs", "summary", "First line\nsecond line\r\n\tindented\tcell"),
    ("backslashes", "summary", "C:\\reports\\q3.md, \\\\server\\share and \\N"),
    ("copy null marker", "summary", "\\N"),
    ("quotes", "title", "He said \"it's done\", 'signed' \u201cit\u201d `today`"),
    ("empty text", "title", ""),
    ("null text", "title", None),
    ("tags comma", "tags", "climate,energy,policy"),
    ("tags comma space", "tags", "climate, energy, policy"),
)  # fmt: skip
# REAL columns: kind, column, stored, conversion.
SCORES: tuple[tuple[str, str, Value, str | None], ...] = (
    ("score 1 decimal", "topic_alignment_score", 0.1, None),
    ("score 9 decimals", "keyword_relevance_score", 0.123456789, None),
    ("score 16 decimals", "confidence_score", 0.7071067811865476, None),
    ("score 17 decimals", "quality_score", 0.30000000000000004, None),
    ("score text", "topic_alignment_score", "n/a", NON_NUMBER),
    ("score empty", "confidence_score", "", EMPTY_TO_NULL),
)
# Text a PostgreSQL column cannot hold as is: kind, column, stored, conversion,
# expected. Bytes are stored as TEXT that is not UTF-8, read as Windows-1252.
BROKEN_TEXTS: tuple[tuple[str, str, Value, str, str], ...] = (
    ("nul in text", "summary", "before\x00after", NUL_REMOVED, "beforeafter"),
    ("invalid utf-8", "title", b"Caf\xe9 au lait", INVALID_UTF8, "Caf\u00e9 au lait"),
    ("invalid utf-8", "summary", b"5 \x80 or \x93quoted\x94", INVALID_UTF8,
     "5 \u20ac or \u201cquoted\u201d"),
)  # fmt: skip


def storage_class(value: Value) -> str:
    """SQLite's typeof() of a value as a planted row writes it (bytes as TEXT)."""
    if value is None:
        return "null"
    if isinstance(value, str | bytes):
        return "text"
    return "integer" if isinstance(value, int) else "real"


def row_key(row: Row, columns: tuple[str, ...]) -> Key:
    if len(columns) == 1:
        return row[columns[0]]
    return tuple(row[column] for column in columns)


class Recorder:
    """Collects what the catalogue planted, for GeneratedFacts."""

    def __init__(self, keys: Mapping[str, tuple[str, ...]]) -> None:
        self.keys = keys
        self.rejects: dict[str, list[Reject]] = {}
        self.planted: list[Planted] = []

    def record(self, dirty: Dirty, row: Row) -> None:
        key = row_key(row, self.keys[dirty.table])
        if dirty.reject is not None:
            reject = Reject(key, dirty.reject, dirty.reject_column)
            self.rejects.setdefault(dirty.table, []).append(reject)
        for note in dirty.notes:
            stored = row[note.column]
            self.planted.append(
                Planted(
                    dirty.table,
                    key,
                    note.column,
                    note.kind,
                    stored,
                    note.conversion,
                    expected(note, stored),
                    storage_class(stored),
                )
            )

    def add(self, planted: Planted) -> None:
        """Record a value planted without a catalogue row."""
        self.planted.append(planted)

    def conversions(self) -> dict[str, dict[str, int]]:
        counts: dict[str, Counter[str]] = {}
        for planted in self.planted:
            if planted.conversion is not None:
                counts.setdefault(planted.table, Counter())[planted.conversion] += 1
        return {table: dict(counter) for table, counter in counts.items()}


def expected(note: Note, stored: Value) -> object:
    if note.expected is not SAME:
        return note.expected
    return None if note.conversion in TO_NULL else stored


def fits(dirty: Dirty, columns: Mapping[str, tuple[str, ...]]) -> bool:
    """Whether the file has the planted row's table and every noted column."""
    present = columns.get(dirty.table)
    return present is not None and all(note.column in present for note in dirty.notes)
