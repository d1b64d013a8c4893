"""One checksum of every row and every column, computed alike on both sides.

Each column is rendered to a canonical text (``render`` in Python from the
converted legacy value, ``SQL_RENDER`` in PostgreSQL from the stored value):

* text as is; integers in decimal; booleans ``t``/``f``;
* timestamps as integer microseconds since 1970 (exact on both sides);
* doubles as the hex of their 8 IEEE bytes (``float8send``), so no digit is lost;
* jsonb as PostgreSQL prints it (``jsonb_text`` mirrors that printer).

A row's digest is the md5 of its columns, each ``N`` for NULL or
``V<octet length>:<text>``, so no two rows can render alike by shifting text
between columns. Validation and the catch-up mode both use :func:`source_digests`
and :func:`target_digests`.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import multiprocessing.pool
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, TypeVar

import psycopg
from psycopg import sql

from legacy.archive import ArchiveCheck
from legacy.plan import EXTRA_COLUMN, TablePlan, build_plan
from legacy.rejects import rejected_rowids
from legacy.rows import DUPLICATE_KEY, convert_row
from legacy.runs import source_key
from legacy.source import LegacySource

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
_JSON_ESCAPES: Final = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}

# Why SQL here: the checksum must be computed where the rows are, without
# moving every row to Python; one parameterised query per table.
SQL_RENDER: Final = {
    "text": "{c}",
    "timestamptz": "((extract(epoch FROM {c}) * 1000000)::bigint)::text",
    "date": "to_char({c}, 'YYYY-MM-DD')",
    "boolean": "CASE WHEN {c} THEN 't' WHEN NOT {c} THEN 'f' END",
    "double": "encode(float8send({c}), 'hex')",
    "integer": "{c}::text",
    "bigint": "{c}::text",
    "jsonb": "{c}::text",
}


def _json_string(text: str) -> str:
    out = []
    for char in text:
        escaped = _JSON_ESCAPES.get(char)
        if escaped is not None:
            out.append(escaped)
        elif char < " ":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _json_number(value: float) -> str:
    # PostgreSQL reads the float as numeric and prints it without exponent.
    text = format(Decimal(repr(value)), "f")
    return text.lstrip("-") if Decimal(text) == 0 else text


def jsonb_text(value: Any) -> str:
    """``value`` as PostgreSQL's jsonb output prints it (keys by length, then bytes)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    if type(value) is float:
        return _json_number(value)
    if type(value) is str:
        return _json_string(value)
    if type(value) is list:
        return "[" + ", ".join(jsonb_text(item) for item in value) + "]"
    if type(value) is dict:
        keys = sorted(value, key=lambda key: (len(key.encode()), key.encode()))
        items = (f"{_json_string(key)}: {jsonb_text(value[key])}" for key in keys)
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"not a JSON value: {value!r:.80}")


def _render_text(value: Any) -> str:
    return value  # type: ignore[no-any-return]


