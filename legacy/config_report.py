"""What a configuration import reports: per table, each reject, the whole file.

``ConfigReport.summary()`` has the shape of the analytics run's
``RunReport.summary()`` (one entry per legacy table, ``source``, ``migrated``,
``rejected``…), so a whole-file report can merge the two sides.
"""

from __future__ import annotations

import base64
import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from legacy.config_rows import DEFAULT_USED, ConfigRow, show_key
from legacy.convert import (
    EMPTY_TO_NULL,
    INVALID_BOOLEAN,
    INVALID_INTEGER,
    INVALID_JSON,
    INVALID_UTF8_REPAIRED,
    NON_NUMBER,
    NUL_REMOVED,
    UNPARSEABLE_DATE,
    split_issue,
)
from legacy.rows import (
    CONSTRAINT,
    DUPLICATE_KEY,
    DUPLICATE_UNIQUE,
    NULL_KEY,
    REQUIRED_MISSING,
    is_repair,
)

SAMPLE_LIMIT: Final = 20  # conversion lines kept per table

# Reject reasons of the configuration side, beside those of legacy.rows.
PARENT_MISSING: Final = "parent missing"
USER_EXISTS: Final = "user exists here"
NOT_BCRYPT: Final = "not a bcrypt hash"
INVALID_USERNAME: Final = "invalid username"

RERUN: Final = "and run import_legacy_config again"
FIXES: Final = {
    NULL_KEY: f"give the row its key in the legacy file {RERUN}",
    REQUIRED_MISSING: f"fill the column in the legacy file {RERUN}",
    DUPLICATE_KEY: "the first row with this key was kept; merge the two rows in "
    "the legacy file if both matter",
    DUPLICATE_UNIQUE: "the first row with these values was kept; merge the rows "
    f"in the legacy file (or rename the row made here) {RERUN}",
    CONSTRAINT: f"correct the row in the legacy file {RERUN}",
    PARENT_MISSING: f"restore the parent row in the legacy file {RERUN}, or "
    "accept the loss",
    USER_EXISTS: f"rename one of the two users {RERUN}",
    NOT_BCRYPT: "create the account here by hand (the admin, or `manage.py "
    "createsuperuser`); the legacy password cannot be carried over",
    INVALID_USERNAME: f"rename the user in the legacy file {RERUN}",
}

ADVICE: Final = {
    EMPTY_TO_NULL: "Stored NULL.",
    UNPARSEABLE_DATE: "Stored NULL, the original kept in legacy_extra; correct "
    "the date in the legacy file and re-run, or accept NULL.",
    INVALID_BOOLEAN: "Stored NULL, the original kept in legacy_extra; set 0 or 1 "
    "in the legacy file and re-run.",
    NON_NUMBER: "Stored NULL, the original kept in legacy_extra; put a number in "
    "the legacy file and re-run.",
    INVALID_INTEGER: "Stored NULL, the original kept in legacy_extra; put a whole "
    "number in the legacy file and re-run.",
    NUL_REMOVED: "NUL characters dropped.",
    INVALID_UTF8_REPAIRED: "Bytes that are not UTF-8 were read as Windows-1252; "
    "check the text.",
    INVALID_JSON: "Stored NULL, the original text kept in legacy_extra; fix the "
    "JSON in the legacy file and re-run.",
    DEFAULT_USED: "The column cannot be empty here: its default was stored (a "
    "value that did not convert is kept in legacy_extra).",
}


@dataclass
class Reject:
    """A legacy row that could not land, why, and what to do."""

    table: str
    rowid: int
    key: tuple[Any, ...] | None  # None when the row has no key
    reason: str  # one of the fixed reasons, countable
    detail: str  # what exactly was wrong with this row
    column: str | None
    row: dict[str, Any]  # every legacy column, JSON-safe

    @property
    def fix(self) -> str:
        return FIXES.get(self.reason, FIXES[CONSTRAINT])

    @property
    def legacy_key(self) -> str | None:
        return None if self.key is None else show_key(self.key, self.rowid)

    @property
    def message(self) -> str:
        shown = show_key(self.key, self.rowid)
        where = f" (column {self.column})" if self.column else ""
        return f"{self.table} {shown}: rejected, {self.detail}{where}. Fix: {self.fix}."


