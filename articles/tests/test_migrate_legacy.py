"""migrate_legacy: a whole legacy file, config side first, one summary of it all."""

from __future__ import annotations

import signal
import sqlite3
import time
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
    check_counts(path, result.out)


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


# --- interrupted, run again, caught up ---------------------------------------------


def analytics_rows_landed() -> int:
    from legacy.connect import django_connector

    with django_connector()() as pg:
        row = pg.execute("SELECT count(*) FROM articles").fetchone()
    return int(row[0]) if row else 0


def both_sides_validate(path: Path) -> None:
    result = run_command("validate_migration", "--source", str(path))
    assert result.code == 0, result.out
    result = run_command("import_legacy_config", "--source", str(path), "--validate")
    assert result.code == 0, result.out + result.err


def test_a_killed_whole_file_run_resumes_reruns_and_catches_up(generated_legacy):
    from articles.models import Article
    from articles.tests.conftest import start_child
    from aunoo.tests.sqlite_files import execute
    from config_app.models import KeywordGroup, MonitoredKeyword

    path, _facts = generated_legacy(articles=600)
    # Killed while the analytics side is copying (the config side is done by then).
    child = start_child(path, "--batch-size", "20", command="migrate_legacy")
    try:
        deadline = time.monotonic() + 120
        while analytics_rows_landed() == 0 and child.poll() is None:
            assert time.monotonic() < deadline, "the child never started copying"
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL, "it finished before it was killed"
    assert Article.objects.count() < 600

    # Run again: it resumes, and both sides hold the whole file.
    first = run_command("migrate_legacy", "--source", str(path))
    assert first.code == 0, first.err
    check_counts(path, first.out)
    both_sides_validate(path)

    # Once more: nothing moves twice.
    articles, keywords = Article.objects.count(), MonitoredKeyword.objects.count()
    again = run_command("migrate_legacy", "--source", str(path))
    assert again.code == 0, again.err
    assert summary_lines(again.out) == summary_lines(first.out)
    assert (Article.objects.count(), MonitoredKeyword.objects.count()) == (
        articles,
        keywords,
    )

    # The legacy app kept working: catch-up brings both sides' changes.
    execute(
        path,
        "INSERT INTO articles (uri, title) "
        "VALUES ('https://news.example/late', 'Late')",
        "UPDATE keyword_groups SET name = name || ' (renamed)' "
        "WHERE id = (SELECT min(id) FROM keyword_groups)",
    )
    caught = run_command("migrate_legacy", "--source", str(path), "--catch-up")
    assert caught.code == 0, caught.err
    assert Article.objects.filter(uri="https://news.example/late").exists()
    assert KeywordGroup.objects.filter(name__endswith=" (renamed)").count() == 1
    both_sides_validate(path)


def check_counts(path: Path, out: str) -> None:
    lines = summary_lines(out)
    for table, rows in file_tables(path).items():
        _name, source, moved, rejected, *_where = lines[table]
        source, moved, rejected = (
            int(v.replace(",", "")) for v in (source, moved, rejected)
        )
        assert source == rows, table
        assert source == moved + rejected, table
