"""Turn a legacy configuration row into the values of its Django model.

The configuration side's counterpart of :mod:`legacy.plan` and :mod:`legacy.rows`:
legacy columns are matched by name to the model's fields (``db_column`` aware),
each value is converted by the field's type with :mod:`legacy.convert`, legacy
columns with no field go to ``legacy_extra["unmapped"]`` and the original text of
values that did not convert to ``legacy_extra["unparsed"]``. Pure: shared by the
import, its dry run and the validation, so the three cannot disagree about what
a legacy value becomes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final

from django.db import models

from legacy.convert import (
    INVALID_JSON,
    Converted,
    SQLiteValue,
    decode_text,
    split_issue,
    to_bool,
    to_date,
    to_float,
    to_int,
    to_json,
    to_timestamp,
)
from legacy.rows import KEEP_ORIGINAL, NULL_KEY, REQUIRED_MISSING, original_text
from legacy.source import SourceError, quote_identifier

Converter = Callable[[SQLiteValue], Converted[Any]]

EXTRA_FIELD: Final = "legacy_extra"
# A NULL, or a value that did not convert, in a field that cannot be NULL here
# but has a default: the default is stored and the original kept.
DEFAULT_USED: Final = "default used"


@dataclass(frozen=True)
class ConfigTable:
    """A legacy configuration table and the model that is its home here."""

    name: str
    model: type[models.Model]
    # The legacy columns that name a row; by default the model's primary key.
    # Models with a surrogate id (and those whose legacy id is not kept) name
    # their unique legacy key instead.
    key: tuple[str, ...] = ()
    # Legacy column -> field name, where the names differ.
    renamed: Mapping[str, str] = field(default_factory=dict)
    # False for a table no legacy release created (listed only when present).
    expected: bool = True

    @property
    def key_columns(self) -> tuple[str, ...]:
        return self.key or (self.model._meta.pk.column,)  # type: ignore[return-value]

    @property
    def target(self) -> str:
        """The model, and its table where the name is not the legacy one."""
        meta = self.model._meta
        renamed = f" ({meta.db_table})" if meta.db_table != self.name else ""
        return f"{meta.label}{renamed}"

    @property
    def keeps_extra(self) -> bool:
        return any(f.name == EXTRA_FIELD for f in self.model._meta.concrete_fields)


def converter_for(model_field: models.Field[Any, Any]) -> Converter:
    """The converter of :mod:`legacy.convert` for a field's type."""
    if isinstance(model_field, models.ForeignKey):
        return converter_for(model_field.target_field)
    # Order matters: DateTimeField is a DateField, every integer an IntegerField.
    for kind, convert in _CONVERTERS:
        if isinstance(model_field, kind):
            return convert
    raise TypeError(
        f"{model_field.model._meta.label}.{model_field.name}: no legacy converter "
        f"for {type(model_field).__name__}"
    )


_CONVERTERS: Final[tuple[tuple[type[models.Field[Any, Any]], Converter], ...]] = (
    (models.JSONField, to_json),
    (models.DateTimeField, to_timestamp),
    (models.DateField, to_date),
    (models.BooleanField, to_bool),
    (models.FloatField, to_float),
    (models.IntegerField, to_int),
    (models.CharField, decode_text),
    (models.TextField, decode_text),
)


@dataclass(frozen=True)
class ColumnMap:
    legacy: str
    index: int  # position in the legacy row (after rowid)
    field: models.Field[Any, Any]
    convert: Converter
    is_key: bool

    @property
    def attname(self) -> str:
        return self.field.attname


@dataclass(frozen=True)
class ConfigPlan:
    """How one legacy table's columns land in its model, for this file."""

    table: ConfigTable
    legacy_columns: tuple[str, ...]
    columns: tuple[ColumnMap, ...]
    unmapped: tuple[str, ...]  # kept in legacy_extra["unmapped"]
    missing: tuple[str, ...]  # fields this file has no column for: their default

    @cached_property
    def key_columns(self) -> tuple[ColumnMap, ...]:
        by_name = {column.legacy: column for column in self.columns}
        return tuple(by_name[name] for name in self.table.key_columns)

    def lookup(self, key: tuple[Any, ...]) -> dict[str, Any]:
        """The model lookup that finds the row of this legacy key."""
        return {
            column.attname: value
            for column, value in zip(self.key_columns, key, strict=True)
        }


def plan_config_table(table: ConfigTable, legacy_columns: Sequence[str]) -> ConfigPlan:
    """Match the legacy columns to the model's fields; SourceError without a key."""
    fields = _fields_by_column(table)
    missing_keys = [name for name in table.key_columns if name not in legacy_columns]
    if missing_keys:
        raise SourceError(_missing_key_message(table.name, missing_keys[0]))
    columns, unmapped = [], []
    for index, name in enumerate(legacy_columns):
        target = fields.get(table.renamed.get(name, name))
        if target is None:
            unmapped.append(name)
            continue
        is_key = name in table.key_columns
        columns.append(ColumnMap(name, index, target, converter_for(target), is_key))
    filled = {column.field.name for column in columns}
    missing = tuple(
        f.name for f in fields.values() if f.name not in filled and not f.is_relation
    )
    return ConfigPlan(
        table, tuple(legacy_columns), tuple(columns), tuple(unmapped), missing
    )


