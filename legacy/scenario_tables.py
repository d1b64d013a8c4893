"""The per-scenario ``articles_scenario_N`` tables, into ``scenario_articles``.

The legacy app creates one table per scenario (``scenarios.article_table``):
the columns every such table shares (uri, title, dates, summary, tags, topic,
analyzed), then a ``<block>`` and ``<block>_explanation`` TEXT column per
building block, so the columns differ from scenario to scenario and from file
to file. Their rows all land in one typed table, ``scenario_articles``: the
shared columns typed and converted exactly as ``articles``' are (the same
converters, :func:`legacy.rows.convert_row`), the block columns in
``block_values`` as ``{column: text}``, the table's name in ``article_table``
and its scenario in ``scenario_id``.

Scenario tables are small (a scenario analyses a share of the articles), so
every run (the bulk copy and each catch-up) reads each of them whole and makes
``scenario_articles`` equal to it: new rows inserted, changed rows updated,
rows the file no longer has removed. Rows the app changed are never written:
``scenario_articles`` carries the cut-over's change tracking (see
:mod:`legacy.tracking`), each run leaves the rows in its journal as the app
left them and counts them, and the guard refuses the engine's write to a row
an analyst changes while the run is under way.

Refused, with their reasons in ``legacy_rejects`` like any other table's: a
row with no uri (SQLite allows NULL in a TEXT primary key) and a second row
whose uri equals an earlier one once NULs are removed. A scenario row whose
article is gone is kept: it carries its own copy of the article's fields.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Final

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from legacy.archive import ArchiveCheck
from legacy.catalog import TableRules
from legacy.convert import describe_issue, split_issue
from legacy.plan import (
    EXTRA_COLUMN,
    TablePlan,
    column_map,
    missing_key_message,
    target_columns,
)
from legacy.rejects import reject_message
from legacy.reports import SAMPLE_LIMIT, TableReport
from legacy.rows import (
    DUPLICATE_KEY,
    RowResult,
    convert_row,
    is_repair,
    legacy_row_json,
)
from legacy.runs import now
from legacy.schema.table import SCENARIO_TABLE
from legacy.source import LegacySource, SourceError
from legacy.tracking import APP_APPLICATION_NAME

HOME: Final = "scenario_articles"
BLOCKS: Final = "block_values"
KEY: Final = "uri"
# Columns of scenario_articles the engine fills itself, not from a legacy column.
OWN_COLUMNS: Final = frozenset(
    {"id", "article_table", "scenario_id", "legacy_rowid", BLOCKS, EXTRA_COLUMN}
)


def scenario_tables(source: LegacySource) -> list[str]:
    """The file's ``articles_scenario_N`` tables, in scenario order."""
    found = [name for name in source.table_names() if SCENARIO_TABLE.fullmatch(name)]
    return sorted(found, key=lambda name: int(name.rsplit("_", 1)[1]))


def scenario_plan(
    source: LegacySource, pg: psycopg.Connection[Any], table: str
) -> TablePlan:
    """How ``table``'s shared columns map onto ``scenario_articles``.

    Every legacy column with no typed place (the building blocks', and any a
    newer file adds) is "unmapped": :func:`convert_row` keeps it as text, and
    here it goes to ``block_values``.
    """
    legacy = source.describe(table)
    assert legacy is not None, table
    by_name = {name: index for index, name in enumerate(legacy.columns)}
    targets = [
        column for column in target_columns(pg, HOME) if column.name not in OWN_COLUMNS
    ]
    if KEY not in by_name:
        raise SourceError(missing_key_message(table, KEY, []))
    # Every shared column may be empty (a row without its key is refused as such).
    mapped = tuple(
        replace(column_map(column, by_name[column.name]), nullable=True)
        for column in targets
        if column.name in by_name
    )
    names = {column.name for column in mapped}
    return TablePlan(
        table=table,
        legacy_columns=legacy.columns,
        columns=mapped,
        unmapped=tuple(name for name in legacy.columns if name not in names),
        missing=tuple(c.name for c in targets if c.name not in by_name),
        rules=TableRules(key=KEY),
        source_rows=legacy.rows,
        sequence=None,
    )


@dataclass
class ScenarioRow:
    """One legacy scenario row as ``scenario_articles`` holds it."""

    rowid: int
    result: RowResult
    values: dict[str, Any]  # target column -> value, block_values and extra included


def _target_row(plan: TablePlan, result: RowResult) -> dict[str, Any]:
    values = dict(zip(plan.target_columns, result.values, strict=True))
    extra = values.pop(EXTRA_COLUMN) or {}
    blocks = extra.pop("unmapped", {}) if extra else {}
    values[BLOCKS] = blocks
    values[EXTRA_COLUMN] = extra or None
    values["legacy_rowid"] = result.rowid
    return values


