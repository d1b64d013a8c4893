"""Copy the legacy tables into PostgreSQL: COPY in bounded batches, resumable.

Each batch is one transaction holding its rows, its rejects and the table's
checkpoint (the last legacy rowid done), so a run killed at any moment, SIGKILL
included, resumes after the last committed batch and ends exactly as an
uninterrupted run would. Batches are bounded in rows and bytes, so memory stays
flat whatever the file's size.

A batch first goes straight into the target with binary COPY. Should a
constraint refuse it (a duplicate key, a child whose article does not exist),
the batch is copied again into a temporary staging table, the rows that cannot
land are marked there with their reason, and the rest is inserted from it; the
marked rows go to ``legacy_rejects`` with the whole legacy row.

Speed on two cores: tables load in two phases (articles and the tables that do
not need them, then the children), two lanes per phase; a large table is split
into rowid ranges copied by parallel streams, each with its own checkpoint; the
secondary indexes of an empty table are dropped for the bulk load and rebuilt
from the statements saved in its checkpoint; sessions use lz4 TOAST compression
where the server has it and asynchronous commit (see :func:`tune_session`).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from legacy.connect import Connect
from legacy.convert import describe_issue, split_issue
from legacy.plan import TablePlan
from legacy.rejects import reject_message
from legacy.reports import SAMPLE_LIMIT, Progress, TableReport
from legacy.rows import (
    CONSTRAINT,
    DUPLICATE_KEY,
    DUPLICATE_UNIQUE,
    ORPHAN,
    RowResult,
    convert_row,
    is_repair,
    legacy_row_json,
)
from legacy.runs import now
from legacy.source import LegacySource

# A statement built around an extra WHERE condition (one row, or none).
Statement = Callable[[sql.Composable], sql.Composed]

BATCH_ROWS: Final = 2500
BATCH_BYTES: Final = 3 << 20


@dataclass(frozen=True)
class Part:
    """One stream's rowid range of a table: above ``start``, up to ``end``."""

    number: int
    start: int
    end: int | None  # None: open-ended, so rows the legacy app adds land here


