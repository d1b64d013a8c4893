"""What the analytics database says about its tables: keys, parents, uniques, ids.

The facts are declared once, in the Django models, and so in the tables their
migrations created; the engine reads them back from PostgreSQL's catalog rather
than spelling them a second time. A table's key is its primary key; a foreign
key names the parent a child row must find (else the row is an orphan); unique
constraints are the duplicates to refuse; an identity key gets app ids above
the legacy range. Every table of the analytics schema that is not the engine's
own bookkeeping is a home for the legacy table of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import psycopg

# The engine's own tables and Django's: never a home for legacy rows.
ENGINE_PREFIX: Final = "legacy_"
NOT_HOMES: Final = frozenset({"django_migrations", "scenario_articles"})


@dataclass(frozen=True)
class Parent:
    """A row's ``column`` must name an existing ``table.key``."""

    column: str
    table: str
    key: str


@dataclass(frozen=True)
class TableRules:
    """What the legacy schema promised but SQLite never enforced."""

    key: str
    parent: Parent | None = None
    unique: tuple[tuple[str, ...], ...] = ()
    identity: bool = False

    @property
    def parent_column(self) -> str | None:
        return self.parent.column if self.parent else None


def home_tables(pg: psycopg.Connection[Any]) -> list[str]:
    """The analytics tables that hold legacy rows, by name."""
    rows = pg.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
        "ORDER BY table_name"
    ).fetchall()
    return [
        name
        for (name,) in rows
        if not name.startswith(ENGINE_PREFIX) and name not in NOT_HOMES
    ]


# Why SQL here: these facts live in PostgreSQL's catalog and nowhere else at run
# time; one query each, per table, per run.
_PRIMARY_KEY = (
    "SELECT array_agg(a.attname ORDER BY k.n) FROM pg_index i "
    "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
    "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
    "WHERE i.indrelid = %s::regclass AND i.indisprimary"
)
_UNIQUE = (
    "SELECT array_agg(a.attname ORDER BY k.n) FROM pg_index i "
    "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
    "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
    "WHERE i.indrelid = %s::regclass AND i.indisunique AND NOT i.indisprimary "
    "AND i.indpred IS NULL GROUP BY i.indexrelid "
    "ORDER BY min(i.indexrelid::regclass::text)"
)
_FOREIGN_KEYS = (
    "SELECT a.attname, c.confrelid::regclass::text, r.attname FROM pg_constraint c "
    "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
    "JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1] "
    "WHERE c.conrelid = %s::regclass AND c.contype = 'f' "
    "AND cardinality(c.conkey) = 1 ORDER BY c.conname"
)


def table_rules(pg: psycopg.Connection[Any], table: str) -> TableRules | None:
    """The table's rules, or None when it has no single-column primary key."""
    row = pg.execute(_PRIMARY_KEY, [table]).fetchone()
    key_columns = row[0] if row else None
    if not key_columns or len(key_columns) != 1:
        return None
    key = key_columns[0]
    parents = [
        Parent(column, parent, parent_key)
        for column, parent, parent_key in pg.execute(_FOREIGN_KEYS, [table])
        if not parent.startswith(ENGINE_PREFIX)
    ]
    unique = tuple(tuple(columns) for (columns,) in pg.execute(_UNIQUE, [table]))
    sequence = pg.execute(
        "SELECT pg_get_serial_sequence(%s, %s) IS NOT NULL", [table, key]
    ).fetchone()
    return TableRules(
        key=key,
        parent=parents[0] if parents else None,
        unique=unique,
        identity=bool(sequence and sequence[0]),
    )


def load_order(parents: dict[str, str | None]) -> list[list[str]]:
    """Phases of tables: each table after the phase holding its parent."""
    phases: list[list[str]] = []
    placed: set[str] = set()
    waiting = dict(parents)
    while waiting:
        ready = sorted(
            table
            for table, parent in waiting.items()
            if parent is None or parent in placed or parent not in parents
        )
        if not ready:  # a cycle: load what is left together
            ready = sorted(waiting)
        phases.append(ready)
        placed.update(ready)
        for table in ready:
            del waiting[table]
    return phases
