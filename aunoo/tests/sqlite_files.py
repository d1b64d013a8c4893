"""Reading and changing SQLite files (legacy copies, rollback targets) in tests."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def sqlite_rows(path: Path, query: str, params: tuple = ()) -> list[tuple]:
    """The query's rows; read-only, so a real legacy copy is never changed."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return connection.execute(query, params).fetchall()


def execute(path: Path, *statements: str) -> None:
    """Run the statements in one transaction and commit."""
    with closing(sqlite3.connect(path)) as connection:
        for statement in statements:
            connection.execute(statement)
        connection.commit()
