"""Legacy tables with no home here, kept whole in ``legacy_archive``.

A newer or customised legacy file may hold tables this project has no model
for. They are never left behind: each row lands in ``legacy_archive`` as JSON,
keyed by its table and rowid, exactly enough to give it back:

* INTEGER as a number, REAL as a number (``{"real": "nan"}`` and the like for
  values JSON has no number for), NULL as null;
* TEXT as a string, or ``{"text_base64": ...}`` when it holds a NUL or bytes
  that are not UTF-8 (PostgreSQL's jsonb can hold neither);
* BLOB as ``{"base64": ...}``.

Each run (the bulk copy and every catch-up) archives every row again and drops
the rows the file no longer has: such tables are small, and this keeps the
archive equal to the file without change tracking. Validation compares each
archived row with the file's.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import psycopg
from psycopg.types.json import Jsonb

from legacy.reports import TableReport
from legacy.runs import now
from legacy.source import LegacySource, quote_identifier

BATCH: Final = 2000
WITHOUT_ROWID: Final = re.compile(r"\)\s*WITHOUT\s+ROWID\s*(,|$)", re.IGNORECASE)


def archive_value(kind: bytes | str, value: Any) -> Any:
    """One SQLite value as JSON that gives it back exactly (see the module)."""
    if value is None:
        return None
    kind = kind.decode() if isinstance(kind, bytes) else kind
    if kind == "blob":
        return {"base64": base64.b64encode(value).decode()}
    if kind == "text":
        raw = value if isinstance(value, bytes) else value.encode()
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            text = None
        if text is None or "\x00" in text:
            return {"text_base64": base64.b64encode(raw).decode()}
        return text
    if kind == "real" and not math.isfinite(value):
        return {"real": repr(value)}
    return value


def primary_key(source: LegacySource, table: str) -> tuple[str, ...] | None:
    """The key columns of a WITHOUT ROWID table, None for an ordinary table."""
    row = source.conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()
    text = row[0] if row else None
    text = text.decode() if isinstance(text, bytes) else text
    if not text or not WITHOUT_ROWID.search(text):
        return None
    info = source.conn.execute(
        f"PRAGMA table_info({quote_identifier(table)})"
    ).fetchall()
    keyed = sorted((int(pk), name) for _cid, name, _type, _nn, _dflt, pk in info if pk)
    return tuple(
        name.decode() if isinstance(name, bytes) else name for _pk, name in keyed
    )


def archive_rows(
    source: LegacySource, table: str
) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """The table's rows as (rowid, JSON row), in batches, rowid order.

    A WITHOUT ROWID table has no rowid: its rows come in key order, numbered
    from 1 in that order (the number stands in for the rowid, the key itself
    is in the row).
    """
    key = primary_key(source, table)
    if key is not None:
        yield from _rows_by_key(source, table, key)
        return
    columns = source.columns(table)
    select = _typed_select(columns)
    after = None
    while True:
        where = "" if after is None else "WHERE rowid > ? "
        rows = source.conn.execute(
            f"SELECT rowid, {select} FROM {quote_identifier(table)} {where}"
            "ORDER BY rowid LIMIT ?",
            [*([] if after is None else [after]), BATCH],
        ).fetchall()
        if not rows:
            return
        after = rows[-1][0]
        yield [(int(row[0]), _json_row(columns, row[1:])) for row in rows]


def _typed_select(columns: Sequence[str]) -> str:
    return ", ".join(
        f"typeof({quote_identifier(name)}), {quote_identifier(name)}"
        for name in columns
    )


def _json_row(columns: Sequence[str], typed: Sequence[Any]) -> dict[str, Any]:
    return {
        name: archive_value(typed[2 * i], typed[2 * i + 1])
        for i, name in enumerate(columns)
    }


def _rows_by_key(
    source: LegacySource, table: str, key: tuple[str, ...]
) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    columns = source.columns(table)
    order = ", ".join(map(quote_identifier, key))
    select = f"{order}, {_typed_select(columns)}"
    after: list[Any] | None = None
    number = 0
    while True:
        where = ""
        if after is not None:
            marks = ", ".join("?" * len(key))
            where = f"WHERE ({order}) > ({marks}) "
        rows = source.conn.execute(
            f"SELECT {select} FROM {quote_identifier(table)} {where}"
            f"ORDER BY {order} LIMIT ?",
            [*(after or []), BATCH],
        ).fetchall()
        if not rows:
            return
        after = list(rows[-1][: len(key)])
        batch = []
        for row in rows:
            number += 1
            batch.append((number, _json_row(columns, row[len(key) :])))
        yield batch


def archive_table(
    source: LegacySource,
    pg: psycopg.Connection[Any],
    table: str,
    *,
    source_path: str,
    run_id: int,
) -> TableReport:
    """Archive every row of ``table``; drop archived rows the file lost."""
    report = TableReport(table)
    key = primary_key(source, table)
    with pg.transaction():
        seen: list[int] = []
        for batch in archive_rows(source, table):
            stamp = now()
            with pg.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO legacy_archive (run_id, source_path, table_name, "
                    "legacy_rowid, legacy_key, row, archived_at) VALUES (%s, %s, %s, "
                    "%s, %s, %s, %s) ON CONFLICT (source_path, table_name, "
                    "legacy_rowid) DO UPDATE SET row = EXCLUDED.row, "
                    "legacy_key = EXCLUDED.legacy_key, "
                    "run_id = EXCLUDED.run_id, archived_at = EXCLUDED.archived_at "
                    "WHERE legacy_archive.row IS DISTINCT FROM EXCLUDED.row",
                    [
                        (
                            run_id,
                            source_path,
                            table,
                            rowid,
                            _key_text(key, row),
                            Jsonb(row),
                            stamp,
                        )
                        for rowid, row in batch
                    ],
                )
            seen += [rowid for rowid, _row in batch]
            report.source += len(batch)
        pg.execute(
            "DELETE FROM legacy_archive WHERE source_path = %s AND table_name = %s "
            "AND NOT (legacy_rowid = ANY(%s))",
            [source_path, table, seen],
        )
    report.migrated = report.source
    return report


def _key_text(key: tuple[str, ...] | None, row: dict[str, Any]) -> str | None:
    """A WITHOUT ROWID row's key as JSON text (its number stands in for a rowid)."""
    if key is None:
        return None
    return json.dumps([row[name] for name in key], ensure_ascii=False)