def read_rows(
    source: LegacySource, plan: TablePlan
) -> Iterator[tuple[tuple[Any, ...], ScenarioRow]]:
    """Every row of the table, converted, in rowid order (raw row beside it)."""
    for raw in source.iter_rows(plan.table, plan.legacy_columns):
        result = convert_row(plan, raw)
        yield raw, ScenarioRow(raw[0], result, _target_row(plan, result))


def scenario_id(source: LegacySource, table: str) -> int | None:
    """The scenario whose table this is (``scenarios.article_table``, or its N)."""
    if "scenarios" in source.table_names():
        row = source.conn.execute(
            "SELECT id FROM scenarios WHERE CAST(article_table AS TEXT) = ? "
            "AND typeof(id) = 'integer' ORDER BY id LIMIT 1",
            [table],
        ).fetchone()
        if row is not None:
            return int(row[0])
    found = SCENARIO_TABLE.fullmatch(table)
    return int(found.group(1)) if found else None


@dataclass
class AppChanges:
    """What the app did to ``scenario_articles`` (from the cut-over's journal)."""

    ids: set[int] = field(default_factory=set)  # rows changed or deleted, by id
    keys: set[tuple[str, str]] = field(default_factory=set)  # their (table, uri)
    # Changes made outside the app (a psql session): (table, uri) -> session name.
    outside: dict[tuple[str, str], str] = field(default_factory=dict)
    outside_ids: dict[int, str] = field(default_factory=dict)

    def holds(self, table: str, uri: Any, row_id: int | None) -> bool:
        return row_id in self.ids or (table, uri) in self.keys

    def outside_origin(self, table: str, uri: Any, row_id: int | None) -> str | None:
        if row_id is not None and row_id in self.outside_ids:
            return self.outside_ids[row_id]
        return self.outside.get((table, uri))


def app_changes(pg: psycopg.Connection[Any]) -> AppChanges:
    """Rows anyone but the engine changed, deleted or created, by id and by uri."""
    changes = AppChanges()
    rows = pg.execute(
        "SELECT j.key, coalesce(j.base, to_jsonb(s)) ->> 'article_table', "
        "coalesce(j.base, to_jsonb(s)) ->> 'uri', j.origin "
        "FROM legacy_app_changes j LEFT JOIN scenario_articles s "
        "ON j.key = s.id::text WHERE j.table_name = %s",
        [HOME],
    ).fetchall()
    for key, table, uri, origin in rows:
        row_id = int(key) if key is not None and key.isdigit() else None
        if row_id is not None:
            changes.ids.add(row_id)
        if table is not None and uri is not None:
            changes.keys.add((table, uri))
        if origin != APP_APPLICATION_NAME:
            if row_id is not None:
                changes.outside_ids[row_id] = origin
            if table is not None and uri is not None:
                changes.outside[(table, uri)] = origin
    return changes


def settle_outside(pg: psycopg.Connection[Any], table: str, *, prefer: str) -> int:
    """Settle the changes made outside the app to ``table``'s rows, as ``prefer`` says.

    ``legacy``: their journal entries go, so this run writes the file's
    versions over them; ``app``: they stay, as the app's own work.
    """
    outside = pg.execute(
        "SELECT j.key FROM legacy_app_changes j LEFT JOIN scenario_articles s "
        "ON j.key = s.id::text WHERE j.table_name = %s AND j.origin <> %s "
        "AND coalesce(j.base, to_jsonb(s)) ->> 'article_table' = %s",
        [HOME, APP_APPLICATION_NAME, table],
    ).fetchall()
    keys = [key for (key,) in outside]
    if prefer == "legacy":
        pg.execute(
            "DELETE FROM legacy_app_changes WHERE table_name = %s AND key = ANY(%s)",
            [HOME, keys],
        )
    else:
        pg.execute(
            "UPDATE legacy_app_changes SET origin = %s "
            "WHERE table_name = %s AND key = ANY(%s)",
            [APP_APPLICATION_NAME, HOME, keys],
        )
    return len(keys)


def _stored(
    pg: psycopg.Connection[Any], table: str, columns: list[str]
) -> dict[str, tuple[int, dict[str, Any]]]:
    """``table``'s rows in ``scenario_articles``: uri -> (id, {column: value})."""
    query = sql.SQL(
        "SELECT id, {} FROM scenario_articles WHERE article_table = %s"
    ).format(sql.SQL(", ").join(map(sql.Identifier, columns)))
    stored = {}
    for row in pg.execute(query, [table]).fetchall():
        values = dict(zip(columns, row[1:], strict=True))
        stored[values[KEY]] = (row[0], values)
    return stored


