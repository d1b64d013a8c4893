"""The dry run: what a migration would convert and reject, writing nothing."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from legacy.catalog import load_order
from legacy.convert import split_issue
from legacy.plan import TablePlan
from legacy.reports import TableReport
from legacy.rows import (
    DUPLICATE_KEY,
    DUPLICATE_UNIQUE,
    ORPHAN,
    RowResult,
    convert_row,
    is_repair,
)
from legacy.source import LegacySource


def scan(source: LegacySource, plans: Sequence[TablePlan]) -> list[TableReport]:
    """What a migration would convert and reject, found by reading every row.

    Writes nothing anywhere. Keys are held in memory to find duplicates and
    orphans, which is fine for a plan but is why the real run checks in
    PostgreSQL instead.
    """
    # Keys of the tables other tables point at, as the run would have loaded them:
    # parents are read first, as the run loads them first.
    parents = {plan.rules.parent.table for plan in plans if plan.rules.parent}
    loaded: dict[str, set[Any]] = {table: set() for table in parents}
    order = load_order(
        {p.table: p.rules.parent.table if p.rules.parent else None for p in plans}
    )
    rank = {table: n for n, phase in enumerate(order) for table in phase}
    reports: dict[str, TableReport] = {}
    for plan in sorted(plans, key=lambda plan: rank[plan.table]):
        report = TableReport(plan.table, unmapped=plan.unmapped, missing=plan.missing)
        started = time.perf_counter()
        seen: dict[tuple[str, ...], set[Any]] = {}
        conversions: Counter[tuple[str, str]] = Counter()
        reasons: Counter[str] = Counter()
        for raw in source.iter_rows(plan.table, plan.legacy_columns):
            row = convert_row(plan, raw)
            reason = row.reject or _scan_reject(plan, row, seen, loaded)
            report.source += 1
            if reason:
                reasons[reason] += 1
                continue
            if plan.table in loaded:
                loaded[plan.table].add(row.key)
            for issue in row.issues:
                for part in split_issue(issue.issue):
                    conversions[(issue.column, part)] += 1
            report.repaired += any(is_repair(issue.issue) for issue in row.issues)
        report.rejected = sum(reasons.values())
        report.migrated = report.source - report.rejected
        report.reject_reasons = dict(reasons)
        for (name, problem), count in sorted(conversions.items()):
            report.conversions.setdefault(name, {})[problem] = count
        report.seconds = time.perf_counter() - started
        reports[plan.table] = report
    return [reports[plan.table] for plan in plans]


def _scan_reject(
    plan: TablePlan,
    row: RowResult,
    seen: dict[tuple[str, ...], set[Any]],
    loaded: dict[str, set[Any]],
) -> str | None:
    rules = plan.rules
    if rules.parent:
        parent = row.values[plan.target_columns.index(rules.parent.column)]
        if parent not in loaded[rules.parent.table]:
            return ORPHAN
    checks: list[tuple[tuple[str, ...], str]] = [((rules.key,), DUPLICATE_KEY)]
    checks += [(unique, DUPLICATE_UNIQUE) for unique in rules.unique]
    found = None
    values = []
    for columns, reason in checks:
        value = tuple(row.values[plan.target_columns.index(c)] for c in columns)
        if found is None and value in seen.setdefault(columns, set()):
            found = reason
        values.append((columns, value))
    if found is None:
        for columns, value in values:
            seen[columns].add(value)
    return found
