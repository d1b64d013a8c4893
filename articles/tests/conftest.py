"""Legacy files for the migration tests, and a runner for the migration commands.

``legacy_file`` builds a small file holding exactly the rows a test names, in the
legacy application's own DDL (2025-10 or the older 2025-03, as the project's
generator writes it), so a test can plant one dirty value and look for it.
``generated_legacy`` builds a whole dirty file with the project's generator and
returns it with its ``GeneratedFacts``.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connections

from legacy.generate import generate_legacy_file
from legacy.schema import create_legacy_schema
from legacy.source import quote_identifier


def insert_rows(
    conn: sqlite3.Connection, table: str, rows: Iterable[Mapping[str, Any]]
) -> None:
    for row in rows:
        names = ", ".join(map(quote_identifier, row))
        marks = ", ".join("?" * len(row))
        conn.execute(
            f"INSERT INTO {quote_identifier(table)} ({names}) VALUES ({marks})",
            list(row.values()),
        )


def write_legacy_file(
    path: Path,
    rows: Mapping[str, Iterable[Mapping[str, Any]]],
    *,
    schema: str = "2025-10",
    shuffled: bool = False,
    extra_article_columns: Iterable[str] = (),
) -> Path:
    with closing(sqlite3.connect(path)) as conn:
        create_legacy_schema(
            conn,
            schema,
            column_order="shuffled" if shuffled else "legacy",
            extra_article_columns=tuple(extra_article_columns),
        )
        for table, table_rows in rows.items():
            insert_rows(conn, table, table_rows)
        conn.commit()
    return path


def article(number: int, **values: Any) -> dict[str, Any]:
    """A clean 2025-10 article row; keyword arguments plant what a test needs."""
    row: dict[str, Any] = {
        "uri": f"https://news.example/{number}",
        "title": f"Title {number}",
        "news_source": "example.com",
        "publication_date": "2025-10-07 09:47:34",
        "submission_date": "2025-10-07 10:00:00",
        "summary": f"Summary of article {number}",
        "tags": "ai, policy",
        "analyzed": 1,
        "topic_alignment_score": 0.8123456789012345,
    }
    row.update(values)
    return row


def old_article(number: int, **values: Any) -> dict[str, Any]:
    """A clean article row of the 2025-03 schema, which has no score columns."""
    row = article(number, **values)
    del row["topic_alignment_score"]
    return row


@pytest.fixture
def legacy_file(tmp_path: Path) -> Callable[..., Path]:
    """``legacy_file({"articles": [...], ...}, schema=..., name=...)`` -> its path."""
    counter = iter(range(1_000_000))

    def build(rows: Mapping[str, Iterable[Mapping[str, Any]]], **options: Any) -> Path:
        name = options.pop("name", None) or f"legacy_{next(counter)}.db"
        return write_legacy_file(tmp_path / name, rows, **options)

    return build


def child_environment() -> dict[str, str]:
    """The child command targets the test database through DATABASE_URL (and,
    behind pgbouncer, ANALYTICS_DIRECT_URL)."""
    environment = {
        **os.environ,
        "DATABASE_URL": test_database_url("analytics"),
        "AUNOO_TEST_SQLITE": str(connections["default"].settings_dict["NAME"]),
        "DJANGO_SETTINGS_MODULE": "aunoo.settings_test",
    }
    if "analytics_direct" in connections:
        environment["ANALYTICS_DIRECT_URL"] = test_database_url("analytics_direct")
    return environment


def test_database_url(alias: str) -> str:
    params = connections[alias].get_connection_params()
    host, port = params.get("host", ""), params.get("port", "")
    user = quote(params.get("user", "postgres"))
    password = f":{quote(params['password'])}" if params.get("password") else ""
    if host.startswith("/"):
        return f"postgres://{user}{password}@/{params['dbname']}?host={quote(host)}"
    return f"postgres://{user}{password}@{host}:{port or 5432}/{params['dbname']}"


def start_child(
    path: Path, *args: str, command: str = "migrate_articles"
) -> subprocess.Popen[bytes]:
    """``COMMAND --source PATH ARGS`` in a process of its own, on the test databases."""
    from django.conf import settings

    return subprocess.Popen(
        [sys.executable, "manage.py", command, "--skip-checks",
         "--source", str(path), *args],
        cwd=settings.BASE_DIR, env=child_environment(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def from_psql(statement: str, params: Sequence[Any] = ()) -> None:
    """A change from an ordinary session, neither the app nor the engine."""
    from legacy.connect import django_connector

    with django_connector()() as pg:
        pg.execute("SET application_name = 'psql'")
        pg.execute(statement, params)


@dataclass
class CommandResult:
    code: int
    out: str
    err: str


def run_command(name: str, *args: str) -> CommandResult:
    """Run a management command as an operator would; never raises for its exit."""
    from django.core.management.base import CommandError

    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    except CommandError as exc:
        err.write(str(exc))
        code = exc.returncode
    return CommandResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def migrate_articles() -> Callable[..., CommandResult]:
    return lambda *args: run_command("migrate_articles", *args)


@pytest.fixture
def validate_migration() -> Callable[..., CommandResult]:
    return lambda *args: run_command("validate_migration", *args)


@pytest.fixture
def generated_legacy(tmp_path: Path) -> Callable[..., tuple[Path, Any]]:
    """``generated_legacy(articles=60, **options)`` -> (path, GeneratedFacts)."""

    def build(**options: Any) -> tuple[Path, Any]:
        path = tmp_path / options.pop("name", "generated.db")
        options.setdefault("articles", 60)
        facts = generate_legacy_file(path, **options)
        return path, facts

    return build