def _sort_out(
    plan: TablePlan, source: LegacySource
) -> Iterator[tuple[tuple[Any, ...], ScenarioRow, str | None, str | None]]:
    """Each row with the reason it is refused, if it is (first uri wins)."""
    seen: set[str] = set()
    for raw, row in read_rows(source, plan):
        reason, column = row.result.reject, row.result.reject_column
        if reason is None:
            if row.result.key in seen:
                reason, column = DUPLICATE_KEY, KEY
            else:
                seen.add(row.result.key)
        yield raw, row, reason, column


def move_scenario_table(
    source: LegacySource,
    pg: psycopg.Connection[Any],
    table: str,
    *,
    source_path: str,
    run_id: int,
    prefer: str | None = None,
) -> TableReport:
    """Make ``table``'s rows in ``scenario_articles`` equal to the file's.

    Rows changed outside the app (not by the app, not by the engine) stay as
    they are and are reported as conflicts until ``prefer`` settles them:
    ``legacy`` writes the file's version over them, ``app`` keeps them.
    """
    plan = scenario_plan(source, pg, table)
    report = TableReport(table, home=HOME, unmapped=(), missing=plan.missing)
    scenario = scenario_id(source, table)
    columns = [*(c.name for c in plan.columns), BLOCKS, EXTRA_COLUMN, "legacy_rowid"]
    conversions: Counter[tuple[str, str]] = Counter()
    reasons: Counter[str] = Counter()
    with pg.transaction():
        # The guard lets the engine overwrite a tracked row only when told to.
        if prefer == "legacy":
            pg.execute("SET LOCAL aunoo.resolving = 'on'")
        if prefer:
            settle_outside(pg, table, prefer=prefer)
        stored = _stored(pg, table, columns)
        app = app_changes(pg)
        inserts: list[list[Any]] = []
        updates: list[list[Any]] = []
        rejects: list[list[Any]] = []
        created = now()
        for raw, row, reason, column in _sort_out(plan, source):
            report.source += 1
            if reason is not None:
                report.rejected += 1
                reasons[reason] += 1
                key = None if row.result.key is None else str(row.result.key)
                if len(report.samples) < SAMPLE_LIMIT * 2:
                    report.samples.append(reject_message(table, key, column, reason))
                rejects.append(
                    [run_id, source_path, table, row.rowid, key, reason, column,
                     Jsonb(legacy_row_json(plan, raw)), created]
                )  # fmt: skip
                continue
            report.migrated += 1
            _count(report, conversions, table, row)
            held = stored.pop(row.result.key, None)
            params = [_adapt(row.values[name]) for name in columns]
            held_id = None if held is None else held[0]
            origin = app.outside_origin(table, row.result.key, held_id)
            if origin is not None:
                report.conflicts.append(_outside_message(table, row.result.key, origin))
            elif app.holds(table, row.result.key, held_id):
                report.app_kept += 1  # changed or deleted in the app: its version stays
            elif held is None:
                inserts.append([table, scenario, *params])
            elif _differs(held[1], row.values, columns):
                updates.append([scenario, *params, held[0]])
        # Rows the file no longer has, but those the app created or changed.
        gone = [
            held_id
            for uri, (held_id, _values) in stored.items()
            if not app.holds(table, uri, held_id)
        ]
        names = sql.SQL(", ").join(map(sql.Identifier, columns))
        with pg.cursor() as cursor:
            if inserts:
                cursor.executemany(
                    sql.SQL(
                        "INSERT INTO scenario_articles "
                        "(article_table, scenario_id, {}) VALUES ({})"
                    ).format(
                        names,
                        sql.SQL(", ").join(sql.Placeholder() * (len(columns) + 2)),
                    ),
                    inserts,
                )
            if updates:
                assignments = sql.SQL(", ").join(
                    sql.SQL("{} = %s").format(sql.Identifier(name))
                    for name in ["scenario_id", *columns]
                )
                cursor.executemany(
                    sql.SQL("UPDATE scenario_articles SET {} WHERE id = %s").format(
                        assignments
                    ),
                    updates,
                )
            if gone:
                cursor.execute(
                    "DELETE FROM scenario_articles WHERE id = ANY(%s)", [gone]
                )
            cursor.execute(
                "DELETE FROM legacy_rejects WHERE source_path = %s AND table_name = %s",
                [source_path, table],
            )
            if rejects:
                cursor.executemany(
                    "INSERT INTO legacy_rejects (run_id, source_path, table_name, "
                    'legacy_rowid, legacy_key, reason, "column", "row", created_at) '
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    rejects,
                )
    report.open_conflicts = len(report.conflicts)
    report.updated = len(inserts) + len(updates)
    report.removed = len(gone)
    report.reject_reasons = dict(reasons)
    for (name, issue), count in sorted(conversions.items()):
        report.conversions.setdefault(name, {})[issue] = count
    return report


