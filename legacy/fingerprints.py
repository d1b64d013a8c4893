"""Which legacy rows changed since the last catch-up, without converting any.

SQLite keeps no record of which rows changed, so catch-up must read every row;
what it need not do is convert and checksum them all, nor hash every row in
PostgreSQL. After each catch-up a 64-bit fingerprint of every legacy row's raw
bytes (and the row's key) is stored in ``legacy_fingerprints``, in blocks of
rowids; the next catch-up reads the file once, fingerprints each row as it comes
(two processes, one per core), and compares: only new, changed and vanished
rows, plus the keys the app touched, go through the full comparison.

A fingerprint decides nothing about correctness. A change it misses (for an
accidental edit, about one chance in 2**64; CRC and Adler sums are not proof
against an edit crafted to collide) leaves a difference that
``validate_migration``, which compares every row and column, reports, and that
``migrate_articles --catch-up --full`` (every row of both sides) repairs.
"""

from __future__ import annotations

import bisect
import pickle
import zlib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import psycopg

from legacy.convert import Converted
from legacy.plan import TablePlan
from legacy.source import LegacySource
from legacy.verify import DigestWorkers

BLOCK: Final = 4096  # rowids per stored row of fingerprints
READ_ROWS: Final = 2000


def fingerprint(raw: tuple[Any, ...]) -> int:
    """A signed 64-bit fingerprint of a legacy row's values (rowid excluded).

    The values are pickled (types included, so NULL, '' and 0 differ, and in C,
    twice as fast as joining them in Python for a wide row); CRC-32 and
    Adler-32 of that side by side make 64 bits. Pickling depends on the Python
    version only in ways that make a fingerprint differ, which costs one more
    comparison of that row, never a missed change.
    """
    data = pickle.dumps(raw[1:], 5)
    value = (zlib.crc32(data) << 32) | zlib.adler32(data)
    return value - (1 << 64) if value >= 1 << 63 else value


@dataclass
class Fingerprints:
    """Rowid-ordered fingerprints and keys of (a rowid range of) one table."""

    rowids: array[int] = field(default_factory=lambda: array("q"))
    values: array[int] = field(default_factory=lambda: array("q"))
    keys: list[Any] = field(default_factory=list)

    def extend(self, other: Fingerprints) -> None:
        self.rowids.extend(other.rowids)
        self.values.extend(other.values)
        self.keys.extend(other.keys)


def _key_text(convert: Callable[[Any], Converted[Any]], raw: Any) -> str | None:
    """The row's key as PostgreSQL holds it, as text (converted as the loader does)."""
    value = convert(raw).value
    return None if value is None else str(value)


def read_range(
    source: LegacySource,
    plan: TablePlan,
    after: int = 0,
    until: int | None = None,
) -> Fingerprints:
    result = Fingerprints()
    key = plan.column(plan.rules.key)
    key_index, convert = key.source_index + 1, key.convert
    while True:
        rows = source.read_batch(
            plan.table, plan.legacy_columns, after=after, limit=READ_ROWS, until=until
        )
        if not rows:
            return result
        after = rows[-1][0]
        for raw in rows:
            result.rowids.append(raw[0])
            result.values.append(fingerprint(raw))
            result.keys.append(_key_text(convert, raw[key_index]))


def _read_range_job(
    path: str, plan: TablePlan, after: int, until: int | None, lock_timeout: float
) -> Fingerprints:
    with LegacySource(Path(path), check=False, lock_timeout=lock_timeout) as source:
        return read_range(source, plan, after, until)


def read_all(
    source: LegacySource, plan: TablePlan, workers: DigestWorkers
) -> Fingerprints:
    """Every row's fingerprint, the table's rowid ranges read in parallel."""
    if not workers.worth_it(plan):
        return read_range(source, plan)
    jobs = [
        (str(source.path), plan, after, until, source.lock_timeout)
        for after, until in workers.ranges(source, plan)
    ]
    merged = Fingerprints()
    for part in workers.starmap(_read_range_job, jobs):
        merged.extend(part)
    return merged


# --- stored ------------------------------------------------------------------


