"""What a generated file holds: the facts tests assert a migration against."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from legacy.convert import (
    EMPTY_TO_NULL,
    INVALID_BOOLEAN,
    INVALID_INTEGER,
    INVALID_JSON,
    NON_NUMBER,
    NUL_REMOVED,
    UNPARSEABLE_DATE,
)
from legacy.convert import INVALID_UTF8_REPAIRED as INVALID_UTF8
from legacy.rows import (
    DUPLICATE_KEY,
    DUPLICATE_UNIQUE,
    NULL_KEY,
    ORPHAN,
    REQUIRED_MISSING,
)

# A value as Python's sqlite3 writes it. bytes are TEXT that is not UTF-8,
# except in the columns of unknown tables, which hold BLOBs (Planted.storage).
Value = str | int | float | bytes | None
Row = dict[str, Value]
# A row's legacy key: one value, or a tuple for a key of several columns.
Key = Value | tuple[Value, ...]

# The migration's own vocabulary: what it must report for each planted value.
REJECT_REASONS: Final = (
    NULL_KEY,
    DUPLICATE_KEY,
    DUPLICATE_UNIQUE,
    ORPHAN,
    REQUIRED_MISSING,
)
CONVERSIONS: Final = (
    EMPTY_TO_NULL,
    UNPARSEABLE_DATE,
    INVALID_BOOLEAN,
    NON_NUMBER,
    INVALID_INTEGER,
    NUL_REMOVED,
    INVALID_UTF8,
    INVALID_JSON,
)


@dataclass(frozen=True)
class Reject:
    """A planted row the migration must refuse, by its legacy key, and the
    column whose value refuses it."""

    key: Key
    reason: str
    column: str | None = None


@dataclass(frozen=True)
class Planted:
    """One dirty value written on purpose, and what the migration should make of it.

    ``storage`` is SQLite's storage class of the stored value (``typeof``):
    "text", "integer", "real", "blob" or "null".
    """

    table: str
    key: Key
    column: str
    kind: str
    stored: Value
    conversion: str | None
    expected: object
    storage: str


@dataclass(frozen=True)
class GeneratedFacts:
    """What a generated file holds, for tests to assert migration results against.

    ``rows`` counts every table of the file; ``rejects`` and ``conversions`` hold
    only what was planted on purpose (empty for a clean file), in the vocabulary
    of the package docstring. ``keys`` are each table's key columns, so a planted
    value can be found by its ``key``; ``analytics_tables``, ``config_tables``
    and ``extra_tables`` (unknown to the registry) split the file's tables by
    where they go, in file order.
    """

    path: Path
    schema: str
    dirty: bool
    seed: int
    column_order: str
    rows: dict[str, int]
    columns: dict[str, tuple[str, ...]]
    keys: dict[str, tuple[str, ...]]
    extra_article_columns: tuple[str, ...]
    rejects: dict[str, list[Reject]]
    conversions: dict[str, dict[str, int]]
    planted: list[Planted]
    sequences: dict[str, int]
    passwords: dict[str, str]
    deleted_keyword_ids: tuple[int, ...]
    analytics_tables: tuple[str, ...]
    config_tables: tuple[str, ...]
    extra_tables: tuple[str, ...]
    file_bytes: int
    seconds: float

    def expected_rows(self, table: str) -> int:
        """Rows a correct migration lands in ``table``."""
        return self.rows.get(table, 0) - len(self.rejects.get(table, ()))

    def planted_in(self, table: str) -> list[Planted]:
        return [planted for planted in self.planted if planted.table == table]

    def summary(self) -> str:
        kind = "dirty" if self.dirty else "clean"
        lines = [
            f"{self.path}: schema {self.schema}, {kind}, seed {self.seed}, "
            f"{self.column_order} column order",
            f"{self.file_bytes / 1e6:,.1f} MB in {self.seconds:.1f} s",
            "rows:",
            *(f"  {table:<26}{count:>12,}" for table, count in self.rows.items()),
        ]
        if self.rejects:
            lines.append("planted rejects:")
            lines += [
                f"  {table}: {reject.reason}, key {reject.key!r}"
                for table, rejects in self.rejects.items()
                for reject in rejects
            ]
        if self.conversions:
            lines.append("planted conversions:")
            lines += [
                f"  {table}: " + ", ".join(f"{name} {n}" for name, n in counts.items())
                for table, counts in self.conversions.items()
            ]
        lines += self._logins()
        return "\n".join(lines) + "\n"

    def _logins(self) -> list[str]:
        """The legacy logins as they work after ``import_legacy_config``.

        ``make run`` creates an ``admin`` account first, and the import never
        takes over a name the app already uses: the legacy ``admin`` is
        rejected there, and its password would not work.
        """
        pairs = {u: w for u, w in self.passwords.items() if u != "admin"}
        logins = ", ".join(f"{user} / {word}" for user, word in pairs.items())
        lines = [f"logins after import_legacy_config: {logins}"]
        if "admin" in self.passwords:
            lines.append(
                f"  admin / {self.passwords['admin']} only if the app has no "
                "'admin' account yet; after `make run` (which made one) sign in as "
                "admin with the password it printed"
            )
        return lines