class TableLoader:
    """Moves one rowid range of a legacy table, batch by batch, on one connection."""

    def __init__(
        self,
        source: LegacySource,
        pg: psycopg.Connection[Any],
        plan: TablePlan,
        *,
        source_path: str,
        run_id: int | None,
        part: Part = Part(0, 0, None),
        batch_rows: int = BATCH_ROWS,
        batch_bytes: int = BATCH_BYTES,
        progress: Callable[[Progress], None] | None = None,
        throttle: float = 0.0,
    ) -> None:
        self.source, self.pg, self.plan = source, pg, plan
        # After each batch, rest this many times as long as the batch took.
        self.throttle = throttle
        self.source_path, self.run_id = source_path, run_id
        self.part = part
        self.batch_rows, self.batch_bytes = batch_rows, batch_bytes
        self.progress = progress
        self.report = TableReport(
            plan.table, unmapped=plan.unmapped, missing=plan.missing
        )
        self.staged_last = False
        self.stage_ready = False
        # Catch-up: the keys PostgreSQL held when the rows were compared. Those
        # are updated, never inserted again: one the app deleted meanwhile stays
        # deleted; the others are only inserted where no row holds their key.
        self.expected_present: set[Any] | None = None
        self.present_in_batch: list[Any] = []
        self.conversions: Counter[tuple[str, str]] = Counter()
        self.reasons: Counter[str] = Counter()

    # --- checkpoint ---------------------------------------------------------

    def _where(self) -> tuple[str, list[Any]]:
        return (
            "WHERE source_path = %s AND table_name = %s AND part = %s",
            [self.source_path, self.plan.table, self.part.number],
        )

    def _load_checkpoint(self) -> int:
        where, params = self._where()
        row = self.pg.execute(
            "SELECT last_rowid, source_rows, migrated, rejected, repaired, seconds, "
            f"conversions FROM legacy_checkpoints {where}",
            params,
        ).fetchone()
        self.pg.commit()
        assert row is not None, "parts are registered before they are loaded"
        report = self.report
        last, report.source, report.migrated, report.rejected = row[:4]
        report.repaired, report.seconds = row[4], row[5]
        for column, issues in (row[6] or {}).items():
            for issue, count in issues.items():
                self.conversions[(column, issue)] = count
        return int(last)

    def _save_checkpoint(self, last_rowid: int, *, completed: bool = False) -> None:
        self.report.conversions = self._conversions_dict()
        where, params = self._where()
        self.pg.execute(
            "UPDATE legacy_checkpoints SET last_rowid = %s, source_rows = %s, "
            "migrated = %s, rejected = %s, repaired = %s, seconds = %s, "
            f"conversions = %s, completed = %s, updated_at = %s {where}",
            [
                last_rowid,
                self.report.source,
                self.report.migrated,
                self.report.rejected,
                self.report.repaired,
                self.report.seconds,
                Jsonb(self.report.conversions),
                completed,
                now(),
                *params,
            ],
        )

    def _conversions_dict(self) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        for (column, issue), count in sorted(self.conversions.items()):
            result.setdefault(column, {})[issue] = count
        return result

    # --- the copy loop -----------------------------------------------------

    def run(
        self, *, upsert: bool = False, stop: threading.Event | None = None
    ) -> TableReport:
        after = self._load_checkpoint()
        while stop is None or not stop.is_set():
            started = time.perf_counter()
            raws = self.source.read_batch(
                self.plan.table,
                self.plan.legacy_columns,
                after=after,
                limit=self.batch_rows,
                until=self.part.end,
                max_bytes=self.batch_bytes,
            )
            if not raws:
                self._finish(after)
                break
            after = raws[-1][0]
            self._batch_with_retry(
                raws, upsert=upsert, last_rowid=after, started=started
            )
            if self.throttle:
                # Leaves the cores to a live app between batches (a load beside
                # users); nothing is held while resting, the batch is committed.
                time.sleep(self.throttle * (time.perf_counter() - started))
        self.report.reject_reasons = dict(self.reasons)
        return self.report

    def _batch_with_retry(
        self, raws: Sequence[tuple[Any, ...]], **options: Any
    ) -> None:
        # Two streams meeting on one duplicate key can deadlock; PostgreSQL
        # cancels one, and the batch is simply done again.
        for attempt in range(3):
            try:
                self._batch(raws, **options)
                return
            except psycopg.errors.DeadlockDetected:
                if attempt == 2:
                    raise
                self.pg.rollback()

    def _finish(self, after: int) -> None:
        with self.pg.transaction():
            self._save_checkpoint(after, completed=True)

    def _batch(
        self,
        raws: Sequence[tuple[Any, ...]],
        *,
        upsert: bool,
        last_rowid: int,
        started: float,
        retry: bool = False,
    ) -> None:
        """One transaction: rows, rejects, counters and checkpoint together."""
        results = [convert_row(self.plan, raw) for raw in raws]
        accepted = [row for row in results if row.reject is None]
        if self.expected_present is not None:
            self.present_in_batch = [
                row.key for row in accepted if row.key in self.expected_present
            ]
        rejects = [
            (row.rowid, row.reject, row.reject_column or "")
            for row in results
            if row.reject is not None
        ]
        with self.pg.transaction():
            # Django creates foreign keys DEFERRABLE INITIALLY DEFERRED; checked at
            # COMMIT they could not be told apart row by row.
            self.pg.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if upsert:
                self._delete_rejects([row.rowid for row in results])
            if accepted:
                rejects += self._write(accepted, upsert=upsert)
            self._save_rejects(raws, results, rejects)
            self.report.seconds += time.perf_counter() - started
            if not retry:  # a retried row was counted when it was first read
                self._count(results, {rowid for rowid, _r, _c in rejects})
                self.report.source += len(raws)
                self.report.rejected += len(rejects)
                self.report.migrated += len(raws) - len(rejects)
                self._save_checkpoint(last_rowid)
        if self.progress:
            self.progress(
                Progress(
                    self.plan.table,
                    self.report.source,
                    self.plan.source_rows,
                    self.report.seconds,
                )
            )

    def _count(self, results: list[RowResult], refused: set[int]) -> None:
        for row in results:
            if row.rowid in refused or not row.issues:
                continue
            repaired = False
            for issue in row.issues:
                for part in split_issue(issue.issue):
                    self.conversions[(issue.column, part)] += 1
                if is_repair(issue.issue):
                    repaired = True
                    if len(self.report.samples) < SAMPLE_LIMIT:
                        self.report.samples.append(
                            describe_issue(
                                table=self.plan.table,
                                key=row.key,
                                column=issue.column,
                                original=issue.original,
                                issue=issue.issue,
                            )
                        )
            self.report.repaired += repaired

    # --- writing ------------------------------------------------------------

    def _write(
        self, rows: list[RowResult], *, upsert: bool
    ) -> list[tuple[int, str, str]]:
        """Insert ``rows``; return (rowid, reason, column) of those that cannot land."""
        if not upsert and not self.staged_last:
            try:
                with self.pg.transaction():
                    self._copy_direct(rows)
                return []
            except psycopg.errors.IntegrityError:
                pass  # sorted out row by row in the staging table below
        rejected = self._write_staged(rows, upsert=upsert)
        # A table with orphans has them in most batches: go to staging directly.
        self.staged_last = bool(rejected)
        return rejected

    def _copy_direct(self, rows: list[RowResult]) -> None:
        statement = sql.SQL(
            "COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
        ).format(
            table=sql.Identifier(self.plan.table),
            columns=_idents(self.plan.target_columns),
        )
        with self.pg.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types(self.plan.copy_types)
            for row in rows:
                copy.write_row(row.values)

    def _stage_name(self) -> sql.Identifier:
        return sql.Identifier(f"stage_{self.plan.table}")

    def _ensure_stage(self) -> None:
        if self.stage_ready:
            self.pg.execute(sql.SQL("TRUNCATE {}").format(self._stage_name()))
            return
        # Temporary and uncompressed: it lives for one batch, compression would
        # only be paid twice.
        self.pg.execute(
            sql.SQL(
                "CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT {columns} FROM "
                "{table} WITH NO DATA"
            ).format(
                stage=self._stage_name(),
                columns=_idents(self.plan.target_columns),
                table=sql.Identifier(self.plan.table),
            )
        )
        self.pg.execute(
            sql.SQL(
                "ALTER TABLE {} ADD COLUMN IF NOT EXISTS _rowid bigint, "
                "ADD COLUMN IF NOT EXISTS _reason text, "
                "ADD COLUMN IF NOT EXISTS _column text"
            ).format(self._stage_name())
        )
        self.pg.execute(sql.SQL("TRUNCATE {}").format(self._stage_name()))
        self.stage_ready = True

    def _write_staged(
        self, rows: list[RowResult], *, upsert: bool
    ) -> list[tuple[int, str, str]]:
        self._ensure_stage()
        statement = sql.SQL(
            "COPY {stage} ({columns}, _rowid) FROM STDIN (FORMAT BINARY)"
        )
        with (
            self.pg.cursor() as cursor,
            cursor.copy(
                statement.format(
                    stage=self._stage_name(), columns=_idents(self.plan.target_columns)
                )
            ) as copy,
        ):
            copy.set_types([*self.plan.copy_types, "int8"])
            for row in rows:
                copy.write_row((*row.values, row.rowid))
        for query, params in self._classify_queries(upsert=upsert):
            self.pg.execute(query, params)
        self._insert_from_stage(upsert=upsert)
        return [
            (int(rowid), reason, column)
            for rowid, reason, column in self.pg.execute(
                sql.SQL(
                    "SELECT _rowid, _reason, _column FROM {} WHERE _reason IS NOT NULL "
                    "ORDER BY _rowid"
                ).format(self._stage_name())
            ).fetchall()
        ]

    def _mark(self, condition: sql.Composable) -> sql.Composed:
        return sql.SQL(
            "UPDATE {stage} s SET _reason = %s, _column = %s "
            "WHERE _reason IS NULL AND {condition}"
        ).format(stage=self._stage_name(), condition=condition)

    def _classify_queries(
        self, *, upsert: bool
    ) -> list[tuple[sql.Composed, list[Any]]]:
        """UPDATEs that mark, in order, the staged rows that cannot land."""
        rules = self.plan.rules
        queries = []
        if rules.parent:
            orphan = sql.SQL(
                "NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{pkey} = s.{fk})"
            ).format(
                parent=sql.Identifier(rules.parent.table),
                pkey=sql.Identifier(rules.parent.key),
                fk=sql.Identifier(rules.parent.column),
            )
            queries.append((self._mark(orphan), [ORPHAN, rules.parent.column]))
        checks: list[tuple[tuple[str, ...], str]] = [((rules.key,), DUPLICATE_KEY)]
        checks += [(unique, DUPLICATE_UNIQUE) for unique in rules.unique]
        for columns, reason in checks:
            label = [reason, ", ".join(columns)]
            in_target = self._in_target(columns, reason, upsert=upsert)
            if in_target is not None:
                queries.append((self._mark(in_target), label))
            # Within the batch the first row (lowest rowid) wins; a window
            # keeps this one hash or sort, where a self-join would be quadratic.
            later = sql.SQL(
                "_rowid IN (SELECT _rowid FROM (SELECT _rowid, row_number() OVER "
                "(PARTITION BY {columns} ORDER BY _rowid) AS n FROM {stage} "
                "WHERE _reason IS NULL) AS ranked WHERE n > 1)"
            ).format(stage=self._stage_name(), columns=_idents(columns))
            queries.append((self._mark(later), label))
        return queries

    def _in_target(
        self, columns: Sequence[str], reason: str, *, upsert: bool
    ) -> sql.Composed | None:
        if upsert and reason == DUPLICATE_KEY:
            return None  # the key's row is updated, not refused
        match = _equal("t", "s", columns)
        if upsert:  # another row (another key) holding these values refuses it
            key = sql.Identifier(self.plan.rules.key)
            match = sql.SQL("{} AND t.{} <> s.{}").format(match, key, key)
        return sql.SQL("EXISTS (SELECT 1 FROM {table} t WHERE {match})").format(
            table=sql.Identifier(self.plan.table), match=match
        )

    def _insert_from_stage(self, *, upsert: bool) -> None:
        if upsert and self.expected_present is not None:
            statements = self._catch_up_writes()
        else:
            statements = [self._plain_insert(upsert=upsert)]

        def run(where: str, params: list[Any]) -> None:
            for statement, base in statements:
                self.pg.execute(statement(sql.SQL(where)), [*base, *params])

        try:
            with self.pg.transaction():
                run("", [])
            return
        except psycopg.errors.IntegrityError:
            pass
        # A constraint the rules above do not know about: find the rows one by one.
        rowids = [
            r[0]
            for r in self.pg.execute(
                sql.SQL(
                    "SELECT _rowid FROM {} WHERE _reason IS NULL ORDER BY _rowid"
                ).format(self._stage_name())
            ).fetchall()
        ]
        for rowid in rowids:
            try:
                with self.pg.transaction():
                    run(" AND _rowid = %s", [rowid])
            except psycopg.errors.IntegrityError as exc:
                self.pg.execute(
                    sql.SQL(
                        "UPDATE {} SET _reason = %s, _column = %s WHERE _rowid = %s"
                    ).format(self._stage_name()),
                    [
                        f"{CONSTRAINT}: {exc.diag.message_primary}",
                        exc.diag.column_name or exc.diag.constraint_name,
                        rowid,
                    ],
                )

    def _plain_insert(self, *, upsert: bool) -> tuple[Statement, list[Any]]:
        """INSERT from the stage; an upsert updates a key already there."""
        columns = self.plan.target_columns
        conflict: sql.Composable = sql.SQL("")
        if upsert:
            conflict = sql.SQL(" ON CONFLICT ({key}) DO UPDATE SET {sets}").format(
                key=sql.Identifier(self.plan.rules.key),
                sets=sql.SQL(", ").join(
                    sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(name))
                    for name in columns
                ),
            )
        table, stage = sql.Identifier(self.plan.table), self._stage_name()

        def statement(where: sql.Composable) -> sql.Composed:
            return sql.SQL(
                "INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} "
                "WHERE _reason IS NULL{where} ORDER BY _rowid{conflict}"
            ).format(
                table=table,
                columns=_idents(columns),
                stage=stage,
                where=where,
                conflict=conflict,
            )

        return statement, []

    def _catch_up_writes(self) -> list[tuple[Statement, list[Any]]]:
        """Update the rows that were there; insert only where no row and no
        change of the app's holds the key (an app deletion is never undone)."""
        columns = self.plan.target_columns
        key = sql.Identifier(self.plan.rules.key)
        names = dict(table=sql.Identifier(self.plan.table), stage=self._stage_name(),
                     key=key, columns=_idents(columns))  # fmt: skip
        values = sql.SQL(", ").join(
            sql.SQL("s.{}").format(sql.Identifier(name)) for name in columns
        )

        def update(where: sql.Composable) -> sql.Composed:
            return sql.SQL(
                "UPDATE {table} t SET ({columns}) = ROW({values}) FROM {stage} s "
                "WHERE s._reason IS NULL AND t.{key} = s.{key} "
                "AND s.{key} = ANY(%s){where}"
            ).format(values=values, where=where, **names)

        def insert(where: sql.Composable) -> sql.Composed:
            return sql.SQL(
                "INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} s "
                "WHERE _reason IS NULL AND NOT (s.{key} = ANY(%s)) AND NOT EXISTS "
                "(SELECT 1 FROM legacy_app_changes j WHERE j.table_name = %s "
                "AND j.key = s.{key}::text){where} ORDER BY _rowid "
                "ON CONFLICT ({key}) DO NOTHING"
            ).format(where=where, **names)

        present = self.present_in_batch
        return [(update, [present]), (insert, [present, self.plan.table])]

    # --- rejects --------------------------------------------------------------

    def _delete_rejects(self, rowids: list[int]) -> None:
        self.pg.execute(
            "DELETE FROM legacy_rejects WHERE source_path = %s AND table_name = %s "
            "AND legacy_rowid = ANY(%s)",
            [self.source_path, self.plan.table, rowids],
        )

    def _save_rejects(
        self,
        raws: Sequence[tuple[Any, ...]],
        results: list[RowResult],
        rejects: list[tuple[int, str, str]],
    ) -> None:
        if not rejects:
            return
        by_rowid = {raw[0]: (raw, row) for raw, row in zip(raws, results, strict=True)}
        created = now()
        params = []
        for rowid, reason, column in rejects:
            raw, row = by_rowid[rowid]
            key = None if row.key is None else str(row.key)
            self.reasons[reason.split(":")[0]] += 1
            if len(self.report.samples) < SAMPLE_LIMIT * 2:
                self.report.samples.append(
                    reject_message(self.plan.table, key, column, reason)
                )
            params.append(
                [
                    self.run_id,
                    self.source_path,
                    self.plan.table,
                    rowid,
                    key,
                    reason,
                    column,
                    Jsonb(legacy_row_json(self.plan, raw)),
                    created,
                ]
            )
        with self.pg.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO legacy_rejects (run_id, source_path, table_name, "
                'legacy_rowid, legacy_key, reason, "column", "row", created_at) '
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                params,
            )