def scan_scenario_table(
    source: LegacySource, pg: psycopg.Connection[Any], table: str
) -> TableReport:
    """The dry run's figures for ``table``: the same rules, nothing written."""
    plan = scenario_plan(source, pg, table)
    report = TableReport(table, home=HOME, missing=plan.missing)
    conversions: Counter[tuple[str, str]] = Counter()
    reasons: Counter[str] = Counter()
    for _raw, row, reason, _column in _sort_out(plan, source):
        report.source += 1
        if reason is not None:
            reasons[reason] += 1
            continue
        _count(report, conversions, table, row)
    report.rejected = sum(reasons.values())
    report.migrated = report.source - report.rejected
    report.reject_reasons = dict(reasons)
    for (name, issue), count in sorted(conversions.items()):
        report.conversions.setdefault(name, {})[issue] = count
    return report


def _outside_message(table: str, uri: Any, origin: str) -> str:
    return (
        f"{table} {uri!r}: changed in scenario_articles outside the app (by a "
        f"session named {origin!r}); kept until you choose: --prefer legacy restores "
        "the file's version, --prefer app keeps this one"
    )


def _count(
    report: TableReport,
    conversions: Counter[tuple[str, str]],
    table: str,
    row: ScenarioRow,
) -> None:
    repaired = False
    for issue in row.result.issues:
        for part in split_issue(issue.issue):
            conversions[(issue.column, part)] += 1
        if is_repair(issue.issue):
            repaired = True
            if len(report.samples) < SAMPLE_LIMIT:
                report.samples.append(
                    describe_issue(
                        table=table,
                        key=row.result.key,
                        column=issue.column,
                        original=issue.original,
                        issue=issue.issue,
                    )
                )
    report.repaired += repaired


def _adapt(value: Any) -> Any:
    return Jsonb(value) if isinstance(value, dict) else value


def _differs(held: dict[str, Any], values: dict[str, Any], columns: list[str]) -> bool:
    return any(_normal(held[name]) != _normal(values[name]) for name in columns)


def _normal(value: Any) -> Any:
    """A value as PostgreSQL gives it back (jsonb round-trips through JSON)."""
    if isinstance(value, dict | list):
        return json.loads(json.dumps(value))
    return value


def check_scenario_table(
    source: LegacySource, pg: psycopg.Connection[Any], table: str, source_path: str
) -> ArchiveCheck:
    """Every row of ``table`` against ``scenario_articles``, value by value.

    ``migrated`` counts the file's rows that have their place here; rows the
    app changed or deleted are counted (``app_rows``), not failed: every run
    keeps them as the app left them. Refused rows must be in
    ``legacy_rejects`` with the reason the same rules give now (a record left
    for a row that is valid now shows as that row missing).
    """
    plan = scenario_plan(source, pg, table)
    columns = [*(c.name for c in plan.columns), BLOCKS, EXTRA_COLUMN, "legacy_rowid"]
    stored = _stored(pg, table, columns)
    app = app_changes(pg)
    rejected = dict(
        pg.execute(
            "SELECT legacy_rowid, reason FROM legacy_rejects "
            "WHERE source_path = %s AND table_name = %s",
            [source_path, table],
        ).fetchall()
    )
    check = ArchiveCheck(table, kind="scenario row")
    for _raw, row, reason, _column in _sort_out(plan, source):
        check.source_rows += 1
        key = row.result.key
        if reason is not None:
            if rejected.pop(row.rowid, None) == reason:
                check.rejected += 1
            else:
                check.unexplained.append((row.rowid, key, reason))
            continue
        held = stored.pop(key, None)
        held_id = None if held is None else held[0]
        origin = app.outside_origin(table, key, held_id)
        if origin is not None:
            check.outside.append((key, origin))
            check.migrated += 1
        elif app.holds(table, key, held_id):
            check.app_rows += 1
            check.migrated += 1
        elif held is None:
            check.missing.append(key)
        else:
            check.migrated += 1
            differing = [
                name for name in columns
                if _normal(held[1][name]) != _normal(row.values[name])
            ]  # fmt: skip
            if differing:
                check.changed.append((key, row.rowid))
                check.differing[key] = differing
    check.extra = sorted(
        uri for uri, (held_id, _values) in stored.items()
        if not app.holds(table, uri, held_id)
    )  # fmt: skip
    check.app_rows += len(stored) - len(check.extra)
    return check
