"""Latency percentiles and error tallies shared by every benchmark."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (no interpolation: every figure was measured)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def latency_summary(seconds: Iterable[float]) -> dict[str, Any]:
    """Count, mean and p50/p95/p99/max in milliseconds."""
    values = sorted(seconds)
    if not values:
        return {
            "count": 0,
            "mean_ms": None,
            "p50_ms": None,
            "p95_ms": None,
            "p99_ms": None,
            "max_ms": None,
        }
    return {
        "count": len(values),
        "mean_ms": _ms(sum(values) / len(values)),
        "p50_ms": _ms(percentile(values, 0.50)),
        "p95_ms": _ms(percentile(values, 0.95)),
        "p99_ms": _ms(percentile(values, 0.99)),
        "max_ms": _ms(values[-1]),
    }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 2)


def classify_error(exc: BaseException) -> str:
    """A short, stable label: SQLite's lock errors are counted on their own."""
    text = str(exc).lower()
    if "database is locked" in text:
        return "database is locked"
    if "deadlock" in text:
        return "deadlock detected"
    first_line = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first_line}"


def tally(labels: Iterable[str]) -> dict[str, int]:
    return dict(Counter(labels).most_common())


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)
