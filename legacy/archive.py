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
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import psycopg
from psycopg.types.json import Jsonb

from legacy.reports import TableReport
from legacy.runs import now
from legacy.source import LegacySource, quote_identifier

BATCH: Final = 2000


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


def archive_rows(
    source: LegacySource, table: str
) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """The table's rows as (rowid, JSON row), in batches, rowid order."""
    columns = source.columns(table)
    select = ", ".join(
        f"typeof({quote_identifier(name)}), {quote_identifier(name)}"
        for name in columns
    )
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
        yield [
            (
                int(row[0]),
                {
                    name: archive_value(row[1 + 2 * i], row[2 + 2 * i])
                    for i, name in enumerate(columns)
                },
            )
            for row in rows
        ]


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
    with pg.transaction():
        seen: list[int] = []
        for batch in archive_rows(source, table):
            stamp = now()
            with pg.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO legacy_archive (run_id, source_path, table_name, "
                    "legacy_rowid, legacy_key, row, archived_at) VALUES (%s, %s, %s, "
                    "%s, NULL, %s, %s) ON CONFLICT (source_path, table_name, "
                    "legacy_rowid) DO UPDATE SET row = EXCLUDED.row, "
                    "run_id = EXCLUDED.run_id, archived_at = EXCLUDED.archived_at "
                    "WHERE legacy_archive.row IS DISTINCT FROM EXCLUDED.row",
                    [
                        (run_id, source_path, table, rowid, Jsonb(row), stamp)
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
    for batch in archive_rows(source, table):
        check.source_rows += len(batch)
        for rowid, row in batch:
            kept = stored.pop(rowid, None)
            if kept is None:
                check.missing.append(rowid)
            elif kept != row:
                check.changed.append((rowid, rowid))
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
