"""migrate_legacy: a whole legacy file, config side first, one summary of it all."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings

from articles.tests.conftest import run_command

pytestmark = pytest.mark.django_db(databases=["default", "analytics"], transaction=True)

LEGACY_DIR = Path(settings.BASE_DIR).parent / "shared" / "legacy"


def file_tables(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names
        }


def summary_lines(out: str) -> dict[str, list[str]]:
    lines = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[1].replace(",", "").isdigit():
            lines[parts[0]] = parts
    return lines


def check_every_table(path: Path) -> None:
    result = run_command("migrate_legacy", "--source", str(path))
    assert result.code == 0, result.err
    lines = summary_lines(result.out)
    for table, rows in file_tables(path).items():
        _name, source, moved, rejected, *_where = lines[table]
        source, moved, rejected = (
            int(v.replace(",", "")) for v in (source, moved, rejected)
        )
        assert source == rows, table
        assert source == moved + rejected, table


def test_a_generated_file_moves_whole(generated_legacy):
    path, _facts = generated_legacy(articles=80)
    check_every_table(path)


@pytest.mark.legacy_files
@pytest.mark.parametrize(
    "name", ["fnaapp_20251007_1d8143a4.db", "fnaapp_20250318_4c0b0e03.db"]
)
def test_a_real_file_moves_whole_and_validates_on_both_sides(name):
    path = LEGACY_DIR / name
    if not path.exists():
        pytest.skip(f"{LEGACY_DIR} is absent")
    check_every_table(path)
    assert run_command("validate_migration", "--source", str(path)).code == 0
    assert (
        run_command("import_legacy_config", "--source", str(path), "--validate").code
        == 0
    )
