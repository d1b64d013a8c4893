"""Legacy tables with no home here land whole in legacy_archive, and validate."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from articles.models import LegacyArchive
from articles.tests.conftest import article
from legacy.archive import archive_value
from legacy.connect import django_connector

pytestmark = pytest.mark.django_db(databases=["default", "analytics"], transaction=True)

# Every SQLite storage class, and the awkward ones besides.
CUSTOM_ROWS = [
    (1, 42, 2.5, "plain text", b"\x00\x01\xff", None),
    (2, -(2**62), float("inf"), "nul \x00 inside", b"", "x"),
    (3, None, None, None, None, None),
]


@pytest.fixture
def with_custom_table(legacy_file):
    path = legacy_file({"articles": [article(1)]})
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(
            "CREATE TABLE custom_notes (id INTEGER PRIMARY KEY, n INTEGER, r REAL, "
            't TEXT, b BLOB, "odd name" TEXT)'
        )
        conn.executemany(
            "INSERT INTO custom_notes VALUES (?, ?, ?, ?, ?, ?)", CUSTOM_ROWS
        )
        conn.execute(
            "INSERT INTO custom_notes (id, t) VALUES (4, CAST(X'C3' AS TEXT))"
        )  # not UTF-8
        conn.commit()
    return path


def test_an_unknown_table_lands_in_the_archive(with_custom_table, migrate_articles):
    result = migrate_articles("--source", str(with_custom_table))
    assert result.code == 0
    line = next(line for line in result.out.splitlines() if "legacy_archive" in line)
    assert line.startswith("Tables this project has no home for, kept whole in ")
    assert "custom_notes" in line.split(": ")[1].split(", ")
    rows = {
        row.legacy_rowid: row.row
        for row in LegacyArchive.objects.filter(table_name="custom_notes")
    }
    assert rows[1] == {
        "id": 1, "n": 42, "r": 2.5, "t": "plain text",
        "b": {"base64": "AAH/"}, "odd name": None,
    }  # fmt: skip
    assert rows[2]["r"] == {"real": "inf"}
    assert rows[2]["t"] == {"text_base64": "bnVsIAAgaW5zaWRl"}
    assert rows[2]["b"] == {"base64": ""}
    assert rows[3] == dict.fromkeys(["id", "n", "r", "t", "b", "odd name"]) | {"id": 3}
    assert rows[4]["t"] == {"text_base64": "ww=="}


def test_archived_rows_validate(
    with_custom_table, migrate_articles, validate_migration
):
    migrate_articles("--source", str(with_custom_table))
    result = validate_migration("--source", str(with_custom_table))
    assert result.code == 0, result.out
    assert "custom_notes" in result.out


def test_deleting_one_archived_value_is_caught(
    with_custom_table, migrate_articles, validate_migration
):
    migrate_articles("--source", str(with_custom_table))
    with django_connector()() as pg:
        pg.execute(
            "UPDATE legacy_archive SET row = row - 'b' "
            "WHERE table_name = 'custom_notes' AND legacy_rowid = 1"
        )
    result = validate_migration("--source", str(with_custom_table))
    assert result.code == 1
    assert "custom_notes 1: content differs (archived row)" in result.out


def test_catch_up_follows_the_file(
    with_custom_table, migrate_articles, validate_migration
):
    migrate_articles("--source", str(with_custom_table))
    with closing(sqlite3.connect(with_custom_table)) as conn:
        conn.execute("UPDATE custom_notes SET t = 'changed' WHERE id = 1")
        conn.execute("DELETE FROM custom_notes WHERE id = 3")
        conn.commit()
    migrate_articles("--source", str(with_custom_table), "--catch-up")
    rows = {
        row.legacy_rowid: row.row
        for row in LegacyArchive.objects.filter(table_name="custom_notes")
    }
    assert rows[1]["t"] == "changed"
    assert 3 not in rows
    assert validate_migration("--source", str(with_custom_table)).code == 0


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("integer", 7, 7),
        ("real", float("nan"), {"real": "nan"}),
        ("text", b"caf\xc3\xa9", "café"),
        ("blob", b"\x00", {"base64": "AA=="}),
        ("null", None, None),
    ],
)
def test_archive_values(kind, value, expected):
    assert archive_value(kind, value) == expected


@pytest.fixture
def with_keyed_table(legacy_file):
    """A WITHOUT ROWID table: no rowid to key its archived rows by."""
    path = legacy_file({"articles": [article(1)]})
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(
            "CREATE TABLE custom_pairs (a TEXT, b INTEGER, n INTEGER, r REAL, "
            "t TEXT, x BLOB, PRIMARY KEY (a, b)) WITHOUT ROWID"
        )
        conn.executemany(
            "INSERT INTO custom_pairs VALUES (?, ?, ?, ?, ?, ?)",
            [
                ("beta", 1, 42, 2.5, "plain text", b"\x00\x01\xff"),
                ("alpha", 2, None, float("-inf"), "nul \x00 inside", None),
                ("alpha", 1, -(2**62), None, None, b""),
            ],
        )
        conn.commit()
    return path


def keyed_rows() -> dict[str | None, dict]:
    return {
        row.legacy_key: row.row
        for row in LegacyArchive.objects.filter(table_name="custom_pairs")
    }


def test_a_without_rowid_table_is_archived_by_its_key(
    with_keyed_table, migrate_articles, validate_migration
):
    result = migrate_articles("--source", str(with_keyed_table))
    assert result.code == 0, result.err
    rows = keyed_rows()
    assert list(rows) == ['["alpha", 1]', '["alpha", 2]', '["beta", 1]']
    assert rows['["beta", 1]'] == {
        "a": "beta", "b": 1, "n": 42, "r": 2.5, "t": "plain text",
        "x": {"base64": "AAH/"},
    }  # fmt: skip
    assert rows['["alpha", 2]']["r"] == {"real": "-inf"}
    assert rows['["alpha", 1]']["x"] == {"base64": ""}
    assert validate_migration("--source", str(with_keyed_table)).code == 0


def test_a_without_rowid_table_follows_the_file_and_is_validated(
    with_keyed_table, migrate_articles, validate_migration
):
    migrate_articles("--source", str(with_keyed_table))
    with closing(sqlite3.connect(with_keyed_table)) as conn:
        conn.execute("DELETE FROM custom_pairs WHERE a = 'alpha' AND b = 1")
        conn.execute("INSERT INTO custom_pairs (a, b, t) VALUES ('gamma', 0, 'new')")
        conn.commit()
    assert migrate_articles("--source", str(with_keyed_table), "--catch-up").code == 0
    assert list(keyed_rows()) == ['["alpha", 2]', '["beta", 1]', '["gamma", 0]']
    assert validate_migration("--source", str(with_keyed_table)).code == 0
    with django_connector()() as pg:
        pg.execute(
            "UPDATE legacy_archive SET row = row - 't' "
            "WHERE table_name = 'custom_pairs' AND legacy_key = '[\"beta\", 1]'"
        )
    result = validate_migration("--source", str(with_keyed_table))
    assert result.code == 1
    assert "custom_pairs '[\"beta\", 1]': content differs (archived row)" in result.out