@dataclass
class ArchiveCheck:
    """An archived table against the file: counts and every row."""

    table: str
    source_rows: int = 0
    migrated: int = 0
    rejected: int = 0
    missing: list[Any] = field(default_factory=list)  # rowids not archived
    extra: list[Any] = field(default_factory=list)  # archived, not in the file
    changed: list[tuple[Any, int]] = field(default_factory=list)  # (rowid, rowid)
    unexplained: list[tuple[int, Any, str]] = field(default_factory=list)
    app_rows: int = 0
    conflicts: list[tuple[Any, str]] = field(default_factory=list)
    stale: list[Any] = field(default_factory=list)
    outside: list[tuple[Any, str]] = field(default_factory=list)
    plan: None = None
    # What its rows are called in messages, and the columns that differ per key.
    kind: str = "archived row"
    differing: dict[Any, list[str]] = field(default_factory=dict)

    @property
    def count_ok(self) -> bool:
        return self.source_rows == self.migrated + self.rejected

    @property
    def ok(self) -> bool:
        return self.count_ok and not (
            self.missing
            or self.extra
            or self.changed
            or self.unexplained
            or self.outside
        )


def check_archive(
    source: LegacySource, pg: psycopg.Connection[Any], table: str, source_path: str
) -> ArchiveCheck:
    stored = dict(
        pg.execute(
            "SELECT legacy_rowid, row FROM legacy_archive "
            "WHERE source_path = %s AND table_name = %s",
            [source_path, table],
        ).fetchall()
    )
    check = ArchiveCheck(table, migrated=len(stored))
    key = primary_key(source, table)
    for batch in archive_rows(source, table):
        check.source_rows += len(batch)
        for rowid, row in batch:
            # A WITHOUT ROWID row is named by its key, the others by rowid.
            name = rowid if key is None else _key_text(key, row)
            kept = stored.pop(rowid, None)
            if kept is None:
                check.missing.append(name)
            elif kept != row:
                check.changed.append((name, rowid))
    check.extra = sorted(stored)
    return check


def unknown_tables(source: LegacySource, known: Sequence[str]) -> list[str]:
    """The file's tables that no side of this project has a home for.

    ``known`` names the homes: both sides' tables; the per-scenario
    ``articles_scenario_N`` tables have theirs in ``scenario_articles``.
    """
    from legacy.schema.table import SCENARIO_TABLE

    return [
        name
        for name in source.table_names()
        if name not in known and not SCENARIO_TABLE.fullmatch(name)
    ]
