"""One run of the engine over a legacy file: every table, in dependency order."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

import psycopg
from psycopg import sql

from legacy import sync
from legacy.archive import archive_table, unknown_tables
from legacy.catalog import home_tables, load_order
from legacy.catchup import catch_up_table
from legacy.connect import Connect
from legacy.load import (
    BATCH_BYTES,
    BATCH_ROWS,
    STREAMS,
    copy_table,
    run_parallel,
)
from legacy.plan import TablePlan, build_plan
from legacy.reports import Progress, RunReport, TableReport
from legacy.runs import end_run, source_key, start_run
from legacy.scenario_tables import move_scenario_table, scenario_tables
from legacy.source import LegacySource
from legacy.tracking import APP_IDS_ABOVE, set_tracking, tracking_enabled
from legacy.verify import DigestWorkers

LANES: Final = 2


def phases(
    source: LegacySource, plans: Sequence[TablePlan]
) -> list[list[list[TablePlan]]]:
    """Phases in dependency order, each split into lanes of about equal bytes.

    Phases run one after the other, so children find their parents loaded. In
    a phase each lane is a thread loading its tables in turn, heaviest first:
    two lanes keep both cores busy without holding more batches in memory than
    two streams each.
    """
    by_table = {plan.table: plan for plan in plans}
    order = load_order(
        {plan.table: plan.rules.parent.table if plan.rules.parent else None
         for plan in plans}
    )  # fmt: skip
    result = []
    for phase in order:
        weights = sorted(
            ((source.estimated_bytes(table), table) for table in phase), reverse=True
        )
        lanes: list[list[TablePlan]] = [[] for _ in range(LANES)]
        loads = [0] * LANES
        for weight, table in weights:
            lightest = loads.index(min(loads))
            lanes[lightest].append(by_table[table])
            loads[lightest] += weight
        result.append([lane for lane in lanes if lane])
    return result


def set_sequences(pg: psycopg.Connection[Any], plans: Sequence[TablePlan]) -> None:
    """Identity sequences in the app's range, above every id the legacy file uses.

    The legacy app keeps handing out ids during the cut-over; rows made here
    take ids from the next multiple of ``APP_IDS_ABOVE`` above the file's
    high-water mark (10**12 for any real file; higher only for a file that a
    rollback filled with this app's ids), so the two never meet.
    """
    for plan in plans:
        if not plan.rules.identity:
            continue
        floor = APP_IDS_ABOVE * (1 + (plan.sequence or 0) // APP_IDS_ABOVE)
        table = sql.Identifier(plan.table)
        highest = pg.execute(
            sql.SQL("SELECT coalesce(max(id), 0) FROM {}").format(table)
        ).fetchone()
        assert highest is not None
        # Only ever forward: the app may be inserting right now, and a sequence
        # set below an id it already handed out would hand that id out again.
        pg.execute(
            "SELECT setval(s, %s) FROM (SELECT pg_get_serial_sequence(%s, 'id')"
            "::regclass AS s) AS found "
            "WHERE %s > coalesce(pg_sequence_last_value(s), 0)",
            [max(int(highest[0]), floor), plan.table, max(int(highest[0]), floor)],
        )


ANALYZE_AFTER: Final = 10_000  # rows a catch-up must write to re-analyse a table


def migrate(
    source: LegacySource,
    connect: Connect,
    *,
    catch_up: bool = False,
    tables: Sequence[str] = (),
    streams: int = STREAMS,
    batch_rows: int = BATCH_ROWS,
    batch_bytes: int = BATCH_BYTES,
    progress: Callable[[Progress], None] | None = None,
    throttle: float = 0.0,
    prefer: str | None = None,
    apply_deletes: bool = False,
    full: bool = False,
    elsewhere: Sequence[str] = (),
) -> RunReport:
    """Move (or catch up) every analytics table of ``source`` into PostgreSQL.

    ``throttle`` makes every stream rest ``throttle`` times as long as each
    batch took (1.0: half the time), for a load beside a live app. A catch-up
    resolves conflicts only as ``prefer`` says, and removes rows the legacy
    file deleted only with ``apply_deletes``. Tables with no home on either side
    (``elsewhere`` names the config side's) are kept whole in ``legacy_archive``.
    """
    started = time.perf_counter()
    mode = "catch-up" if catch_up else "migrate"
    move = catch_up_table if catch_up else copy_table
    # One pair of worker processes for the whole run: starting them per table
    # costs more than a small table's work.
    workers = DigestWorkers()
    choice: dict[str, Any] = (
        {"prefer": prefer, "workers": workers, "full": full} if catch_up else {}
    )
    with connect() as pg, contextlib.closing(workers):
        plans = build_plan(source, pg, tables)
        run_id = start_run(pg, source.path, mode)
        planned = [plan.table for plan in plans]
        report = RunReport(run_id, mode, [], source.unmoved_tables(planned))
        report.missing = source.missing_tables(tables or home_tables(pg))
        try:
            # Before the first row lands: every app change from now on is known.
            if not tracking_enabled(pg):
                set_tracking(pg, enabled=True)

            def load_table(plan: TablePlan) -> TableReport:
                # A thread of its own: its own file handle and connection.
                with source.reopen() as own, connect() as conn:
                    moved = move(
                        own, connect, conn, plan,
                        source_path=source_key(source.path), run_id=run_id,
                        streams=streams, batch_rows=batch_rows,
                        batch_bytes=batch_bytes, progress=progress,
                        throttle=throttle, **choice,
                    )  # fmt: skip
                    # Fresh statistics now, while other tables are still loading;
                    # a catch-up that wrote little leaves it to autovacuum.
                    if not catch_up or moved.updated > ANALYZE_AFTER:
                        conn.execute(
                            sql.SQL("ANALYZE {}").format(sql.Identifier(plan.table))
                        )
                    return moved

            reports: dict[str, TableReport] = {}
            ordered = phases(source, plans)
            for lanes in ordered:
                for done in run_parallel(
                    lanes, lambda lane: list(map(load_table, lane))
                ):
                    reports.update((table.table, table) for table in done)
            report.tables = [reports[plan.table] for plan in plans]
            if not tables:
                scenarios = scenario_tables(source)
                for table in scenarios:
                    moved = move_scenario_table(
                        source, pg, table, source_path=source_key(source.path),
                        run_id=run_id, prefer=prefer if catch_up else None,
                    )  # fmt: skip
                    report.tables.append(moved)
                known = [*planned, *elsewhere, *scenarios]
                for table in unknown_tables(source, known):
                    archived = archive_table(
                        source, pg, table, source_path=source_key(source.path),
                        run_id=run_id,
                    )  # fmt: skip
                    archived.home = "legacy_archive"
                    report.tables.append(archived)
                report.unmoved = [name for name in report.unmoved if name in elsewhere]
            if catch_up and apply_deletes:
                children_first = [
                    plan
                    for lanes in reversed(ordered)
                    for lane in lanes
                    for plan in lane
                ]
                remove_legacy_deletions(pg, children_first, report.tables)
            set_sequences(pg, plans)
        except BaseException:
            # Recorded when the server is still there; the original error wins.
            with contextlib.suppress(psycopg.Error):
                end_run(pg, run_id, report.summary(), "failed")
            raise
        report.seconds = time.perf_counter() - started
        end_run(pg, run_id, report.summary(), "finished")
    return report


def remove_legacy_deletions(
    pg: psycopg.Connection[Any],
    children_first: Sequence[TablePlan],
    reports: Sequence[TableReport],
) -> None:
    """Remove the rows the legacy file deleted, children before their parents."""
    by_table = {report.table: report for report in reports}
    for plan in children_first:
        report = by_table[plan.table]
        if report.legacy_deleted:
            report.removed, report.referenced = sync.remove_deleted(
                pg, plan, report.legacy_deleted
            )
            report.legacy_deleted = []
