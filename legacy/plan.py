"""Match each legacy table's columns, by name, to its PostgreSQL target table.

The target is read from PostgreSQL's ``information_schema`` rather than from the
Django models, so the plan describes the table that really exists (and says so
when ``manage.py migrate`` has not created it yet). Each mapped column gets its
converter from :mod:`legacy.convert`; legacy columns the target has no
place for go to ``legacy_extra.unmapped``, target columns the file lacks (old
schema versions) stay NULL. A table the file lacks is left out of the plan (the
commands report it as missing in the source); a table without its key column,
or a file with none of the tables, is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import psycopg

from legacy.catalog import TableRules, home_tables, table_rules
from legacy.convert import CONVERTERS, Converted
from legacy.source import LegacySource, SourceError, quote_identifier

EXTRA_COLUMN: Final = "legacy_extra"

# information_schema data_type -> (converter kind, binary COPY type name)
TARGET_TYPES: Final = {
    "text": ("text", "text"),
    "timestamp with time zone": ("timestamptz", "timestamptz"),
    "date": ("date", "date"),
    "boolean": ("boolean", "bool"),
    "double precision": ("double", "float8"),
    "integer": ("integer", "int4"),
    "bigint": ("bigint", "int8"),
    "jsonb": ("jsonb", "jsonb"),
}


class TargetMissing(Exception):
    """The analytics tables do not exist yet."""


@dataclass(frozen=True)
class ColumnMap:
    name: str  # same name on both sides
    source_index: int  # position in the legacy row (after rowid)
    kind: str
    copy_type: str
    nullable: bool
    convert: Callable[[Any], Converted[Any]]


@dataclass(frozen=True)
class TablePlan:
    table: str
    legacy_columns: tuple[str, ...]
    columns: tuple[ColumnMap, ...]  # mapped, in target order
    unmapped: tuple[str, ...]  # legacy columns kept in legacy_extra
    missing: tuple[str, ...]  # target columns the legacy file lacks (NULL)
    rules: TableRules
    source_rows: int
    sequence: int | None
    key_index: int = field(init=False)
    # (position in the raw row, converter) per mapped column: the hot loop's input.
    steps: tuple[tuple[int, Callable[[Any], Converted[Any]]], ...] = field(init=False)
    required: tuple[int, ...] = field(init=False)  # positions of NOT NULL columns

    def __post_init__(self) -> None:
        names = [column.name for column in self.columns]
        object.__setattr__(self, "key_index", names.index(self.rules.key))
        steps = tuple((c.source_index + 1, c.convert) for c in self.columns)
        object.__setattr__(self, "steps", steps)
        required = tuple(i for i, c in enumerate(self.columns) if not c.nullable)
        object.__setattr__(self, "required", required)

    @property
    def target_columns(self) -> tuple[str, ...]:
        return (*(column.name for column in self.columns), EXTRA_COLUMN)

    @property
    def copy_types(self) -> list[str]:
        return [*(column.copy_type for column in self.columns), "jsonb"]

    def column(self, name: str) -> ColumnMap:
        return next(column for column in self.columns if column.name == name)


@dataclass(frozen=True)
class TargetColumn:
    name: str
    data_type: str
    nullable: bool


def target_columns(pg: psycopg.Connection[Any], table: str) -> list[TargetColumn]:
    rows = pg.execute(
        "SELECT column_name, data_type, is_nullable = 'YES' FROM "
        "information_schema.columns WHERE table_schema = current_schema() AND "
        "table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [TargetColumn(*row) for row in rows]


def check_target(pg: psycopg.Connection[Any]) -> None:
    """Raise TargetMissing naming the absent tables and the fix."""
    present = {
        row[0]
        for row in pg.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema()"
        ).fetchall()
    }
    needed = ["articles", "legacy_migration_runs", "legacy_rejects"]
    absent = [name for name in needed if name not in present]
    if absent:
        raise TargetMissing(
            f"The analytics database has no table {', '.join(absent)}: run "
            "`manage.py migrate` first (it creates the tables in both databases), "
            "then run this command again."
        )


def plan_table(
    source: LegacySource, pg: psycopg.Connection[Any], table: str
) -> TablePlan | None:
    """The plan for one legacy table, or None when the file does not have it."""
    legacy = source.describe(table)
    rules = table_rules(pg, table)
    if legacy is None or rules is None:
        return None
    targets = [
        column for column in target_columns(pg, table) if column.name != EXTRA_COLUMN
    ]
    by_name = {name: index for index, name in enumerate(legacy.columns)}
    target_names = {column.name for column in targets}
    if rules.key not in by_name:
        unknown = [name for name in legacy.columns if name not in target_names]
        raise SourceError(missing_key_message(table, rules.key, unknown))
    mapped = tuple(
        column_map(column, by_name[column.name])
        for column in targets
        if column.name in by_name
    )
    return TablePlan(
        table=table,
        legacy_columns=legacy.columns,
        columns=mapped,
        unmapped=tuple(name for name in legacy.columns if name not in target_names),
        missing=tuple(column.name for column in targets if column.name not in by_name),
        rules=rules,
        source_rows=legacy.rows,
        sequence=legacy.sequence,
    )


def missing_key_message(table: str, key: str, unknown: list[str]) -> str:
    renamed = unknown[0] if len(unknown) == 1 else "<its new name>"
    if not renamed.isidentifier() and len(unknown) == 1:
        renamed = quote_identifier(renamed)
    hint = f" (its columns the target does not know: {', '.join(unknown)})"
    return (
        f"The legacy table {table} has no {key} column, the key its rows are "
        f"matched and checked by{hint if unknown else ''}. If the column was "
        'renamed, rename it back in a copy: `sqlite3 fnaapp.db ".backup copy.db"`, '
        f"then `sqlite3 copy.db 'ALTER TABLE {table} RENAME COLUMN {renamed} TO "
        f"{key}'`, and pass copy.db with --source."
    )


def column_map(column: TargetColumn, index: int) -> ColumnMap:
    try:
        kind, copy_type = TARGET_TYPES[column.data_type]
    except KeyError as exc:
        raise TargetMissing(
            f"Column {column.name} has type {column.data_type}, which the migration "
            "does not know: the analytics schema is not the one this release expects; "
            "run `manage.py migrate`."
        ) from exc
    return ColumnMap(
        name=column.name,
        source_index=index,
        kind=kind,
        copy_type=copy_type,
        nullable=column.nullable,
        convert=CONVERTERS[kind],
    )


def build_plan(
    source: LegacySource, pg: psycopg.Connection[Any], tables: Sequence[str] = ()
) -> list[TablePlan]:
    """The plans of ``tables`` (default: every analytics table the file has)."""
    check_target(pg)
    chosen = list(tables) or [
        table for table in home_tables(pg) if table in source.table_names()
    ]
    unknown = [table for table in chosen if table not in home_tables(pg)]
    if unknown:
        raise SourceError(
            f"The analytics database has no table {', '.join(unknown)}: name tables "
            f"it has ({', '.join(home_tables(pg))})."
        )
    plans = [plan_table(source, pg, table) for table in chosen]
    if all(plan is None for plan in plans):
        raise SourceError(
            f"{source.path} has none of the tables to move ({', '.join(chosen)}): "
            "check that --source names the legacy app's database (app/data/fnaapp.db)."
        )
    return [plan for plan in plans if plan is not None]
