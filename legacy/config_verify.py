"""Check a configuration import against its legacy file, row by row.

For every configuration table: source rows = rows here + rows recorded as
rejected, and every row here holds exactly what the import makes of its legacy
row (the same conversion, compared in Python: the tables are small). Run it
right after an import: a row changed here since, or in the legacy file, is a
difference.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from config_app.models import AppSetting, LegacyConfigReject
from legacy.config import (
    USERS,
    Context,
    LegacyRows,
    expected_values,
    plan_tables,
    read_config_side,
    settings_from_config,
)
from legacy.config_report import TableCheck, preview
from legacy.config_rows import (
    EXTRA_FIELD,
    ConfigPlan,
    ConfigRow,
    convert_config_row,
)
from legacy.config_store import recorded_rejects
from legacy.config_users import check_users, legacy_user_ids
from legacy.runs import source_key
from legacy.source import LegacySource


@dataclass
class ConfigValidation:
    source_path: str
    tables: list[TableCheck] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [problem for table in self.tables for problem in table.problems]

    @property
    def ok(self) -> bool:
        return not self.problems

    def table(self, name: str) -> TableCheck:
        return next(check for check in self.tables if check.table == name)

    def summary(self) -> dict[str, Any]:
        return {check.table: check.summary() for check in self.tables}


def validate_config(source: LegacySource) -> ConfigValidation:
    """Compare every configuration table of ``source`` with the default database."""
    result = ConfigValidation(source_key(source.path))
    legacy = read_config_side(source)
    recorded = recorded_rejects(result.source_path)
    users = legacy.get(USERS, LegacyRows((), []))
    if USERS in legacy:
        result.tables.append(
            check_users(users.columns, users.rows, recorded.get(USERS, {}))
        )
    context = Context(legacy_user_ids(users.columns, users.rows))
    kept: dict[str, list[ConfigRow]] = {}
    for plan in plan_tables(legacy):
        name = plan.table.name
        check, kept[name] = check_table(
            plan, legacy[name].rows, recorded.get(name, {}), context
        )
        result.tables.append(check)
    if "config" in kept:
        check_settings(
            kept["config"], kept.get("app_config", []), result.table("config")
        )
    _check_stale_rejects(legacy, recorded, result)
    return result


def check_table(
    plan: ConfigPlan,
    rows: Sequence[tuple[Any, ...]],
    rejected: Collection[int],
    context: Context,
) -> tuple[TableCheck, list[ConfigRow]]:
    """The table's check, and the rows found here (for derived checks)."""
    name = plan.table.name
    check = TableCheck(name, len(rows))
    kept = []
    for raw in rows:
        if raw[0] in rejected:
            check.rejected += 1
            continue
        row = _importable(plan, raw, check)
        if row is None:
            continue
        expected = expected_values(plan, row, context)
        assert row.key is not None
        manager = plan.table.model._default_manager
        found = manager.filter(**plan.lookup(row.key)).values(*expected).first()
        if found is None:
            check.problems.append(
                f"{name} {row.shown_key}: not in {plan.table.target}, and no reject "
                "is recorded for it: run import_legacy_config again"
            )
            continue
        check.imported += 1
        kept.append(row)
        check.problems += _differences(plan, row, found, expected)
    if check.source != check.imported + check.rejected and check.ok:
        check.problems.append(f"{name}: rows neither here nor rejected")
    return check, kept


def _importable(
    plan: ConfigPlan, raw: Sequence[Any], check: TableCheck
) -> ConfigRow | None:
    row = convert_config_row(plan, raw)
    if row.reject is None:
        return row
    check.problems.append(
        f"{plan.table.name} {row.shown_key}: the file's row cannot be imported "
        f"({row.reject}, column {row.reject_column}) and no reject is recorded for "
        "it: run import_legacy_config again"
    )
    return None


def _differences(
    plan: ConfigPlan,
    row: ConfigRow,
    found: Mapping[str, Any],
    expected: Mapping[str, Any],
) -> list[str]:
    return [
        f"{plan.table.name} {row.shown_key}, column {_column(plan, name)}: "
        f"{preview(found[name])} here, the legacy file gives {preview(value)}"
        for name, value in expected.items()
        if found[name] != value
    ]


def _column(plan: ConfigPlan, attname: str) -> str:
    """The legacy column behind a model attribute, as a report names it."""
    legacy = next((c.legacy for c in plan.columns if c.attname == attname), None)
    if legacy is not None or attname == EXTRA_FIELD:
        return legacy or attname
    return f"{attname} (derived)"


def check_settings(
    config: Sequence[ConfigRow], app_config: Sequence[ConfigRow], check: TableCheck
) -> None:
    """The app_config rows copied from the legacy config rows hold their values."""
    expected = settings_from_config(config, app_config)
    found = dict(
        AppSetting.objects.filter(config_key__in=expected).values_list(
            "config_key", "config_value"
        )
    )
    check.problems += [
        f"app_config {name!r} (from config): {preview(found.get(name))} here, the "
        f"legacy file gives {preview(value)}"
        for name, value in expected.items()
        if found.get(name) != value
    ]


def _check_stale_rejects(
    legacy: Mapping[str, LegacyRows],
    recorded: Mapping[str, Mapping[int, LegacyConfigReject]],
    result: ConfigValidation,
) -> None:
    """Rejects recorded for rows the file no longer has: the import is older."""
    for table, rejects in recorded.items():
        present = {raw[0] for raw in legacy[table].rows} if table in legacy else set()
        stale = sorted(set(rejects) - present)
        if not stale:
            continue
        line = (
            f"{table}: rejects recorded for rows the legacy file no longer has "
            f"(rowids {', '.join(map(str, stale[:5]))}): run import_legacy_config again"
        )
        if table in legacy:
            result.table(table).problems.append(line)
        else:
            result.tables.append(TableCheck(table, 0, problems=[line]))