def _render_timestamp(value: datetime) -> str:
    return str((value - _EPOCH) // _MICROSECOND)


RENDER: Final[dict[str, Callable[[Any], str]]] = {
    "text": _render_text,
    "timestamptz": _render_timestamp,
    "date": lambda value: value.isoformat(),
    "boolean": lambda value: "t" if value else "f",
    "double": lambda value: struct.pack(">d", value).hex(),
    "integer": str,
    "bigint": str,
    "jsonb": jsonb_text,
}


def _kinds(plan: TablePlan) -> list[str]:
    return [*(column.kind for column in plan.columns), "jsonb"]


def renderers(plan: TablePlan) -> list[Callable[[Any], str]]:
    return [RENDER[kind] for kind in _kinds(plan)]


def row_digest(render: list[Callable[[Any], str]], values: tuple[Any, ...]) -> bytes:
    digest = hashlib.md5(usedforsecurity=False)
    # Fed piece by piece: long texts are hashed where they lie, never copied.
    for to_text, value in zip(render, values, strict=True):
        if value is None:
            digest.update(b"N")
        else:
            data = to_text(value).encode()
            digest.update(b"V%d:" % len(data))
            digest.update(data)
    return digest.digest()


def digest_expression(plan: TablePlan, alias: str) -> sql.Composed:
    """The md5 digest of the row ``alias`` of the table's type, as bytes."""
    parts = []
    for name, kind in zip(plan.target_columns, _kinds(plan), strict=True):
        column = sql.SQL("{}.{}").format(sql.Identifier(alias), sql.Identifier(name))
        rendered = sql.SQL(SQL_RENDER[kind]).format(c=column)
        parts.append(
            sql.SQL("coalesce('V' || octet_length({r}) || ':' || {r}, 'N')").format(
                r=rendered
            )
        )
    return sql.SQL("decode(md5({body}), 'hex')").format(
        body=sql.SQL(" || ").join(parts)
    )


def digest_sql(plan: TablePlan) -> sql.Composed:
    """SELECT key, md5 digest FROM the target table, for every row."""
    return sql.SQL("SELECT t.{key}, {digest} FROM {table} t").format(
        key=sql.Identifier(plan.rules.key),
        digest=digest_expression(plan, "t"),
        table=sql.Identifier(plan.table),
    )


def target_digests(pg: psycopg.Connection[Any], plan: TablePlan) -> dict[Any, bytes]:
    with pg.cursor() as cursor:
        return dict(cursor.stream(digest_sql(plan)))


def target_digests_of(
    pg: psycopg.Connection[Any], plan: TablePlan, keys: Sequence[Any]
) -> dict[Any, bytes]:
    """The digests of the rows with these keys only."""
    query = sql.SQL("{} WHERE t.{} = ANY(%s)").format(
        digest_sql(plan), sql.Identifier(plan.rules.key)
    )
    return dict(pg.execute(query, [list(keys)]).fetchall())


@dataclass
class SourceDigests:
    """Key -> (rowid, digest) of the rows that should be in PostgreSQL."""

    digests: dict[Any, tuple[int, bytes]] = field(default_factory=dict)
    rows: int = 0
    # Rows no reject explains: a second row with a key, or a row the loader
    # would have rejected (null key, required value missing).
    unexplained: list[tuple[int, Any, str]] = field(default_factory=list)


def source_digests(
    source: LegacySource,
    plan: TablePlan,
    rejected: set[int],
    *,
    after: int = 0,
    until: int | None = None,
) -> SourceDigests:
    """Digests of the legacy rows (in a rowid range), first row of a key winning."""
    render = renderers(plan)
    result = SourceDigests()
    while True:
        batch = source.read_batch(
            plan.table, plan.legacy_columns, after=after, limit=2000, until=until
        )
        if not batch:
            return result
        after = batch[-1][0]
        add_digests(result, plan, render, batch, rejected)


def add_digests(
    result: SourceDigests,
    plan: TablePlan,
    render: list[Callable[[Any], str]],
    raws: Sequence[tuple[Any, ...]],
    rejected: set[int],
) -> None:
    """Convert and hash ``raws`` (rowid order) into ``result``."""
    result.rows += len(raws)
    for raw in raws:
        if raw[0] in rejected:
            continue
        row = convert_row(plan, raw)
        if row.reject is not None:
            result.unexplained.append((row.rowid, row.key, row.reject))
        elif row.key in result.digests:
            result.unexplained.append((row.rowid, row.key, DUPLICATE_KEY))
        else:
            result.digests[row.key] = (row.rowid, row_digest(render, row.values))


def _digest_range(
    path: str,
    plan: TablePlan,
    rejected: set[int],
    after: int,
    until: int | None,
    lock_timeout: float,
) -> SourceDigests:
    """One worker process's share (module level, so it can be sent to a process)."""
    with LegacySource(Path(path), check=False, lock_timeout=lock_timeout) as source:
        return source_digests(source, plan, rejected, after=after, until=until)


def merge_digests(parts: list[SourceDigests]) -> SourceDigests:
    """Ranges in rowid order: a key already seen in an earlier range is a duplicate."""
    merged = SourceDigests()
    for part in parts:
        merged.rows += part.rows
        merged.unexplained += part.unexplained
        for key, (rowid, digest) in part.digests.items():
            if key in merged.digests:
                merged.unexplained.append((rowid, key, DUPLICATE_KEY))
            else:
                merged.digests[key] = (rowid, digest)
    return merged


R = TypeVar("R")

# Below this many rows a table is hashed in-process: starting workers costs more.
PARALLEL_ROWS: Final = 20_000


class DigestWorkers:
    """Processes that hash the legacy side's rowid ranges on the other cores.

    Python's per-row work is the slow half of validation, PostgreSQL's hashing
    runs in its own process anyway; spawned (not forked) because a thread is
    already talking to PostgreSQL when the workers start.
    """

    def __init__(self, processes: int = 2) -> None:
        self.processes = processes
        self.pool: multiprocessing.pool.Pool | None = None
        self.lock = threading.Lock()

    def worth_it(self, plan: TablePlan) -> bool:
        return self.processes >= 2 and plan.source_rows >= PARALLEL_ROWS

    def ranges(
        self, source: LegacySource, plan: TablePlan
    ) -> list[tuple[int, int | None]]:
        """The table's rowid ranges, one per worker."""
        cuts = source.split_rowids(plan.table, self.processes)
        return list(zip([0, *cuts], [*cuts, None], strict=True))

    def starmap(self, work: Callable[..., R], jobs: list[tuple[Any, ...]]) -> list[R]:
        """``work(*job)`` for every job in the workers, started once per run."""
        with self.lock:  # two lanes may ask at once
            if self.pool is None:
                self.pool = multiprocessing.get_context("spawn").Pool(self.processes)
        return self.pool.starmap(work, jobs)

    def digests(
        self, source: LegacySource, plan: TablePlan, rejected: set[int]
    ) -> SourceDigests:
        if not self.worth_it(plan):
            return source_digests(source, plan, rejected)
        jobs = [
            (str(source.path), plan, rejected, after, until, source.lock_timeout)
            for after, until in self.ranges(source, plan)
        ]
        return merge_digests(self.starmap(_digest_range, jobs))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()


def both_digests(
    source: LegacySource,
    connect: Callable[[], psycopg.Connection[Any]],
    plan: TablePlan,
    rejected: set[int],
    workers: DigestWorkers | None = None,
) -> tuple[SourceDigests, dict[Any, bytes]]:
    """Both sides at once: PostgreSQL hashes on its own core while Python reads."""
    box: dict[str, Any] = {}

    def fetch() -> None:
        try:
            with connect() as pg:
                box["target"] = target_digests(pg, plan)
        except Exception as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=fetch, daemon=True)
    thread.start()
    if workers is None:
        ours = source_digests(source, plan, rejected)
    else:
        ours = workers.digests(source, plan, rejected)
    thread.join()
    if "error" in box:
        raise box["error"]
    return ours, box["target"]