def _idents(names: Sequence[str]) -> sql.Composed:
    return sql.SQL(", ").join(map(sql.Identifier, names))


def _equal(left: str, right: str, columns: Sequence[str]) -> sql.Composed:
    return sql.SQL(" AND ").join(
        sql.SQL("{l}.{c} = {r}.{c}").format(
            l=sql.Identifier(left), r=sql.Identifier(right), c=sql.Identifier(column)
        )
        for column in columns
    )


STREAMS: Final = 2


# A range smaller than this many batches is not worth a stream of its own.
MIN_BATCHES_PER_STREAM: Final = 4


def register_parts(
    source: LegacySource,
    pg: psycopg.Connection[Any],
    plan: TablePlan,
    source_path: str,
    streams: int,
    batch_rows: int,
    *,
    defer_indexes: bool = False,
) -> list[Part]:
    """The table's rowid ranges: those of an earlier run, or new ones, committed.

    With ``defer_indexes`` a first run into an empty table also drops its
    secondary indexes, in the same transaction that records how to build them.
    """
    query = (
        "SELECT part, start_rowid, end_rowid FROM legacy_checkpoints "
        "WHERE source_path = %s AND table_name = %s ORDER BY part"
    )
    rows = pg.execute(query, [source_path, plan.table]).fetchall()
    if not rows:
        wanted = min(streams, plan.source_rows // (batch_rows * MIN_BATCHES_PER_STREAM))
        cuts = source.split_rowids(plan.table, max(wanted, 1))
        bounds = list(zip([0, *cuts], [*cuts, None], strict=True))
        with pg.transaction():
            for number, (start, end) in enumerate(bounds):
                pg.execute(
                    "INSERT INTO legacy_checkpoints (source_path, table_name, part, "
                    "start_rowid, end_rowid, last_rowid, source_rows, migrated, "
                    "rejected, repaired, seconds, conversions, completed, "
                    "deferred_indexes, updated_at) VALUES (%s, %s, %s, %s, %s, %s, "
                    "0, 0, 0, 0, 0, '{}', false, '[]', %s)",
                    [source_path, plan.table, number, start, end, start, now()],
                )
            if defer_indexes:
                drop_secondary_indexes(pg, plan.table, source_path)
        rows = pg.execute(query, [source_path, plan.table]).fetchall()
    return [Part(int(number), int(start), end) for number, start, end in rows]


# Why SQL here: index definitions come from the catalog and are replayed as is.
SECONDARY_INDEXES: Final = (
    "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
    "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
    "ORDER BY i.relname"
)


def drop_secondary_indexes(
    pg: psycopg.Connection[Any], table: str, source: str
) -> None:
    """Drop the indexes no constraint needs, for a bulk load into an empty table.

    Building an index once over all rows is much cheaper than keeping it up to
    date row by row (above all the GIN search index). The statements are saved
    in the checkpoint first, in the caller's transaction, so a run killed before
    the rebuild leaves the next run what it needs to build them again.
    """
    query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))
    filled = pg.execute(query).fetchone()
    if filled is None or filled[0]:
        return  # rows already there: other users may rely on the indexes
    indexes = pg.execute(SECONDARY_INDEXES, [table]).fetchall()
    pg.execute(
        "UPDATE legacy_checkpoints SET deferred_indexes = %s "
        "WHERE source_path = %s AND table_name = %s AND part = 0",
        [Jsonb([list(index) for index in indexes]), source, table],
    )
    for name, _definition in indexes:
        pg.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))


