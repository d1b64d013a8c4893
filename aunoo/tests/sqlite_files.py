"""Reading and changing SQLite files (legacy copies, rollback targets) in tests."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest


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


@contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """Make ``folder`` unwritable even for root (which ignores permission bits)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield
        folder.chmod(0o755)
        return
    made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot make a folder immutable here: {made.stderr!r}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


@contextmanager
def held_by_a_writer(path: Path) -> Iterator[None]:
    """Another program in the middle of a write: it holds the file's exclusive lock."""
    with closing(sqlite3.connect(path, isolation_level=None)) as writer:
        writer.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            writer.execute("ROLLBACK")


def copy_with_pending_wal(
    path: Path, folder: Path, *statements: str, with_index: bool = False
) -> Path:
    """A copy of ``path`` in ``folder`` whose last commits are still in its -wal.

    ``path`` is switched to WAL mode and the statements are committed with
    checkpoints off; the copy is taken while that writer is open, so the main
    file lacks them (as when the legacy app was stopped by a crash or a power
    cut, or its files were copied while it ran). The ``-shm`` index is copied
    only ``with_index``.
    """
    with closing(sqlite3.connect(path)) as writer:
        writer.execute("PRAGMA journal_mode = WAL")
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        for statement in statements:
            writer.execute(statement)
        writer.commit()
        for suffix in ("", "-wal", "-shm") if with_index else ("", "-wal"):
            shutil.copyfile(f"{path}{suffix}", folder / f"{path.name}{suffix}")
    return folder / path.name


def copy_with_hot_journal(path: Path, folder: Path, statement: str) -> Path:
    """A copy of ``path`` in ``folder`` caught half-way through ``statement``.

    The writer's cache is too small for the change, so SQLite has already
    written some changed pages into the file and the originals into
    ``-journal``: the copy is what a crash at that moment leaves (a hot journal).
    """
    with closing(sqlite3.connect(path, isolation_level=None)) as writer:
        writer.execute("PRAGMA cache_size = 2")
        writer.execute("BEGIN")
        writer.execute(statement)
        for suffix in ("", "-journal"):
            shutil.copyfile(f"{path}{suffix}", folder / f"{path.name}{suffix}")
        writer.execute("ROLLBACK")
    return folder / path.name