@dataclass
class TableCheck:
    plan: TablePlan
    source_rows: int
    migrated: int
    rejected: int
    missing: list[Any] = field(default_factory=list)  # in source, not in target
    extra: list[Any] = field(default_factory=list)  # in target, not in source
    changed: list[tuple[Any, int]] = field(default_factory=list)  # (key, rowid)
    unexplained: list[tuple[int, Any, str]] = field(default_factory=list)
    # The cut-over with the app in use (legacy.sync):
    app_rows: int = 0  # rows the app created, or changed with the file unchanged
    # Open, awaiting --prefer: (key, kind).
    conflicts: list[tuple[Any, str]] = field(default_factory=list)
    stale: list[Any] = field(default_factory=list)  # file changed since catch-up
    outside: list[tuple[Any, str]] = field(default_factory=list)  # (key, session)

    @property
    def table(self) -> str:
        return self.plan.table

    @property
    def count_ok(self) -> bool:
        return self.source_rows == self.migrated + self.rejected

    @property
    def ok(self) -> bool:
        return self.count_ok and not (
            self.missing
            or self.extra
            or self.changed
            or self.unexplained
            or self.conflicts
            or self.stale
            or self.outside
        )


def compare(
    plan: TablePlan,
    ours: SourceDigests,
    theirs: dict[Any, bytes],
    rejected: int,
    journal: dict[Any, Any] | None = None,
    conflicts: dict[Any, str] | None = None,
) -> TableCheck:
    """Both sides key by key; rows the app changed are held to what it recorded.

    ``journal`` maps each key the app touched to its ``AppChange`` (the digest
    of the version both sides last agreed on, and who changed it). Such a row
    is right when the legacy file still holds that agreed version (the app's
    change stands) or an open conflict records it; a change made outside the
    app, a legacy change not yet caught up, and every untracked difference fail.
    """
    from legacy.sync import is_app_id
    from legacy.tracking import APP_APPLICATION_NAME

    journal = journal or {}
    conflicts = conflicts or {}
    check = TableCheck(plan, ours.rows, len(theirs), rejected)
    check.unexplained = ours.unexplained

    def tracked(key: Any, legacy: bytes | None, current: bytes | None) -> bool:
        change = journal.get(key)
        if change is None:
            return False
        if change.origin != APP_APPLICATION_NAME:
            # Reported even when the columns compared are unchanged: it may
            # have changed one only this database has (who owns a note, say).
            check.outside.append((key, change.origin))
            return True
        if change.base == current:
            return False
        if key in conflicts:
            check.conflicts.append((key, conflicts[key]))
        elif legacy != change.base:
            check.stale.append(key)
        else:
            check.app_rows += 1
        return True

    for key, (rowid, digest) in ours.digests.items():
        other = theirs.get(key)
        if tracked(key, digest, other):
            check.migrated += other is None  # a legacy row the app deleted
        elif other is None:
            check.missing.append(key)
        elif other != digest:
            check.changed.append((key, rowid))
    for key, other in theirs.items():
        if key in ours.digests:
            continue
        if tracked(key, None, other):
            check.migrated -= 1
        elif is_app_id(plan, key):
            check.app_rows += 1
            check.migrated -= 1
        else:
            check.extra.append(key)
    return check