def rebuild_deferred_indexes(
    pg: psycopg.Connection[Any], table: str, source: str
) -> None:
    """Build again, exactly as they were, the indexes a bulk load dropped."""
    row = pg.execute(
        "SELECT deferred_indexes FROM legacy_checkpoints "
        "WHERE source_path = %s AND table_name = %s AND part = 0",
        [source, table],
    ).fetchone()
    if not row or not row[0]:
        return
    # Server memory for the sorts, not this process's.
    pg.execute("SET maintenance_work_mem = '256MB'")
    for name, definition in row[0]:
        found = pg.execute("SELECT to_regclass(%s) IS NOT NULL", [name]).fetchone()
        if not (found and found[0]):
            pg.execute(definition)
    pg.execute(
        "UPDATE legacy_checkpoints SET deferred_indexes = '[]' "
        "WHERE source_path = %s AND table_name = %s AND part = 0",
        [source, table],
    )
    pg.execute("RESET maintenance_work_mem")


class StreamProgress:
    """Adds up the progress of a table's streams for one display."""

    def __init__(self, table: str, total: int, show: Callable[[Progress], None]):
        self.table, self.total, self.show = table, total, show
        self.done: dict[str, int] = {}
        self.started = time.perf_counter()
        self.lock = threading.Lock()

    def __call__(self, progress: Progress, part: int = 0) -> None:
        with self.lock:
            self.done[str(part)] = progress.done
            self.show(
                Progress(
                    self.table,
                    sum(self.done.values()),
                    self.total,
                    time.perf_counter() - self.started,
                )
            )