def load(pg: psycopg.Connection[Any], source_path: str, table: str) -> Fingerprints:
    stored = Fingerprints()
    rows = pg.execute(
        "SELECT rowids, fingerprints, keys FROM legacy_fingerprints "
        "WHERE source_path = %s AND table_name = %s ORDER BY block",
        [source_path, table],
    )
    for rowids, values, keys in rows:
        stored.rowids.frombytes(rowids)
        stored.values.frombytes(values)
        stored.keys.extend(keys)
    return stored


def save(
    pg: psycopg.Connection[Any], source_path: str, table: str, found: Fingerprints
) -> None:
    """Replace the table's stored fingerprints with ``found``, in one transaction."""
    with pg.transaction():
        pg.execute(
            "DELETE FROM legacy_fingerprints "
            "WHERE source_path = %s AND table_name = %s",
            [source_path, table],
        )
        with (
            pg.cursor() as cursor,
            cursor.copy(
                "COPY legacy_fingerprints (source_path, table_name, block, rowids, "
                "fingerprints, keys) FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.set_types(["text", "text", "int8", "bytea", "bytea", "text[]"])
            for block, start, end in _blocks(found.rowids):
                copy.write_row(
                    [
                        source_path,
                        table,
                        block,
                        found.rowids[start:end].tobytes(),
                        found.values[start:end].tobytes(),
                        found.keys[start:end],
                    ]
                )


def _blocks(rowids: array[int]) -> Iterator[tuple[int, int, int]]:
    """(block, start, end) of each run of rowids that share a block, in order."""
    start = 0
    while start < len(rowids):
        block = rowids[start] // BLOCK
        end = bisect.bisect_left(rowids, (block + 1) * BLOCK, start)
        yield block, start, end
        start = end


def forget(pg: psycopg.Connection[Any], source_path: str, table: str) -> None:
    pg.execute(
        "DELETE FROM legacy_fingerprints WHERE source_path = %s AND table_name = %s",
        [source_path, table],
    )


@dataclass
class Changes:
    changed: list[int]  # rowids new or changed since the fingerprints were stored
    # Keys the changed and vanished rows had then: a key the file no longer
    # holds is a deletion there.
    vanished: list[str | None]


def compare(stored: Fingerprints, found: Fingerprints) -> Changes:
    before = dict(zip(stored.rowids, stored.values, strict=True))
    changed = [
        rowid
        for rowid, value in zip(found.rowids, found.values, strict=True)
        if before.pop(rowid, None) != value
    ]
    looked_at = set(before) | set(changed)
    vanished = [
        key
        for rowid, key in zip(stored.rowids, stored.keys, strict=True)
        if rowid in looked_at
    ]
    return Changes(changed, vanished)


def keep_vanished(
    found: Fingerprints, stored: Fingerprints, keys: set[str]
) -> Fingerprints:
    """``found`` plus the stored rows that vanished but whose key is in ``keys``.

    A deletion in the legacy file that was reported but not applied stays
    known this way, so the next catch-up reports it again.
    """
    present = set(found.rowids)
    kept = [
        (rowid, value, key)
        for rowid, value, key in zip(
            stored.rowids, stored.values, stored.keys, strict=True
        )
        if rowid not in present and key in keys
    ]
    if not kept:
        return found
    rows = sorted([*zip(found.rowids, found.values, found.keys, strict=True), *kept])
    merged = Fingerprints()
    for rowid, value, key in rows:
        merged.rowids.append(rowid)
        merged.values.append(value)
        merged.keys.append(key)
    return merged


def rowids_of(found: Fingerprints, keys: set[str]) -> list[int]:
    """The rowids of the rows holding these keys now (by the converted key)."""
    return [
        rowid
        for rowid, key in zip(found.rowids, found.keys, strict=True)
        if key in keys
    ]


def keys_of(found: Fingerprints, rowids: set[int]) -> set[str]:
    """The keys the rows with these rowids hold now."""
    return {
        key
        for rowid, key in zip(found.rowids, found.keys, strict=True)
        if rowid in rowids and key is not None
    }
