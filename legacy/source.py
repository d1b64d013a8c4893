"""Read a legacy SQLite file strictly read-only and describe what it holds.

The file is the operator's only copy of years of articles, so it is opened with
``mode=ro`` (SQLite itself refuses every write). It is read exactly as SQLite
shows it, with the commits still in its ``-wal``, or refused with a message
saying what to do: never a silent subset. ``immutable`` (which ignores ``-wal``
and ``-journal``) is used only where it provably reads the same rows; the legacy
application may keep writing during the bulk copy (catch-up mode), and
``immutable`` would let SQLite read a half-written page. Reads go in short
keyset batches, so no read lock is held between batches and a legacy writer in
rollback-journal mode is never blocked for long.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

SQLITE_HEADER: Final = b"SQLite format 3\x00"
# Seconds a read waits for a lock the legacy app holds while it writes.
LOCK_TIMEOUT: Final = 10.0
COPY_ADVICE: Final = '`sqlite3 {path} ".backup copy.db"`'


class SourceError(Exception):
    """The legacy file cannot be read; the message says what to do."""

    returncode = 2  # pass another --source


class SourceInUse(SourceError):
    """Another program holds the file; stopping it or waiting helps."""

    returncode = 1


def quote_identifier(name: str) -> str:
    """``name`` as an SQLite identifier: any name a legacy column may have."""
    return '"' + name.replace('"', '""') + '"'


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
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise SourceError(
            f"Cannot read {path} ({exc.strerror}): run the command as a user who "
            "may read the legacy app's files, or pass a copy with --source."
        ) from exc
    if header != SQLITE_HEADER:
        raise SourceError(
            f"{path} is not an SQLite database (its first bytes are not the SQLite "
            "header): check that --source names the legacy fnaapp.db, not a dump or "
            "an archive."
        )


def connect_read_only(
    path: Path, *, lock_timeout: float = LOCK_TIMEOUT
) -> sqlite3.Connection:
    """A connection that cannot write, returning TEXT as bytes for the converters.

    A file in WAL mode needs its ``-shm`` index, which SQLite cannot create in a
    folder the operator may not write to. Only then, and only when the main file
    alone holds the whole database (nothing in ``-wal`` or ``-journal``), is it
    opened ``immutable``; no program has it open either, as it would have made
    the ``-shm``. Otherwise SourceError says how to read it.
    """
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        return _open(uri, lock_timeout)
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorname != "SQLITE_CANTOPEN" or os.access(path.parent, os.W_OK):
            raise
        _check_main_file_is_whole(path)
    return _open(uri + "&immutable=1", lock_timeout)


def _open(uri: str, lock_timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, timeout=lock_timeout, check_same_thread=False)
    try:
        conn.text_factory = bytes
        # Rows are read once, in rowid order: a page cache would only hold memory.
        conn.execute("PRAGMA cache_size = -256")
        # The first read finds a lock, a hot journal or a WAL it cannot read.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _holds_data(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


def _check_main_file_is_whole(path: Path) -> None:
    wal, journal, index = (_sidecar(path, s) for s in ("-wal", "-journal", "-shm"))
    if _holds_data(journal):
        raise SourceInUse(_hot_journal_message(path))
    copy = (
        f"copy {path.name} and {wal.name} together into a writable folder and pass "
        "that copy with --source (or run the command as a user who may write to "
        f"{path.parent})."
    )
    if _holds_data(wal):
        raise SourceError(
            f"{path.name} has committed changes in {wal.name} that cannot be read "
            f"from a folder you cannot write ({path.parent}): {copy}"
        )
    if index.exists():  # a program may have it open: the -wal can grow any time
        raise SourceError(
            f"{path.name} is in WAL mode and its index {index.name} cannot be opened "
            f"from here: stop the legacy app, then {copy}"
        )


def _hot_journal_message(path: Path) -> str:
    journal = _sidecar(path, "-journal").name
    return (
        f"{path} is in use: {journal} holds a write that was never finished (the "
        "legacy app is writing right now, or stopped in the middle of a write), and "
        "a read-only reader must not finish it. Stop the legacy app and run this "
        "again (the app, or `sqlite3` opening the file once, finishes the write), "
        f"or copy the file with {COPY_ADVICE.format(path=path)} and pass the copy "
        "with --source."
    )


def source_error(path: Path, exc: sqlite3.Error, lock_timeout: float) -> SourceError:
    """What an SQLite error reading ``path`` means for the operator."""
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return SourceInUse(
            f"{path} is in use by another program (the legacy app is writing to "
            f"it): it held its lock for more than {lock_timeout:g} s. Stop the "
            "legacy app and run this again, or copy the file with "
            f"{COPY_ADVICE.format(path=path)} (safe while the app runs) and pass "
            "the copy with --source; --lock-timeout waits longer."
        )
    if name == "SQLITE_READONLY_ROLLBACK":
        return SourceInUse(_hot_journal_message(path))
    return SourceError(
        f"{path} is damaged ({exc}): restore it from a backup, or run "
        "`sqlite3 fnaapp.db .recover` on a copy and migrate the recovered copy."
    )


class LegacySource:
    """One legacy file, opened read-only and checked."""

    def __init__(
        self, path: Path, *, check: bool = True, lock_timeout: float = LOCK_TIMEOUT
    ) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        _check_header(self.path)
        try:
            self.conn = connect_read_only(self.path, lock_timeout=lock_timeout)
        except sqlite3.DatabaseError as exc:
            raise source_error(self.path, exc, lock_timeout) from exc
        try:
            if check:
                self._quick_check()
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise source_error(self.path, exc, lock_timeout) from exc
        except SourceError:
            self.conn.close()
            raise
        # SQLite's own limit on the columns of one SELECT (2,000 unless rebuilt).
        self.column_limit = self.conn.getlimit(sqlite3.SQLITE_LIMIT_COLUMN)

    def _quick_check(self) -> None:
        rows = self.conn.execute("PRAGMA quick_check").fetchall()
        problems = [row[0].decode(errors="replace") for row in rows]
        if problems != ["ok"]:
            raise SourceError(
                f"{self.path} fails SQLite's integrity check "
                f"({'; '.join(problems[:3])}): restore it from a backup, or run "
                "`sqlite3 fnaapp.db .recover` on a copy and migrate the recovered copy."
            )

    def estimated_bytes(self, table: str, sample: int = 200) -> int:
        """About how many bytes the table's rows hold: a sample's mean times rows."""
        columns = self.columns(table)
        if not columns:
            return 0
        sizes = _row_size(columns)
        row = self.conn.execute(
            f"SELECT avg(size), count(*) FROM (SELECT {sizes} AS size "
            f"FROM {quote_identifier(table)} LIMIT ?)",
            [sample],
        ).fetchone()
        mean = float(row[0] or 0) if row else 0.0
        return int(mean * self.count(table))

    def reopen(self) -> LegacySource:
        """Another read-only handle on the same file (for another thread)."""
        return LegacySource(self.path, check=False, lock_timeout=self.lock_timeout)

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

    def unmoved_tables(self, moved: Sequence[str]) -> list[str]:
        """The file's tables other than ``moved`` (the config side and the rest)."""
        return [name for name in self.table_names() if name not in moved]

    def missing_tables(self, expected: Sequence[str]) -> list[str]:
        """Of the ``expected`` tables, those the file lacks."""
        present = set(self.table_names())
        return [name for name in expected if name not in present]

    def columns(self, table: str) -> tuple[str, ...]:
        rows = self.conn.execute(
            f"PRAGMA table_info({quote_identifier(table)})"
        ).fetchall()
        return tuple(row[1].decode() for row in rows)

    def count(self, table: str) -> int:
        query = f"SELECT count(*) FROM {quote_identifier(table)}"
        return int(self.conn.execute(query).fetchone()[0])

    def max_rowid(self, table: str) -> int:
        query = f"SELECT max(rowid) FROM {quote_identifier(table)}"
        value = self.conn.execute(query).fetchone()[0]
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
        upper = 2**63 - 1 if until is None else until
        if len(columns) + 2 > self.column_limit:  # rowid, the columns, the size
            return self._read_wide_batch(table, columns, after, upper, limit, max_bytes)
        select = ", ".join(map(quote_identifier, columns))
        if max_bytes is not None:
            select += f", {_row_size(columns)}"
        cursor = self.conn.execute(
            f"SELECT rowid, {select} FROM {quote_identifier(table)} "
            "WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?",
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

    def _read_wide_batch(
        self,
        table: str,
        columns: Sequence[str],
        after: int,
        upper: int,
        limit: int,
        max_bytes: int | None,
    ) -> list[tuple[Any, ...]]:
        """read_batch for a table too wide for one SELECT: sizes first, then rows."""
        size = _row_size(columns) if max_bytes is not None else "0"
        with self._snapshot():
            sizes = self.conn.execute(
                f"SELECT rowid, {size} FROM {quote_identifier(table)} "
                "WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?",
                [after, upper, limit],
            ).fetchall()
            if max_bytes is not None:
                totals = itertools.accumulate(row[1] for row in sizes)
                within = sum(1 for total in totals if total < max_bytes)
                sizes = sizes[: within + 1]
            if not sizes:
                return []
            rows = self._read_columns(
                table, columns, "rowid > ? AND rowid <= ?", [after, sizes[-1][0]]
            )
        if max_bytes is None:
            return rows
        return [(*row, size) for row, (_, size) in zip(rows, sizes, strict=True)]

    def _read_columns(
        self, table: str, columns: Sequence[str], where: str, params: list[Any]
    ) -> list[tuple[Any, ...]]:
        """(rowid, *columns) rows, read a slice of the columns at a time."""
        step = self.column_limit - 1
        slices = [
            self.conn.execute(
                f"SELECT rowid, {', '.join(map(quote_identifier, part))} "
                f"FROM {quote_identifier(table)} WHERE {where} ORDER BY rowid",
                params,
            ).fetchall()
            for part in (columns[i : i + step] for i in range(0, len(columns), step))
        ]
        return [
            (row[0][0], *itertools.chain.from_iterable(part[1:] for part in row))
            for row in zip(*slices, strict=True)
        ]

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """One read transaction, so several SELECTs see the same rows."""
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.rollback()  # it only read

    def split_rowids(self, table: str, parts: int) -> list[int]:
        """Rowids that cut the table into ``parts`` ranges of about equal rows."""
        rows = self.count(table)
        cuts: list[int] = []
        for number in range(1, parts):
            row = self.conn.execute(
                f"SELECT rowid FROM {quote_identifier(table)} ORDER BY rowid "
                "LIMIT 1 OFFSET ?",
                [rows * number // parts],
            ).fetchone()
            if row is not None and (not cuts or row[0] > cuts[-1]):
                cuts.append(int(row[0]))
        return cuts

    def read_rowids(
        self, table: str, columns: Sequence[str], rowids: Sequence[int]
    ) -> list[tuple[Any, ...]]:
        where = f"rowid IN ({', '.join('?' * len(rowids))})"
        if len(columns) + 1 > self.column_limit:
            with self._snapshot():
                return self._read_columns(table, columns, where, list(rowids))
        select = ", ".join(map(quote_identifier, columns))
        return self.conn.execute(
            f"SELECT rowid, {select} FROM {quote_identifier(table)} WHERE {where} "
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


def _row_size(columns: Sequence[str]) -> str:
    """An SQL sum of the columns' sizes in bytes."""
    terms = [
        f"coalesce(length(CAST({quote_identifier(n)} AS BLOB)), 0)" for n in columns
    ]
    return _balanced_sum(terms) if terms else "0"


def _balanced_sum(terms: Sequence[str]) -> str:
    # ``a + b + c + …`` nests one level per term and passes SQLite's expression
    # depth limit (1,000) on a wide table; halves nest log2(terms) levels.
    if len(terms) == 1:
        return terms[0]
    middle = len(terms) // 2
    return f"({_balanced_sum(terms[:middle])} + {_balanced_sum(terms[middle:])})"
