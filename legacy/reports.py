"""What a run reports: per-table figures, progress, the whole run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

SAMPLE_LIMIT: Final = 5  # example lines kept per table for the report


@dataclass
class Progress:
    table: str
    done: int
    total: int
    seconds: float


@dataclass
class TableReport:
    table: str
    source: int = 0
    migrated: int = 0
    rejected: int = 0
    repaired: int = 0
    seconds: float = 0.0
    conversions: dict[str, dict[str, int]] = field(default_factory=dict)
    reject_reasons: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    unmapped: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    updated: int = 0  # rows a catch-up found new or changed and wrote
    # Catch-up with the app in use (see legacy.sync).
    app_kept: int = 0  # rows the app changed and the legacy file did not
    conflicts: list[str] = field(default_factory=list)  # one message each
    open_conflicts: int = 0  # of those, not resolved by this run
    legacy_deleted: list[Any] = field(default_factory=list)  # keys
    removed: int = 0  # of those, removed (--apply-deletes)
    referenced: list[Any] = field(default_factory=list)  # kept: rows point at them
    home: str = ""  # where its rows went, when not the table of the same name

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "migrated": self.migrated,
            "rejected": self.rejected,
            "repaired": self.repaired,
            "seconds": round(self.seconds, 3),
            "conversions": self.conversions,
            "reject_reasons": self.reject_reasons,
            "unmapped": list(self.unmapped),
            "updated": self.updated,
            "app_kept": self.app_kept,
            "conflicts": len(self.conflicts),
            "open_conflicts": self.open_conflicts,
            "legacy_deleted": len(self.legacy_deleted),
            "removed": self.removed,
            **({"home": self.home} if self.home else {}),
        }


@dataclass
class RunReport:
    run_id: int | None
    mode: str
    tables: list[TableReport]
    unmoved: list[str]
    seconds: float = 0.0
    missing: list[str] = field(default_factory=list)  # expected, not in the file

    @property
    def rejected(self) -> int:
        return sum(table.rejected for table in self.tables)

    @property
    def conflicts(self) -> int:
        """Conflicts still open after this run."""
        return sum(table.open_conflicts for table in self.tables)

    def summary(self) -> dict[str, Any]:
        summary = {table.table: table.summary() for table in self.tables}
        for name in self.missing:
            summary[name] = {**TableReport(name).summary(), "missing_in_source": True}
        return summary
