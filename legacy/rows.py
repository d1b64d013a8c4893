"""Turn one legacy row into the target row, its repairs and its reject reason.

Shared by the loader, the dry-run scan and the checksums of :mod:`verify`, so
the three can never disagree about what a legacy value becomes.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from typing import Any, Final

from legacy.convert import (
    EMPTY_TO_NULL,
    INVALID_BOOLEAN,
    INVALID_INTEGER,
    NON_NUMBER,
    UNPARSEABLE_DATE,
    decode_text,
    split_issue,
)
from legacy.plan import TablePlan

# Issues whose original value would otherwise be lost: kept in legacy_extra.
KEEP_ORIGINAL: Final = frozenset(
    {UNPARSEABLE_DATE, INVALID_BOOLEAN, NON_NUMBER, INVALID_INTEGER}
)

NULL_KEY: Final = "null key"
REQUIRED_MISSING: Final = "required value missing"
ORPHAN: Final = "article does not exist"
DUPLICATE_KEY: Final = "duplicate key"
DUPLICATE_UNIQUE: Final = "duplicate unique value"
CONSTRAINT: Final = "constraint violation"

REJECT_ADVICE: Final = {
    NULL_KEY: "give the row a key in the legacy file and run --catch-up",
    REQUIRED_MISSING: "fill the column in the legacy file and run --catch-up",
    ORPHAN: "restore the article in the legacy file and run --catch-up, "
    "or accept the loss",
    DUPLICATE_KEY: "the first row with this key was kept; merge the two rows in "
    "the legacy file if both matter",
    DUPLICATE_UNIQUE: "another row already holds these values and was kept (an "
    "earlier legacy row, or one made in the app); the whole legacy row is in "
    "legacy_rejects: merge the two if both matter, and catch-up brings this row "
    "once the values are free",
    CONSTRAINT: "correct the row in the legacy file and run --catch-up",
}


@dataclass(slots=True)
class Issue:
    column: str
    issue: str
    original: Any


@dataclass(slots=True)
class RowResult:
    rowid: int
    values: tuple[Any, ...]  # the target row, legacy_extra last
    issues: list[Issue]
    key: Any
    reject: str | None = None
    reject_column: str | None = None


def original_text(raw: Any) -> Any:
    """A legacy value as JSON can hold it, for legacy_extra."""
    if type(raw) is float and not math.isfinite(raw):
        return repr(raw)
    if type(raw) is bytes or type(raw) is str:
        return decode_text(raw).value
    return raw


def convert_row(plan: TablePlan, raw: tuple[Any, ...]) -> RowResult:
    """``raw`` is (rowid, *legacy columns) as read by LegacySource.read_batch."""
    # The hot path of the whole migration: one C-level transpose, and the slow
    # bookkeeping below only for the rare row that has an issue.
    values, found = zip(
        *[convert(raw[index]) for index, convert in plan.steps], strict=True
    )
    issues: list[Issue] = []
    unparsed: dict[str, Any] = {}
    if found.count(None) != len(found):
        for column, issue in zip(plan.columns, found, strict=True):
            if issue is None:
                continue
            original = raw[column.source_index + 1]
            issues.append(Issue(column.name, issue, original))
            if not KEEP_ORIGINAL.isdisjoint(split_issue(issue)):
                unparsed[column.name] = original_text(original)
    reject: str | None = None
    reject_column: str | None = None
    for position in plan.required:
        if values[position] is None:
            reject, reject_column = REQUIRED_MISSING, plan.columns[position].name
            break
    key = values[plan.key_index]
    if key is None:
        reject, reject_column = NULL_KEY, plan.rules.key
    extra = _extra(plan, raw, unparsed) if plan.unmapped or unparsed else None
    return RowResult(raw[0], (*values, extra), issues, key, reject, reject_column)


def _extra(plan: TablePlan, raw: tuple[Any, ...], unparsed: dict[str, Any]) -> Any:
    if not plan.unmapped and not unparsed:
        return None
    extra: dict[str, Any] = {}
    if plan.unmapped:
        index = {name: i for i, name in enumerate(plan.legacy_columns)}
        extra["unmapped"] = {
            name: original_text(raw[index[name] + 1]) for name in plan.unmapped
        }
    if unparsed:
        extra["unparsed"] = unparsed
    return extra


def is_repair(issue: str) -> bool:
    """Every issue but '' -> NULL changes or drops what the legacy file held."""
    return any(part != EMPTY_TO_NULL for part in split_issue(issue))


def legacy_row_json(plan: TablePlan, raw: tuple[Any, ...]) -> dict[str, Any]:
    """The whole legacy row for legacy_rejects: bytes jsonb cannot hold, base64."""
    return {
        name: _json_safe(raw[index + 1])
        for index, name in enumerate(plan.legacy_columns)
    }


def _json_safe(raw: Any) -> Any:
    if type(raw) is bytes:
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            text = None
        if text is not None and "\x00" not in text:
            return text
        return {"base64": base64.b64encode(raw).decode()}
    if type(raw) is float and not math.isfinite(raw):
        return repr(raw)
    return raw
