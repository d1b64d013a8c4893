"""Write the analytics rows from PostgreSQL back into a legacy-format SQLite file.

The emergency path of the cut-over plan: when the new application must be
abandoned, the legacy application gets back a file that holds what PostgreSQL
holds. Rows are written with ``INSERT OR REPLACE`` under the legacy table and
column names; rows are never deleted from the file.

Values are written as the legacy application wrote them: dates as
``YYYY-MM-DD HH:MM:SS`` in UTC (fractions of a second are dropped, as in
``CURRENT_TIMESTAMP``), booleans as 0/1, JSON as text. A value the migration
could not convert (kept in ``legacy_extra.unparsed``) is written back as its
original text where the typed column is NULL; legacy columns with no typed home
(``legacy_extra.unmapped``) are written back when the file has that column. Only
the columns the file has are written, so files of older schema versions stay
readable by their application version; tables the file lacks are reported.

``since`` selects the rows that are new or dated since that moment, by the date
columns each table has (see ``CORE_TABLES``; every other analytics table by all of
its dates): articles by ``submission_date``, raw
articles by ``submission_date`` or ``last_updated``, matches and alerts by
``detected_at``, analyses by ``generated_at``, annotations by ``created_at`` or
``updated_at``, media bias by ``last_updated`` or ``updated_at``. No analytics
table records when an existing row was edited, so an edit that moved no date is
only exported by a full rollback (``since=None``).

What comes back differs from the original file only where the migration had
to change a value: fractions of seconds are dropped, NUL characters and invalid
UTF-8 stay repaired, JSON is re-serialised (invalid JSON text, stored as a JSON
string, is written back as that text). A row whose key was repaired (a NUL
removed from a uri) is written under the repaired key, beside the original row.
Rows deleted in PostgreSQL stay in the file. A legacy column with no typed home
gets NULL for rows created in PostgreSQL, which never had a value for it.

``scenario_articles`` goes back into each ``articles_scenario_N`` table (one the
file lacks is created, its block columns in name order), and a full rollback
writes archived rows (``legacy_archive``) back into their tables under their
rowids (a table the file lacks is created with untyped columns: the archive
keeps each value and its storage class, not the declared types).

PostgreSQL is read on a dedicated read-only REPEATABLE READ connection, so the
seven tables come from one snapshot, through server-side cursors in batches:
memory stays flat whatever the table size. The file is written in one SQLite
transaction: an error leaves it as it was. Rows the file's own constraints
refuse are listed and skipped; the others are written.

The file's write lock is taken first, waiting at most ``lock_timeout`` seconds
for a program that holds it, and the backup is taken under that lock: it holds
exactly what the write starts from, and a refused run leaves no backup behind.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from django.db import models
from psycopg import sql

from articles.models import (
    Article,
    ArticleAnalysisCache,
    ArticleAnnotation,
    KeywordAlert,
    KeywordArticleMatch,
    MediaBias,
    RawArticle,
    ScenarioArticle,
)
from legacy.connect import django_connector, engine_params
from legacy.convert import format_legacy_timestamp
from legacy.schema import create_legacy_schema, scenario_table
from legacy.schema.table import ANALYTICS, SCENARIO_TABLE
from legacy.schema.versions import side
from legacy.source import LOCK_TIMEOUT, SQLITE_HEADER, quote_identifier
from legacy.tracking import APP_IDS_ABOVE

BATCH_ROWS = 2_000
LEGACY_EXTRA = "legacy_extra"


@dataclass(frozen=True)
class TableSpec:
    """One analytics table and the date columns ``since`` selects its rows by."""

    model: type[models.Model]
    since_columns: tuple[str, ...]
    # Rows per fetch: raw markdown averages ~19 KB (up to 65 KB) a row, and one
    # batch lives in memory up to three times (wire, str, legacy tuple).
    batch_rows: int = BATCH_ROWS

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    def fields(self) -> list[models.Field[Any, Any]]:
        """The typed columns, in legacy names (generated columns are PostgreSQL's)."""
        return [
            model_field
            for model_field in self.model._meta.concrete_fields
            if model_field.column != LEGACY_EXTRA
            and not isinstance(model_field, models.GeneratedField)
        ]


# Parents first, so a file with its foreign keys enforced stays consistent.
CORE_TABLES = (
    TableSpec(Article, ("submission_date",)),
    TableSpec(RawArticle, ("submission_date", "last_updated"), batch_rows=200),
    TableSpec(KeywordArticleMatch, ("detected_at",)),
    TableSpec(KeywordAlert, ("detected_at",)),
    TableSpec(ArticleAnalysisCache, ("generated_at",)),
    TableSpec(ArticleAnnotation, ("created_at", "updated_at")),
    TableSpec(MediaBias, ("last_updated", "updated_at")),
)


# scenario_articles goes back table by table (see export_scenarios).
SCENARIO_SPEC = TableSpec(ScenarioArticle, ("publication_date", "submission_date"))


def _every_table() -> tuple[TableSpec, ...]:
    """The core tables, then every other analytics model of a legacy table,
    selected by ``since`` through all of its dates."""
    from django.apps import apps

    core = {spec.table for spec in CORE_TABLES}
    others = [
        TableSpec(
            model,
            tuple(
                str(f.column)
                for f in model._meta.concrete_fields
                if isinstance(f, models.DateTimeField)
            ),
        )
        for model in apps.get_app_config("articles").get_models()
        if model._meta.db_table not in core and side(model._meta.db_table) == ANALYTICS
    ]
    return (*CORE_TABLES, *sorted(others, key=lambda spec: spec.table))


class RollbackError(Exception):
    """The target cannot be written; the message says why and what to do."""

    returncode = 1


class UnusableTarget(RollbackError):
    """--target names something that is not a legacy file or a place for one."""

    returncode = 2


@dataclass
class TableRollback:
    """What one table's export wrote, restored, left out and failed to write."""

    table: str
    written: int = 0
    restored_unparsed: int = 0
    restored_unmapped: int = 0
    columns_not_in_target: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    missing_in_target: bool = False


@dataclass
class RollbackReport:
    target: Path
    created: bool = False
    backup: Path | None = None
    tables: list[TableRollback] = field(default_factory=list)

    def table(self, name: str) -> TableRollback:
        return next(report for report in self.tables if report.table == name)


# --- the PostgreSQL side ------------------------------------------------------------


def connect_analytics(alias: str = "analytics") -> psycopg.Connection[Any]:
    """A dedicated psycopg connection with the settings of ``alias``."""
    # Django's cursor class and adapters serve its ORM; this reader wants
    # psycopg's, and a connection past pgbouncer (named cursors).
    params = engine_params(alias)
    connection = psycopg.connect(**params)
    connection.read_only = True
    connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    return connection


def _select(
    spec: TableSpec, columns: Sequence[str], since: datetime | None
) -> sql.Composed:
    query = sql.SQL("SELECT {columns} FROM {table}").format(
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        table=sql.Identifier(spec.table),
    )
    if since is not None:
        dated = sql.SQL(" OR ").join(
            sql.SQL("{} >= %(since)s").format(sql.Identifier(column))
            for column in spec.since_columns
        )
        # A table with no dates goes out only with a full rollback.
        query += sql.SQL(" WHERE ") + (
            dated if spec.since_columns else sql.SQL("false")
        )
    order = sql.Identifier(str(spec.model._meta.pk.column))
    return query + sql.SQL(" ORDER BY ") + order


def check_tables(connection: psycopg.Connection[Any]) -> None:
    """Fail before any backup or write when the analytics tables are missing."""
    with connection.cursor() as cursor:
        for spec in _every_table():
            cursor.execute("SELECT to_regclass(%s)", [spec.table])
            row = cursor.fetchone()
            if row is None or row[0] is None:
                raise RollbackError(
                    f"The analytics database has no {spec.table} table: run "
                    "`manage.py migrate` and `manage.py migrate_articles` first."
                )
    connection.rollback()  # the snapshot starts with the first export


def stream_rows(
    connection: psycopg.Connection[Any],
    spec: TableSpec,
    columns: Sequence[str],
    since: datetime | None,
) -> Iterator[list[tuple[Any, ...]]]:
    """The table's rows in batches, from a server-side cursor."""
    with connection.cursor(name=f"rollback_{spec.table}") as cursor:
        cursor.itersize = spec.batch_rows
        cursor.execute(_select(spec, columns, since), {"since": since})
        while batch := cursor.fetchmany(spec.batch_rows):
            yield batch


# --- turning a PostgreSQL row into a legacy row ---------------------------------------


def _legacy_value(model_field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    if isinstance(model_field, models.DateTimeField):
        return format_legacy_timestamp
    if isinstance(model_field, models.BooleanField):
        return lambda value: None if value is None else int(value)
    if isinstance(model_field, models.JSONField):
        return _json_text
    return lambda value: value


def _json_text(value: Any) -> str | None:
    """JSON text; a string that is not JSON itself is the invalid original."""
    if value is None:
        return None
    if isinstance(value, str):
        # The migration stores invalid JSON text as a JSON string holding it.
        try:
            json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, ensure_ascii=False)


def _unmapped_value(value: Any) -> Any:
    if isinstance(value, dict | list | bool):
        return json.dumps(value, ensure_ascii=False)
    return value


class RowWriter:
    """Builds the target's rows from PostgreSQL rows, counting what it restores."""

    def __init__(
        self, spec: TableSpec, target_columns: list[str], report: TableRollback
    ) -> None:
        typed = {str(model_field.column): model_field for model_field in spec.fields()}
        self.report = report
        self.typed = [name for name in typed if name in target_columns]
        self.converters = [_legacy_value(typed[name]) for name in self.typed]
        # Legacy columns with no typed home: filled from legacy_extra.unmapped.
        self.extra_columns = [name for name in target_columns if name not in typed]
        self.select = [*self.typed, LEGACY_EXTRA]
        self.insert = [*self.typed, *self.extra_columns]
        report.columns_not_in_target = [
            name for name in typed if name not in target_columns
        ]

    def legacy_row(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        extra = row[-1] or {}
        unparsed = extra.get("unparsed") or {}
        unmapped = extra.get("unmapped") or {}
        values = []
        for name, convert, value in zip(
            self.typed, self.converters, row[:-1], strict=True
        ):
            if value is None and name in unparsed:
                self.report.restored_unparsed += 1
                values.append(unparsed[name])
            else:
                values.append(convert(value))
        for name in self.extra_columns:
            if name in unmapped:
                self.report.restored_unmapped += 1
            values.append(_unmapped_value(unmapped.get(name)))
        return tuple(values)

    def statement(self, table: str) -> str:
        names = ", ".join(map(quote_identifier, self.insert))
        marks = ", ".join("?" for _ in self.insert)
        return (
            f"INSERT OR REPLACE INTO {quote_identifier(table)} ({names}) "
            f"VALUES ({marks})"
        )


# --- the legacy file ---------------------------------------------------------------


def check_target_path(target: Path) -> None:
    """Refuse a --target that is no legacy file and no place to create one."""
    if target.is_dir():
        raise UnusableTarget(
            f"{target} is a folder: give --target the legacy app's database file "
            f"itself (for example {target / 'fnaapp.db'}), or the path of a new "
            "file to create one."
        )
    if not target.exists():
        if not target.parent.is_dir():
            raise UnusableTarget(
                f"The folder {target.parent} does not exist: create it first, or "
                "give --target a path in an existing folder."
            )
        return
    try:
        with target.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise UnusableTarget(
            f"Cannot read {target} ({exc.strerror}): run the command as a user who "
            "may read and write the legacy app's files."
        ) from exc
    if header and header != SQLITE_HEADER:
        raise UnusableTarget(
            f"{target} is not an SQLite database (its first bytes are not the SQLite "
            "header), so nothing was written: give the legacy app's fnaapp.db, or a "
            "path that does not exist yet to create a new legacy file."
        )


def backup_file(target: Path, now: datetime, lock_timeout: float) -> Path:
    """Copy ``target`` with SQLite's online backup, safe while the legacy app writes.

    Called with the file's write lock held, so no other writer changes it
    during the copy; a failed copy is removed rather than left half-written.
    """
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    backup = target.with_name(f"{target.name}.bak-{stamp}")
    suffix = 1
    while backup.exists():
        backup = target.with_name(f"{target.name}.bak-{stamp}-{suffix}")
        suffix += 1
    try:
        with (
            closing(sqlite3.connect(target, timeout=lock_timeout)) as source,
            closing(sqlite3.connect(backup)) as copy,
        ):
            source.backup(copy)
    except sqlite3.Error as exc:
        backup.unlink(missing_ok=True)
        raise RollbackError(
            f"Could not back up {target} to {backup} ({exc}), so nothing was "
            "written: free disk space or let this user write to that folder, or "
            "take a backup yourself and run again with --no-backup."
        ) from exc
    return backup


def create_legacy_file(target: Path) -> None:
    """An empty file with the legacy 2025-10 schema, as the legacy app creates it."""
    with closing(sqlite3.connect(target)) as connection:
        create_legacy_schema(connection, "2025-10")


def open_target(target: Path, lock_timeout: float = LOCK_TIMEOUT) -> sqlite3.Connection:
    """A connection to an existing legacy file holding its write lock (BEGIN IMMEDIATE).

    Other programs may still read the file; none can write it until COMMIT or
    ROLLBACK. A program that holds the lock longer than ``lock_timeout`` makes
    this a RollbackError saying the file is in use.
    """
    connection = sqlite3.connect(target, timeout=lock_timeout, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise _target_error(target, exc, lock_timeout) from exc
    return connection


def _target_error(
    target: Path, exc: sqlite3.DatabaseError, lock_timeout: float
) -> RollbackError:
    if _is_lock_error(exc):
        return _in_use(target, lock_timeout, backup=None)
    return RollbackError(
        f"{target} is not a writable SQLite database ({exc}): give the legacy "
        "app's database file, or a path that does not exist yet to create one."
    )


def _is_lock_error(exc: sqlite3.Error) -> bool:
    name: str = getattr(exc, "sqlite_errorname", "")
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))


def _in_use(target: Path, lock_timeout: float, backup: Path | None) -> RollbackError:
    taken = f"the backup {backup} is kept" if backup else "no backup was taken"
    return RollbackError(
        f"{target} is in use by another program (the legacy app?): it held a lock "
        f"on the file for more than {lock_timeout:g} s, so nothing was written and "
        f"{taken}. Stop the legacy app and run this again, or wait longer with "
        "--lock-timeout."
    )


def target_columns(connection: sqlite3.Connection, table: str) -> list[str]:
    """The columns of ``table`` in the file, by name; empty without that table."""
    query = f"PRAGMA table_info({quote_identifier(table)})"
    return [row[1] for row in connection.execute(query)]


def _write_batch(
    connection: sqlite3.Connection,
    statement: str,
    rows: list[tuple[Any, ...]],
    report: TableRollback,
) -> None:
    try:
        connection.executemany(statement, rows)
    except sqlite3.IntegrityError:
        # Find the rows the file's own constraints refuse; replaying the ones
        # already written is harmless, INSERT OR REPLACE is idempotent.
        for row in rows:
            try:
                connection.execute(statement, row)
            except sqlite3.IntegrityError as exc:
                report.failed.append((str(row[0]), str(exc)))
                continue
            report.written += 1
        return
    report.written += len(rows)


def export_table(
    legacy: sqlite3.Connection,
    analytics: psycopg.Connection[Any],
    spec: TableSpec,
    since: datetime | None,
) -> TableRollback:
    """Write one table's selected rows into the legacy file."""
    report = TableRollback(spec.table)
    columns = target_columns(legacy, spec.table)
    if not columns:
        report.missing_in_target = True
        return report
    writer = RowWriter(spec, columns, report)
    statement = writer.statement(spec.table)
    for batch in stream_rows(analytics, spec, writer.select, since):
        _write_batch(
            legacy, statement, [writer.legacy_row(row) for row in batch], report
        )
    return report


# --- scenario tables and archived tables -----------------------------------------


class ScenarioWriter(RowWriter):
    """A scenario table's rows: the shared columns typed, the blocks' from
    ``block_values`` (which plays the part of ``legacy_extra.unmapped``)."""

    def __init__(self, target_columns: list[str], report: TableRollback) -> None:
        super().__init__(SCENARIO_SPEC, target_columns, report)
        self.select = [*self.typed, LEGACY_EXTRA, "block_values"]
        # Which scenario table a row is in, and its keys here: none is a legacy column.
        report.columns_not_in_target = []

    def legacy_row(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        extra = dict(row[-2] or {})
        extra["unmapped"] = {**(row[-1] or {}), **(extra.get("unmapped") or {})}
        return super().legacy_row((*row[:-2], extra))


def _scenario_ddl(analytics: psycopg.Connection[Any], table: str) -> str:
    """The CREATE TABLE of a scenario table the file lacks, from its rows' blocks.

    The legacy app orders the blocks by building block id, which PostgreSQL
    does not keep: they come in name order.
    """
    keys = analytics.execute(
        "SELECT DISTINCT jsonb_object_keys(block_values) FROM scenario_articles "
        "WHERE article_table = %s",
        [table],
    ).fetchall()
    names = {key for (key,) in keys}
    blocks = sorted(
        name
        for name in names
        if not (name.endswith("_explanation") and name[: -len("_explanation")] in names)
    )
    found = SCENARIO_TABLE.fullmatch(table)
    number = int(found.group(1)) if found else 0
    return scenario_table(number, tuple(blocks)).sql()


def export_scenarios(
    legacy: sqlite3.Connection,
    analytics: psycopg.Connection[Any],
    since: datetime | None,
) -> list[TableRollback]:
    """``scenario_articles`` back into each ``articles_scenario_N`` table.

    A scenario table the file lacks is created (its block columns in name
    order). ``since`` selects by publication and submission date.
    """
    tables = [
        name
        for (name,) in analytics.execute(
            "SELECT DISTINCT article_table FROM scenario_articles ORDER BY 1"
        ).fetchall()
    ]
    reports = []
    for table in tables:
        if not SCENARIO_TABLE.fullmatch(table):
            continue  # only the legacy app's own names go back
        report = TableRollback(table)
        if not target_columns(legacy, table):
            legacy.execute(_scenario_ddl(analytics, table))
        writer = ScenarioWriter(target_columns(legacy, table), report)
        query = sql.SQL(
            "SELECT {} FROM scenario_articles WHERE article_table = %(table)s{} "
            "ORDER BY id"
        ).format(
            sql.SQL(", ").join(map(sql.Identifier, writer.select)),
            sql.SQL(
                " AND (publication_date >= %(since)s OR submission_date >= %(since)s)"
                if since is not None
                else ""
            ),
        )
        statement = writer.statement(table)
        with analytics.cursor(name=f"rollback_{table}") as cursor:
            cursor.execute(query, {"table": table, "since": since})
            while batch := cursor.fetchmany(BATCH_ROWS):
                rows = [writer.legacy_row(row) for row in batch]
                _write_batch(legacy, statement, rows, report)
        reports.append(report)
    return reports


def sqlite_value(value: Any) -> Any:
    """An archived value (see :func:`legacy.archive.archive_value`) for SQLite."""
    if isinstance(value, dict):
        if "base64" in value:
            return base64.b64decode(value["base64"])
        if "text_base64" in value:
            return TextBytes(base64.b64decode(value["text_base64"]))
        if "real" in value:
            return float(value["real"])
    return value


class TextBytes(bytes):
    """Bytes that were TEXT in the file (a NUL inside, or not UTF-8)."""


def export_archive(
    legacy: sqlite3.Connection, analytics: psycopg.Connection[Any]
) -> list[TableRollback]:
    """Archived tables back into the file, each row under its rowid.

    A table the file lacks is created with the archived columns, untyped (the
    archive keeps values and their storage classes, not the declared types).
    A WITHOUT ROWID table's rows go back by their key.
    """
    tables = [
        name
        for (name,) in analytics.execute(
            "SELECT DISTINCT table_name FROM legacy_archive ORDER BY 1"
        ).fetchall()
    ]
    reports = []
    for table in tables:
        report = TableRollback(table)
        query = (
            "SELECT legacy_rowid, legacy_key IS NOT NULL, row FROM legacy_archive "
            "WHERE table_name = %s ORDER BY source_path, legacy_rowid"
        )
        with analytics.cursor(name=f"rollback_archive_{table}") as cursor:
            cursor.execute(query, [table])
            while batch := cursor.fetchmany(BATCH_ROWS):
                columns = target_columns(legacy, table)
                if not columns:
                    names = ", ".join(map(quote_identifier, batch[0][2]))
                    legacy.execute(f"CREATE TABLE {quote_identifier(table)} ({names})")
                    columns = target_columns(legacy, table)
                for rowid, keyed, row in batch:
                    _write_archived(legacy, table, columns, rowid, keyed, row, report)
        reports.append(report)
    return reports


def _write_archived(
    legacy: sqlite3.Connection,
    table: str,
    columns: list[str],
    rowid: int,
    keyed: bool,
    row: dict[str, Any],
    report: TableRollback,
) -> None:
    names = [name for name in row if name in columns]
    report.columns_not_in_target = sorted(
        set(report.columns_not_in_target) | (set(row) - set(columns))
    )
    values = [sqlite_value(row[name]) for name in names]
    marks = [
        "CAST(? AS TEXT)" if isinstance(value, TextBytes) else "?" for value in values
    ]
    if not keyed:
        names, marks, values = ["rowid", *names], ["?", *marks], [rowid, *values]
    statement = (
        f"INSERT OR REPLACE INTO {quote_identifier(table)} "
        f"({', '.join(map(quote_identifier, names))}) VALUES ({', '.join(marks)})"
    )
    try:
        legacy.execute(
            statement, [bytes(v) if isinstance(v, TextBytes) else v for v in values]
        )
    except sqlite3.IntegrityError as exc:
        report.failed.append((str(rowid), str(exc)))
        return
    report.written += 1


def move_app_ids_past(alias: str, legacy: sqlite3.Connection) -> None:
    """Ids made here from now on start above what the file will hand out.

    The file now holds this app's rows with ids above 10**12, and its own
    counter continues from them; were both apps to write again, the next ids
    would meet. This app's sequences move to the next range up.
    """
    try:
        rows = legacy.execute("SELECT name, seq FROM sqlite_sequence").fetchall()
    except sqlite3.OperationalError:  # no AUTOINCREMENT table
        return
    with django_connector(alias)() as pg:
        for name, seq in rows:
            table = name.decode() if isinstance(name, bytes) else str(name)
            floor = APP_IDS_ABOVE * (1 + int(seq or 0) // APP_IDS_ABOVE)
            pg.execute(  # only ever forward, as the engine's own runs do
                "SELECT setval(s, %s) FROM (SELECT pg_get_serial_sequence(table_name, "
                "'id')::regclass AS s FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s "
                "AND column_name = 'id') AS found WHERE s IS NOT NULL "
                "AND %s > coalesce(pg_sequence_last_value(s), 0)",
                [floor, table, floor],
            )


def rollback_articles(
    target: Path,
    *,
    since: datetime | None,
    backup: bool = True,
    alias: str = "analytics",
    lock_timeout: float = LOCK_TIMEOUT,
    on_table: Callable[[TableRollback], None] | None = None,
    on_backup: Callable[[Path], None] | None = None,
) -> RollbackReport:
    """Write PostgreSQL's analytics rows into the legacy file at ``target``.

    ``since=None`` writes every row. The file's write lock is taken first, then
    the file is backed up (unless ``backup`` is false) and written in one
    transaction.
    """
    check_target_path(target)
    report = RollbackReport(target, created=not target.exists())
    with closing(connect_analytics(alias)) as analytics:
        check_tables(analytics)
        if report.created:
            create_legacy_file(target)
        with closing(open_target(target, lock_timeout)) as legacy:
            try:
                if backup and not report.created:
                    report.backup = backup_file(target, datetime.now(UTC), lock_timeout)
                    if on_backup is not None:
                        on_backup(report.backup)
                for spec in _every_table():
                    report.tables.append(export_table(legacy, analytics, spec, since))
                    if on_table is not None:
                        on_table(report.tables[-1])
                extra = export_scenarios(legacy, analytics, since)
                # Archived rows came from the file as they are: a full rollback
                # writes them back, one --since leaves them.
                extra += export_archive(legacy, analytics) if since is None else []
                for table in extra:
                    report.tables.append(table)
                    if on_table is not None:
                        on_table(table)
                # In rollback-journal mode COMMIT waits for the file's readers.
                legacy.execute("COMMIT")
                move_app_ids_past(alias, legacy)
            except BaseException as exc:
                if legacy.in_transaction:
                    legacy.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error) and _is_lock_error(exc):
                    raise _in_use(target, lock_timeout, report.backup) from exc
                raise
    return report