def differing_columns(
    source: LegacySource,
    pg: psycopg.Connection[Any],
    plan: TablePlan,
    key: Any,
    rowid: int,
) -> list[str]:
    """Names of the columns whose rendering differs for one key (for the report)."""
    raw = source.read_rowids(plan.table, plan.legacy_columns, [rowid])[0]
    ours = convert_row(plan, raw).values
    kinds = _kinds(plan)
    rendered = [
        sql.SQL(SQL_RENDER[kind]).format(c=sql.Identifier(name))
        for name, kind in zip(plan.target_columns, kinds, strict=True)
    ]
    query = sql.SQL("SELECT {cols} FROM {table} WHERE {key} = %s").format(
        cols=sql.SQL(", ").join(rendered),
        table=sql.Identifier(plan.table),
        key=sql.Identifier(plan.rules.key),
    )
    theirs = pg.execute(query, [key]).fetchone()
    if theirs is None:
        return list(plan.target_columns)
    return [
        name
        for name, kind, mine, stored in zip(
            plan.target_columns, kinds, ours, theirs, strict=True
        )
        if _rendered(kind, mine) != stored
    ]


def _rendered(kind: str, value: Any) -> str | None:
    return None if value is None else RENDER[kind](value)


def describe_mismatches(
    check: TableCheck | ArchiveCheck,
    source: LegacySource,
    pg: psycopg.Connection[Any],
    limit: int,
) -> Iterator[tuple[str, Any, list[str]]]:
    """(what, key, differing columns) for the first ``limit`` keys of each kind."""
    for key in check.missing[:limit]:
        yield "in the legacy file, missing in PostgreSQL", key, []
    for key in check.extra[:limit]:
        yield "in PostgreSQL, not in the legacy file", key, []
    for key, rowid in check.changed[:limit]:
        if check.plan is None:  # archived or scenario rows, compared in Python
            yield f"content differs ({check.kind})", key, check.differing.get(key, [])
            continue
        columns = differing_columns(source, pg, check.plan, key, rowid)
        yield "content differs", key, columns


def validate(
    source: LegacySource,
    pg: psycopg.Connection[Any],
    connect: Callable[[], psycopg.Connection[Any]],
    tables: Sequence[str] = (),
    processes: int = 2,
) -> list[TableCheck]:
    """Check every planned table: counts, key sets, and every row's checksum."""
    from legacy.sync import open_conflicts, read_journal

    checks = []
    path = source_key(source.path)
    workers = DigestWorkers(processes)
    try:
        for plan in build_plan(source, pg, tables):
            rejected = rejected_rowids(pg, path, plan.table)
            ours, theirs = both_digests(source, connect, plan, rejected, workers)
            check = compare(
                plan,
                ours,
                theirs,
                len(rejected),
                read_journal(pg, plan),
                open_conflicts(pg, plan, path),
            )
            checks.append(check)
    finally:
        workers.close()
    return checks


__all__ = [
    "EXTRA_COLUMN",
    "SourceDigests",
    "TableCheck",
    "both_digests",
    "compare",
    "describe_mismatches",
    "differing_columns",
    "jsonb_text",
    "row_digest",
    "source_digests",
    "target_digests",
    "validate",
]