@dataclass
class ConfigTableReport:
    """What happened to one legacy configuration table's rows."""

    table: str
    target: str  # the model and table that hold its rows here
    source: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: int = 0
    rejects: list[Reject] = field(default_factory=list)
    conversions: dict[str, dict[str, int]] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unmapped: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def record_issues(self, row: ConfigRow) -> None:
        """Count the row's conversions; keep a line for the first few."""
        repaired = False
        for found in row.issues:
            for part in split_issue(found.issue):
                counts = self.conversions.setdefault(found.column, {})
                counts[part] = counts.get(part, 0) + 1
            repaired = repaired or is_repair(found.issue)
            if len(self.samples) < SAMPLE_LIMIT:
                self.samples.append(
                    issue_line(
                        self.table,
                        row.shown_key,
                        found.column,
                        found.original,
                        found.issue,
                    )
                )
        self.repaired += repaired

    def summary(self) -> dict[str, Any]:
        reasons: dict[str, int] = {}
        for reject in self.rejects:
            reasons[reject.reason] = reasons.get(reject.reason, 0) + 1
        return {
            "database": "default",
            "target": self.target,
            "source": self.source,
            "migrated": self.imported,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "repaired": self.repaired,
            "conversions": self.conversions,
            "reject_reasons": reasons,
            "unmapped": list(self.unmapped),
        }


@dataclass
class ConfigReport:
    """Every configuration table of one legacy file, and the file's other tables."""

    source_path: str
    dry_run: bool = False
    tables: list[ConfigTableReport] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # config tables not in the file
    analytics: list[str] = field(default_factory=list)  # moved by migrate_articles
    unknown: list[str] = field(default_factory=list)  # a home on neither side

    def add(self, table: str, target: str, source: int) -> ConfigTableReport:
        report = ConfigTableReport(table, target, source)
        self.tables.append(report)
        return report

    def table(self, name: str) -> ConfigTableReport:
        return next(report for report in self.tables if report.table == name)

    @property
    def rejected(self) -> int:
        return sum(table.rejected for table in self.tables)

    @property
    def rejects(self) -> list[Reject]:
        return [reject for table in self.tables for reject in table.rejects]

    def summary(self) -> dict[str, Any]:
        summary = {table.table: table.summary() for table in self.tables}
        for name in self.missing:
            summary[name] = {"database": "default", "missing_in_source": True}
        return summary


@dataclass
class TableCheck:
    """One table of a validation: the counts, and every difference found."""

    table: str
    source: int
    imported: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "migrated": self.imported,
            "rejected": self.rejected,
            "problems": len(self.problems),
        }


def issue_line(table: str, key: Any, column: str, original: Any, issue: str) -> str:
    """One report line naming the cell, the value, the problem and what was done."""
    advice = " ".join(ADVICE.get(part, "") for part in split_issue(issue))
    return f"{table} {key}, column {column}: {issue} in {preview(original)}. {advice}"


def preview(value: Any, limit: int = 60) -> str:
    if type(value) is bytes:
        # Undecodable bytes are shown as bytes: the operator needs to see them.
        with contextlib.suppress(UnicodeDecodeError):
            value = value.decode()
    if isinstance(value, str | bytes) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value):,} in all)"
    return repr(value)


def legacy_row_json(columns: Sequence[str], raw: Sequence[Any]) -> dict[str, Any]:
    """The whole legacy row (``raw`` with its rowid first), as JSON can hold it."""
    return {name: _json_safe(raw[index + 1]) for index, name in enumerate(columns)}


def _json_safe(value: Any) -> Any:
    if type(value) is bytes:
        try:
            return value.decode()
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(value).decode()}
    if type(value) is float and not math.isfinite(value):
        return repr(value)
    return value