def _fields_by_column(table: ConfigTable) -> dict[str, models.Field[Any, Any]]:
    """The fields a legacy column may fill, by column name (or renamed field)."""
    meta = table.model._meta
    renamed_fields = set(table.renamed.values())
    fields: dict[str, models.Field[Any, Any]] = {}
    for model_field in meta.concrete_fields:
        if model_field.name == EXTRA_FIELD or model_field.column is None:
            continue
        # A surrogate id is this database's own; the legacy id stays in extra.
        if model_field.primary_key and model_field.column not in table.key_columns:
            continue
        if model_field.name in renamed_fields:
            fields[model_field.name] = model_field
        elif model_field.column not in table.renamed:
            fields[model_field.column] = model_field
    return fields


def _missing_key_message(table: str, key: str) -> str:
    return (
        f"The legacy table {table} has no {key} column, the key its rows are "
        "imported and checked by. If the column was renamed, rename it back in a "
        'copy: `sqlite3 fnaapp.db ".backup copy.db"`, then `sqlite3 copy.db '
        f"'ALTER TABLE {quote_identifier(table)} RENAME COLUMN <its name> TO "
        f"{key}'`, and pass copy.db with --source."
    )


# --- one row --------------------------------------------------------------------


@dataclass(slots=True)
class Issue:
    column: str
    issue: str
    original: Any


@dataclass
class ConfigRow:
    """One legacy row as its model will hold it, or the reason it cannot."""

    rowid: int
    key: tuple[Any, ...] | None  # None when a key column is NULL
    values: dict[str, Any]  # by field attname
    extra: dict[str, Any] | None
    issues: list[Issue]
    reject: str | None = None
    reject_column: str | None = None

    @property
    def shown_key(self) -> str:
        return show_key(self.key, self.rowid)


def show_key(key: tuple[Any, ...] | None, rowid: int) -> str:
    """A legacy key as a report shows it: the value, a tuple, or the rowid."""
    if key is None:
        return f"rowid {rowid}"
    return str(key[0]) if len(key) == 1 else str(key)


@dataclass(frozen=True, slots=True)
class Cell:
    value: Any
    issue: str | None
    keep_original: bool


def convert_cell(
    model_field: models.Field[Any, Any],
    convert: Converter,
    original: SQLiteValue,
    *,
    is_key: bool = False,
) -> Cell:
    """One legacy value for ``model_field``: value, issue, whether to keep it."""
    value, issue = convert(original)
    parts = split_issue(issue)
    keep = not KEEP_ORIGINAL.isdisjoint(parts)
    if INVALID_JSON in parts:
        # to_json keeps invalid JSON as a JSON string; a configuration field
        # expects a list or an object, so it holds NULL and extra the text.
        value, keep = None, True
    defaulted = not (model_field.null or is_key) and model_field.has_default()
    if value is None and defaulted:
        value = model_field.get_default()
        issue = f"{issue}; {DEFAULT_USED}" if issue else DEFAULT_USED
        keep = original is not None
    return Cell(value, issue, keep)


def convert_config_row(plan: ConfigPlan, raw: Sequence[Any]) -> ConfigRow:
    """``raw`` is (rowid, *legacy columns) as LegacySource.iter_rows reads it."""
    values: dict[str, Any] = {}
    issues: list[Issue] = []
    unparsed: dict[str, Any] = {}
    row = ConfigRow(int(raw[0]), None, values, None, issues)
    for column in plan.columns:
        original = raw[column.index + 1]
        cell = convert_cell(
            column.field, column.convert, original, is_key=column.is_key
        )
        values[column.attname] = cell.value
        if cell.issue is not None:
            issues.append(Issue(column.legacy, cell.issue, original))
        if cell.keep_original:
            unparsed[column.legacy] = original_text(original)
        if cell.value is None and not column.field.null and row.reject is None:
            row.reject, row.reject_column = REQUIRED_MISSING, column.legacy
    key = tuple(values[column.attname] for column in plan.key_columns)
    if None in key:
        row.reject = NULL_KEY
        row.reject_column = plan.key_columns[key.index(None)].legacy
    else:
        row.key = key
    unmapped = {
        name: original_text(raw[_index(plan, name) + 1]) for name in plan.unmapped
    }
    row.extra = extra_json(unmapped, unparsed)
    return row


def _index(plan: ConfigPlan, name: str) -> int:
    return plan.legacy_columns.index(name)


def extra_json(
    unmapped: Mapping[str, Any], unparsed: Mapping[str, Any]
) -> dict[str, Any] | None:
    """``legacy_extra`` for a row: None when nothing needs keeping."""
    extra: dict[str, Any] = {}
    if unmapped:
        extra["unmapped"] = dict(unmapped)
    if unparsed:
        extra["unparsed"] = dict(unparsed)
    return extra or None