def copy_table(
    source: LegacySource,
    connect: Connect,
    pg: psycopg.Connection[Any],
    plan: TablePlan,
    *,
    source_path: str,
    run_id: int,
    streams: int = STREAMS,
    batch_rows: int = BATCH_ROWS,
    batch_bytes: int = BATCH_BYTES,
    upsert: bool = False,
    progress: Callable[[Progress], None] | None = None,
    throttle: float = 0.0,
) -> TableReport:
    """Copy one table, its rowid ranges in parallel streams; the merged report."""
    parts = register_parts(
        source, pg, plan, source_path, streams, batch_rows, defer_indexes=not upsert
    )
    shared = (
        StreamProgress(plan.table, plan.source_rows, progress) if progress else None
    )
    started = time.perf_counter()

    def loader(
        reader: LegacySource, conn: psycopg.Connection[Any], part: Part
    ) -> TableLoader:
        show = (lambda p: shared(p, part.number)) if shared else None
        return TableLoader(
            reader, conn, plan, source_path=source_path, run_id=run_id, part=part,
            batch_rows=batch_rows, batch_bytes=batch_bytes, progress=show,
            throttle=throttle,
        )  # fmt: skip

    def run_part(part: Part, stop: threading.Event) -> TableReport:
        if len(parts) == 1:
            return loader(source, pg, part).run(upsert=upsert, stop=stop)
        # Each stream reads and writes on connections of its own.
        with source.reopen() as own, connect() as conn:
            return loader(own, conn, part).run(upsert=upsert, stop=stop)

    reports = run_streams(parts, run_part)
    rebuild_deferred_indexes(pg, plan.table, source_path)
    merged = merge_reports(plan, reports)
    merged.seconds = max(
        time.perf_counter() - started, max(r.seconds for r in reports) if reports else 0
    )
    return merged


