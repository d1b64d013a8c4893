"""Catch-up: bring the legacy file's new, changed and deleted rows over.

Runs while both apps are in use; :mod:`legacy.sync` decides what each
key needs, :mod:`legacy.fingerprints` which keys need looking at.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg

from legacy import fingerprints, sync
from legacy.connect import Connect
from legacy.load import BATCH_ROWS, TableLoader, register_parts
from legacy.plan import TablePlan
from legacy.rejects import prune_rejects, rejected_rowids
from legacy.reports import Progress, TableReport
from legacy.runs import now
from legacy.source import LegacySource
from legacy.verify import (
    DigestWorkers,
    SourceDigests,
    add_digests,
    both_digests,
    renderers,
    target_digests_of,
)


def catch_up_table(
    source: LegacySource,
    connect: Connect,
    pg: psycopg.Connection[Any],
    plan: TablePlan,
    *,
    source_path: str,
    run_id: int,
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[Progress], None] | None = None,
    prefer: str | None = None,
    workers: DigestWorkers | None = None,
    full: bool = False,
    throttle: float = 0.0,
    **options: Any,
) -> TableReport:
    """Bring the legacy file's new and changed rows without undoing the app's.

    See :mod:`legacy.sync` for how each key is classed. Rows the
    legacy file deleted are only reported here; :func:`migrate` removes them
    when asked, children first. ``full`` compares every row of both sides, as
    the first catch-up does, whatever the fingerprints say (the way to repair
    what validation found and fingerprints missed).
    """
    started = time.perf_counter()
    register_parts(source, pg, plan, source_path, 1, batch_rows)
    prune_rejects(source, pg, plan.table, source_path)
    journal = sync.read_journal(pg, plan)
    workers = workers or DigestWorkers(processes=1)
    found = fingerprints.read_all(source, plan, workers)
    stored = fingerprints.load(pg, source_path, plan.table)
    if stored.rowids and not full:
        changes = fingerprints.compare(stored, found)
        ours, theirs = _changed_digests(
            source, pg, plan, source_path, changes, journal, found
        )
    else:
        ours, theirs = _all_digests(source, connect, pg, plan, source_path, workers)
    diff = sync.classify(plan, ours, theirs, journal)
    _forget_represented_rejects(pg, plan, source_path, ours, theirs)
    del ours, theirs
    pending = {str(key) for key in diff.legacy_deleted}
    found = fingerprints.keep_vanished(found, stored, pending)
    del stored
    loader = TableLoader(
        source, pg, plan, source_path=source_path, run_id=run_id, batch_rows=batch_rows
    )
    loader.expected_present = diff.present
    for raws in _read_rowids(source, plan, diff.write, batch_rows):
        began = time.perf_counter()
        loader._batch_with_retry(
            raws, upsert=True, last_rowid=0, started=began, retry=True
        )
        if throttle:  # as the bulk copy rests, for a catch-up beside a live app
            time.sleep(throttle * (time.perf_counter() - began))
    report = loader.report
    report.reject_reasons = dict(loader.reasons)
    # Rows refused again (an orphan still without its article) were not written.
    report.updated = len(diff.write) - sum(loader.reasons.values())
    report.app_kept = len(diff.app_kept)
    report.legacy_deleted = diff.legacy_deleted
    _conflicts(source, pg, plan, diff, journal, report, source_path, run_id, prefer)
    _advance_checkpoint(source, pg, plan, source_path)
    settle_counts(source, pg, plan, source_path, report)
    # Only now: had anything above failed, the next run compares these rows again.
    fingerprints.save(pg, source_path, plan.table, found)
    report.seconds = time.perf_counter() - started
    if progress:
        progress(Progress(plan.table, report.source, report.source, report.seconds))
    return report


def _all_digests(
    source: LegacySource,
    connect: Connect,
    pg: psycopg.Connection[Any],
    plan: TablePlan,
    source_path: str,
    workers: DigestWorkers,
) -> tuple[SourceDigests, dict[Any, bytes]]:
    """Every row of both sides: the first catch-up after a bulk copy.

    Rejected rows are looked at too: one corrected in the file since, or whose
    article or unique values are free now, lands.
    """
    return both_digests(source, connect, plan, set(), workers)


def _changed_digests(
    source: LegacySource,
    pg: psycopg.Connection[Any],
    plan: TablePlan,
    source_path: str,
    changes: fingerprints.Changes,
    journal: dict[Any, sync.AppChange],
    found: fingerprints.Fingerprints,
) -> tuple[SourceDigests, dict[Any, bytes]]:
    """Both sides of the rows worth a look: changed or new in the file, vanished
    from it, touched by the app, or refused earlier for want of their article."""
    # Every rejected row too: it may have been corrected, or what refused it
    # (a missing article, values another row held) may have gone.
    rejected = rejected_rowids(pg, source_path, plan.table)
    keys = set(journal)
    keys.update(sync.key_from_text(plan, key) for key in changes.vanished if key)
    looked_at = set(changes.changed) | rejected
    # Every row holding one of these keys, so the first row of a key still wins
    # as in a full run (a rejected duplicate must not pass its original).
    texts = {str(key) for key in keys} | fingerprints.keys_of(found, looked_at)
    rowids = sorted(looked_at | set(fingerprints.rowids_of(found, texts)))
    raws = [raw for chunk in _read_rowids(source, plan, rowids, 2500) for raw in chunk]
    ours = SourceDigests()
    add_digests(ours, plan, renderers(plan), raws, set())
    theirs = target_digests_of(pg, plan, list(keys | ours.digests.keys()))
    return ours, theirs


def _forget_represented_rejects(
    pg: psycopg.Connection[Any],
    plan: TablePlan,
    source_path: str,
    ours: SourceDigests,
    theirs: dict[Any, bytes],
) -> None:
    """A rejected row that PostgreSQL now holds exactly (its duplicate's winner
    was deleted, say) is migrated: its reject record goes."""
    rejected = rejected_rowids(pg, source_path, plan.table)
    held = [
        rowid
        for key, (rowid, digest) in ours.digests.items()
        if rowid in rejected and theirs.get(key) == digest
    ]
    if held:
        with pg.transaction():
            pg.execute(
                "DELETE FROM legacy_rejects WHERE source_path = %s AND table_name = %s "
                "AND legacy_rowid = ANY(%s)",
                [source_path, plan.table, held],
            )


def _read_rowids(
    source: LegacySource, plan: TablePlan, rowids: list[int], batch_rows: int
) -> Iterator[list[tuple[Any, ...]]]:
    for start in range(0, len(rowids), batch_rows):
        chunk = rowids[start : start + batch_rows]
        yield source.read_rowids(plan.table, plan.legacy_columns, chunk)


def _conflicts(
    source: LegacySource,
    pg: psycopg.Connection[Any],
    plan: TablePlan,
    diff: sync.Diff,
    journal: dict[Any, sync.AppChange],
    report: TableReport,
    source_path: str,
    run_id: int,
    prefer: str | None,
) -> None:
    """Record both versions of each conflict, and apply the operator's choice.

    ``prefer`` applies only to conflicts an earlier run already reported: one
    found now is recorded and shown first, never resolved unseen.
    """
    writer = sync.ConflictWriter(
        pg, plan, source_path=source_path, run_id=run_id, journal=journal
    )
    seen = sync.open_conflicts(pg, plan, source_path)
    chosen = [c for c in diff.conflicts if prefer and c.key in seen]
    if diff.conflicts:
        rowids = sorted(c.rowid for c in diff.conflicts if c.rowid is not None)
        raws = [row for rows in _read_rowids(source, plan, rowids, 500) for row in rows]
        found = writer.record(diff.conflicts, raws)
        if prefer == sync.PREFER_LEGACY:
            chosen = writer.prefer_legacy(chosen)
        elif prefer == sync.PREFER_APP:
            writer.prefer_app(chosen)
        resolved = {conflict.key for conflict in chosen}
        for conflict, columns in found:
            outcome = prefer if conflict.key in resolved else None
            message = conflict_message(plan.table, conflict, columns, outcome)
            report.conflicts.append(message)
            report.open_conflicts += conflict.key not in resolved
    still_open = {c.key for c in diff.conflicts} - {c.key for c in chosen}
    writer.settle(diff.settled, still_open)


def conflict_message(
    table: str, conflict: sync.Conflict, columns: list[str], resolved: str | None
) -> str:
    where = f" (columns: {', '.join(columns)})" if columns else ""
    if resolved == sync.PREFER_LEGACY:
        outcome = "resolved: the legacy version is in place"
    elif resolved == sync.PREFER_APP:
        outcome = "resolved: the app's version stays"
    else:
        outcome = (
            "the app's version stays, both versions are in legacy_conflicts; "
            "look, then choose with --prefer legacy or --prefer app"
        )
    return f"{table} {conflict.key!r}: {conflict.kind}{where}; {outcome}"


def _advance_checkpoint(
    source: LegacySource, pg: psycopg.Connection[Any], plan: TablePlan, path: str
) -> None:
    """A plain run after a catch-up finds nothing left to copy."""
    with pg.transaction():
        pg.execute(
            "UPDATE legacy_checkpoints SET last_rowid = greatest(last_rowid, %s), "
            "completed = true, updated_at = %s WHERE source_path = %s "
            "AND table_name = %s AND end_rowid IS NULL",
            [source.max_rowid(plan.table), now(), path, plan.table],
        )


def settle_counts(
    source: LegacySource,
    pg: psycopg.Connection[Any],
    plan: TablePlan,
    source_path: str,
    report: TableReport,
) -> None:
    """After rewrites the figures are the file's as it is now, checkpoints too."""
    row = pg.execute(
        "SELECT count(*) FROM legacy_rejects "
        "WHERE source_path = %s AND table_name = %s",
        [source_path, plan.table],
    ).fetchone()
    assert row is not None
    rejected = int(row[0])
    source_rows = source.count(plan.table)
    delta_rejected = rejected - report.rejected
    delta_migrated = (source_rows - rejected) - report.migrated
    report.source, report.rejected = source_rows, rejected
    report.migrated = source_rows - rejected
    with pg.transaction():
        pg.execute(
            "UPDATE legacy_checkpoints SET rejected = rejected + %s, "
            "migrated = migrated + %s, source_rows = source_rows + %s "
            "WHERE source_path = %s AND table_name = %s AND part = 0",
            [delta_rejected, delta_migrated, delta_rejected + delta_migrated,
             source_path, plan.table],
        )  # fmt: skip
