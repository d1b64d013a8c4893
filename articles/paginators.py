"""A paginator that never counts a whole large table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Up to this many rows are counted exactly (a bounded COUNT over a LIMIT
# subquery); beyond it the planner's estimate is shown instead.
EXACT_COUNT_LIMIT = 10_000


class BoundedCountPaginator(Paginator):  # type: ignore[type-arg]
    """Counts exactly up to ``EXACT_COUNT_LIMIT`` rows, then estimates."""

    @cached_property
    def count(self) -> int:
        queryset: QuerySet[Any] = self.object_list  # type: ignore[assignment]
        exact = queryset[: EXACT_COUNT_LIMIT + 1].count()
        if exact <= EXACT_COUNT_LIMIT:
            return exact
        return max(planner_estimate(queryset), exact)


@dataclass(frozen=True)
class BoundedCount:
    """How many rows match: exact up to a bound, the planner's estimate beyond."""

    count: int
    exact: bool


def bounded_count(queryset: QuerySet[Any], limit: int | None = None) -> BoundedCount:
    """Counts at most ``limit + 1`` rows; past ``limit``, "about" the estimate."""
    limit = EXACT_COUNT_LIMIT if limit is None else limit
    counted = queryset.order_by()[: limit + 1].count()
    if counted <= limit:
        return BoundedCount(counted, exact=True)
    return BoundedCount(max(planner_estimate(queryset.order_by()), counted), False)


def planner_estimate(queryset: QuerySet[Any]) -> int:
    """The planner's row estimate for the query, from EXPLAIN (no execution)."""
    connection = connections[queryset.db]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
