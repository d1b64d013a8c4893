"""A paginator that never counts a whole large table."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Up to this many rows are counted exactly (a bounded COUNT over a LIMIT
# subquery); beyond it the planner's estimate is shown instead.
EXACT_COUNT_LIMIT = 10_000


class BoundedCountPaginator(Paginator):
    """Counts exactly up to ``EXACT_COUNT_LIMIT`` rows, then estimates."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        exact = queryset[: EXACT_COUNT_LIMIT + 1].count()
        if exact <= EXACT_COUNT_LIMIT:
            return exact
        return max(_planner_estimate(queryset), exact)


def _planner_estimate(queryset: object) -> int:
    """The planner's row estimate for the query, from EXPLAIN (no execution)."""
    query = queryset.query  # type: ignore[attr-defined]
    connection = connections[queryset.db]  # type: ignore[attr-defined]
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
