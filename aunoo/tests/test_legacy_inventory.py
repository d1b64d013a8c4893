"""Every table of the legacy inventory has a typed home with its columns' names."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from articles.models import ScenarioArticle
from legacy.schema import SCENARIO_TABLE, VERSIONS

LEGACY_DIR = Path(settings.BASE_DIR).parent / "shared" / "legacy"
REAL_FILES = ["fnaapp_20251007_1d8143a4.db", "fnaapp_20250318_4c0b0e03.db"]
# Legacy tables whose home is not a model of the same name, and the legacy
# columns that home keeps.
ELSEWHERE = {
    # auth.User (username, password as "bcrypt$" + hash) and accounts.LegacyProfile.
    "users": {
        "username",
        "password_hash",
        "password",  # files before April 2025
        "force_password_change",
        "completed_onboarding",
    },
}
# Tables in neither real copy (older files, and one the legacy app creates only
# when first needed), as the schema registry declares them.
NOT_IN_THE_COPIES = {
    table.name: table.sql()
    for release in VERSIONS.values()
    for table in release.occasional
}


def model_columns() -> dict[str, set[str]]:
    return {
        model._meta.db_table: {field.column for field in model._meta.concrete_fields}
        for model in apps.get_models()
    }


def kept_columns(table: str) -> set[str]:
    """The legacy columns of ``table`` that its home keeps under their own name."""
    if table in ELSEWHERE:
        return ELSEWHERE[table]
    if SCENARIO_TABLE.fullmatch(table):
        return model_columns()[ScenarioArticle._meta.db_table]
    return model_columns().get(table, set())


def legacy_columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        table: [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
        for table in tables
    }


def homeless(columns: dict[str, list[str]]) -> dict[str, list[str]]:
    """Legacy columns with no typed home, per table; a scenario's blocks aside."""
    missing = {}
    for table, names in columns.items():
        if SCENARIO_TABLE.fullmatch(table):
            continue  # its building-block columns go to block_values by design
        absent = [name for name in names if name not in kept_columns(table)]
        if absent:
            missing[table] = absent
    return missing


@pytest.mark.legacy_files
@pytest.mark.parametrize("name", REAL_FILES)
def test_every_table_of_the_real_files_has_a_home_for_every_column(name: str) -> None:
    path = LEGACY_DIR / name
    if not path.exists():
        pytest.skip(f"the real legacy files are not in {LEGACY_DIR}")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        assert homeless(legacy_columns(conn)) == {}


@pytest.mark.legacy_files
def test_scenario_tables_keep_their_common_columns_typed() -> None:
    path = LEGACY_DIR / REAL_FILES[0]
    if not path.exists():
        pytest.skip(f"the real legacy files are not in {LEGACY_DIR}")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        columns = legacy_columns(conn)["articles_scenario_1"]
    typed = [name for name in columns if name in kept_columns("articles_scenario_1")]
    # The nine columns every scenario table starts with; the rest are its blocks.
    assert typed == columns[:9]


@pytest.mark.parametrize("table", sorted(NOT_IN_THE_COPIES))
def test_tables_absent_from_the_copies_have_a_home_for_every_column(
    table: str,
) -> None:
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute(NOT_IN_THE_COPIES[table])
        assert homeless(legacy_columns(conn)) == {}