def run_streams(
    parts: list[Part], work: Callable[[Part, threading.Event], TableReport]
) -> list[TableReport]:
    """Run ``work`` for every part at once; the first failure stops the others."""
    stop = threading.Event()
    return run_parallel(parts, lambda part: work(part, stop), stop)


T = TypeVar("T")


R = TypeVar("R")


def run_parallel(
    items: Sequence[T], work: Callable[[T], R], stop: threading.Event | None = None
) -> list[R]:
    """``work`` for every item, each in a thread; results in order, errors raised."""
    if len(items) == 1:
        return [work(items[0])]
    results: dict[int, R] = {}
    errors: list[BaseException] = []

    def guarded(index: int, item: T) -> None:
        try:
            results[index] = work(item)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)
            if stop is not None:
                stop.set()

    threads = [
        threading.Thread(target=guarded, args=(index, item))
        for index, item in enumerate(items)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return [results[index] for index in range(len(items))]


def merge_reports(plan: TablePlan, reports: list[TableReport]) -> TableReport:
    merged = TableReport(plan.table, unmapped=plan.unmapped, missing=plan.missing)
    conversions: Counter[tuple[str, str]] = Counter()
    reasons: Counter[str] = Counter()
    for report in reports:
        merged.source += report.source
        merged.migrated += report.migrated
        merged.rejected += report.rejected
        merged.repaired += report.repaired
        merged.samples += report.samples[: SAMPLE_LIMIT * 2 - len(merged.samples)]
        reasons.update(report.reject_reasons)
        for column, issues in report.conversions.items():
            for issue, count in issues.items():
                conversions[(column, issue)] += count
    merged.reject_reasons = dict(reasons)
    for (column, issue), count in sorted(conversions.items()):
        merged.conversions.setdefault(column, {})[issue] = count
    return merged
