"""Write the rows into the file: in large transactions, by column name, counted."""

from __future__ import annotations

import operator
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from legacy.generate.dirty import Dirty, Recorder
from legacy.generate.facts import Row


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    # No rollback: a failed build deletes the whole file.
    conn.execute("BEGIN")
    yield
    conn.execute("COMMIT")


class Writer:
    """Inserts rows by column name and counts them.

    Table and column names come from the schema registry or were checked
    against its ``IDENTIFIER``, so building the SQL with them is safe.
    """

    def __init__(self, conn: sqlite3.Connection, columns: dict[str, tuple[str, ...]]):
        self.conn = conn
        self.columns = columns
        self.rows: Counter[str] = Counter()

    def has(self, table: str) -> bool:
        return table in self.columns

    def many(self, table: str, rows: Sequence[Row]) -> None:
        names = self.columns[table]
        marks = ", ".join("?" * len(names))
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"
        self.conn.executemany(sql, map(operator.itemgetter(*names), rows))
        self.rows[table] += len(rows)

    def one(self, table: str, row: Row) -> None:
        """Insert a planted row; ``bytes`` become TEXT that is not valid UTF-8."""
        names = self.columns[table]
        marks = ", ".join(
            "CAST(? AS TEXT)" if isinstance(row[name], bytes) else "?" for name in names
        )
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"
        self.conn.execute(sql, [row[name] for name in names])
        self.rows[table] += 1

    def planted(self, rows: Iterable[tuple[Dirty, Row]], recorder: Recorder) -> None:
        """Insert planted rows, each over its ordinary row, and record them."""
        for dirty, base in rows:
            row = {**base, **dirty.values}
            self.one(dirty.table, row)
            recorder.record(dirty, row)

    def max_id(self, table: str) -> int:
        value = self.conn.execute(f"SELECT max(id) FROM {table}").fetchone()[0]
        return int(value or 0)
