"""Rows that could not land: ``legacy_rejects``, read and kept current."""

from __future__ import annotations

from typing import Any

import psycopg

from legacy.rows import (
    CONSTRAINT,
    ORPHAN,
    REJECT_ADVICE,
)
from legacy.source import LegacySource


def rejected_rowids(
    pg: psycopg.Connection[Any],
    source_path: str,
    table: str,
    *,
    keep_orphans: bool = True,
) -> set[int]:
    query = (
        "SELECT legacy_rowid FROM legacy_rejects WHERE source_path = %s AND "
        "table_name = %s"
    )
    if not keep_orphans:
        query += " AND reason <> %s"
        return {r[0] for r in pg.execute(query, [source_path, table, ORPHAN])}
    return {r[0] for r in pg.execute(query, [source_path, table])}


def prune_rejects(
    source: LegacySource, pg: psycopg.Connection[Any], table: str, source_path: str
) -> None:
    """Forget the rejects of rows the legacy file has deleted since."""
    recorded = sorted(rejected_rowids(pg, source_path, table))
    present: set[int] = set()
    for start in range(0, len(recorded), 5000):
        chunk = recorded[start : start + 5000]
        present.update(source.existing_rowids(table, chunk))
    gone = [rowid for rowid in recorded if rowid not in present]
    if gone:
        with pg.transaction():
            pg.execute(
                "DELETE FROM legacy_rejects WHERE source_path = %s AND table_name = %s "
                "AND legacy_rowid = ANY(%s)",
                [source_path, table, gone],
            )


def reject_message(table: str, key: str | None, column: str | None, reason: str) -> str:
    advice = REJECT_ADVICE.get(reason.split(":")[0], REJECT_ADVICE[CONSTRAINT])
    where = f", column {column}" if column else ""
    return f"{table} {key!r}{where}: rejected ({reason}); {advice}."
