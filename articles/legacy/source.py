"""Read a legacy SQLite file strictly read-only and describe what it holds.

The file is the operator's only copy of years of articles, so it is opened with
``mode=ro`` (SQLite itself refuses every write) and never ``immutable``: the
legacy application may keep writing to it during the bulk copy (catch-up mode),
and ``immutable`` would let SQLite read a half-written page. Reads go in short
keyset batches, so no read lock is held between batches and a legacy writer in
rollback-journal mode is never blocked for long.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

SQLITE_HEADER: Final = b"SQLite format 3\x00"

# The analytics tables, parents first: children are checked against the
# articles already loaded.
ANALYTICS_TABLES: Final = (
    "articles",
    "raw_articles",
    "keyword_article_matches",
    "keyword_alerts",
    "article_analysis_cache",
    "article_annotations",
    "mediabias",
)


class SourceError(Exception):
    """The legacy file cannot be read; the message says what to do."""


@dataclass(frozen=True)
class LegacyTable:
    name: str
    columns: tuple[str, ...]
    rows: int
    # SQLite's AUTOINCREMENT high-water mark: ids the legacy app will never reuse.
    sequence: int | None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_header(path: Path) -> None:
    if not path.exists():
        raise SourceError(
            f"The legacy file {path} does not exist: pass the path of the legacy "
            "app's database (app/data/fnaapp.db) with --source."
        )
    if not path.is_file():
        raise SourceError(f"{path} is not a file: pass the legacy SQLite file itself.")
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise SourceError(
            f"{path} is not an SQLite database (its first bytes are not the SQLite "
            "header): check that --source names the legacy fnaapp.db, not a dump or "
            "an archive."
        )


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write, returning TEXT as bytes for the converters.

    A file in WAL mode needs its ``-shm`` index; in a folder the operator may
    not write to, SQLite cannot create it, and only then is the file opened
    ``immutable`` (no one can be writing to it through that folder either).
    """
    base = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        conn = _open(base)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        if os.access(path.parent, os.W_OK):
            raise
        conn = _open(base + "&immutable=1")
    return conn


def _open(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
    conn.text_factory = bytes
    # Rows are read once, in rowid order: a page cache would only hold memory.
    conn.execute("PRAGMA cache_size = -256")
    return conn


class LegacySource:
    """One legacy file, opened read-only and checked."""

    def __init__(self, path: Path, *, check: bool = True) -> None:
        self.path = Path(path)
        _check_header(self.path)
        try:
            self.conn = connect_read_only(self.path)
            if check:
                self._quick_check()
        except sqlite3.DatabaseError as exc:
            raise SourceError(
                f"{self.path} is damaged ({exc}): restore it from a backup, or run "
                "`sqlite3 fnaapp.db .recover` on a copy and migrate the recovered copy."
            ) from exc

    def _quick_check(self) -> None:
        rows = self.conn.execute("PRAGMA quick_check").fetchall()
        problems = [row[0].decode(errors="replace") for row in rows]
        if problems != ["ok"]:
            raise SourceError(
                f"{self.path} fails SQLite's integrity check "
                f"({'; '.join(problems[:3])}): restore it from a backup, or run "
                "`sqlite3 fnaapp.db .recover` on a copy and migrate the recovered copy."
            )

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> LegacySource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def table_names(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
        return [row[0].decode() for row in rows]

    def unmoved_tables(self) -> list[str]:
        """Legacy tables this migration does not move (config side and the rest)."""
        return [name for name in self.table_names() if name not in ANALYTICS_TABLES]

    def columns(self, table: str) -> tuple[str, ...]:
        rows = self.conn.execute(f'PRAGMA table_info("{table}")').fetchall()
        return tuple(row[1].decode() for row in rows)

    def count(self, table: str) -> int:
        return int(self.conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])

    def max_rowid(self, table: str) -> int:
        value = self.conn.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()[0]
        return int(value or 0)

    def sequence(self, table: str) -> int | None:
        try:
            row = self.conn.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = ?", [table]
            ).fetchone()
        except sqlite3.OperationalError:  # no AUTOINCREMENT table in the file
            return None
        return int(row[0]) if row else None

    def describe(self, table: str) -> LegacyTable | None:
        if table not in self.table_names():
            return None
        return LegacyTable(
            name=table,
            columns=self.columns(table),
            rows=self.count(table),
            sequence=self.sequence(table),
        )

    def read_batch(
        self,
        table: str,
        columns: Sequence[str],
        *,
        after: int,
        limit: int,
        until: int | None = None,
        max_bytes: int | None = None,
    ) -> list[tuple[Any, ...]]:
        """Rows with rowid above ``after`` (up to ``until``), rowid first, in order.

        With ``max_bytes`` the batch also stops once its rows hold that many
        bytes, so a run of long articles cannot swell one batch; SQLite adds each
        row's size as a last element (``length`` of a BLOB costs nothing).
        """
        select = ", ".join(f'"{name}"' for name in columns)
        if max_bytes is not None:
            sizes = " + ".join(
                f'coalesce(length(CAST("{name}" AS BLOB)), 0)' for name in columns
            )
            select += f", {sizes}"
        upper = 2**63 - 1 if until is None else until
        cursor = self.conn.execute(
            f'SELECT rowid, {select} FROM "{table}" WHERE rowid > ? AND rowid <= ? '
            "ORDER BY rowid LIMIT ?",
            [after, upper, limit],
        )
        if max_bytes is None:
            return cursor.fetchall()
        rows: list[tuple[Any, ...]] = []
        size = 0
        while size < max_bytes:
            chunk = cursor.fetchmany(64)
            if not chunk:
                break
            rows += chunk
            size += sum(row[-1] for row in chunk)
        cursor.close()
        return rows

    def split_rowids(self, table: str, parts: int) -> list[int]:
        """Rowids that cut the table into ``parts`` ranges of about equal rows."""
        rows = self.count(table)
        cuts: list[int] = []
        for number in range(1, parts):
            row = self.conn.execute(
                f'SELECT rowid FROM "{table}" ORDER BY rowid LIMIT 1 OFFSET ?',
                [rows * number // parts],
            ).fetchone()
            if row is not None and (not cuts or row[0] > cuts[-1]):
                cuts.append(int(row[0]))
        return cuts

    def read_rowids(
        self, table: str, columns: Sequence[str], rowids: Sequence[int]
    ) -> list[tuple[Any, ...]]:
        select = ", ".join(f'"{name}"' for name in columns)
        marks = ", ".join("?" * len(rowids))
        return self.conn.execute(
            f'SELECT rowid, {select} FROM "{table}" WHERE rowid IN ({marks}) '
            "ORDER BY rowid",
            list(rowids),
        ).fetchall()

    def existing_rowids(self, table: str, rowids: Sequence[int]) -> list[int]:
        marks = ", ".join("?" * len(rowids))
        rows = self.conn.execute(
            f'SELECT rowid FROM "{table}" WHERE rowid IN ({marks})', list(rowids)
        ).fetchall()
        return [int(row[0]) for row in rows]

    def iter_rows(
        self, table: str, columns: Sequence[str], *, batch: int = 2000
    ) -> Iterator[tuple[Any, ...]]:
        """Every row in rowid order, in short keyset batches (no long read lock)."""
        after = 0
        while True:
            rows = self.read_batch(table, columns, after=after, limit=batch)
            if not rows:
                return
            yield from rows
            after = rows[-1][0]
