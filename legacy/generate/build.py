"""Build a whole file: the schema, the rows in order, the indexes, the facts."""

from __future__ import annotations

import os
import random
import sqlite3
import time
from dataclasses import dataclass, replace
from pathlib import Path

from legacy import schema as registry
from legacy.generate import config_rows, dirty_articles, unknown
from legacy.generate.config_rows import PASSWORDS
from legacy.generate.content import write_tables
from legacy.generate.context import Ids
from legacy.generate.dirty import Dirty, Recorder, fits
from legacy.generate.factory import Factory, keyword_layout
from legacy.generate.facts import GeneratedFacts
from legacy.generate.text import RAW_MAX, RAW_MIN
from legacy.generate.writer import Writer, transaction

CHUNK = 2_000  # articles per transaction: a few MB of rows, constant memory
MEDIABIAS_ROWS = 4_435  # as in the real file, whatever the article count
SEQUENCE_HEADROOM = 100_000


@dataclass(frozen=True)
class Spec:
    articles: int
    schema: str
    dirty: bool
    seed: int
    column_order: str
    extra_article_columns: tuple[str, ...]
    extra_tables: tuple[str, ...] = ()
    extra_tables_without_rowid: tuple[str, ...] = ()
    raw_scale: float = 1.0

    @property
    def unknown(self) -> unknown.UnknownTables:
        return unknown.UnknownTables(self.extra_tables, self.extra_tables_without_rowid)

    def tables(self) -> list[registry.LegacyTable]:
        """The registry tables of the file, in creation order."""
        release = registry.version(self.schema)
        tables = list(release.tables)
        if self.dirty:
            tables += release.occasional
        if any(table.name == "scenarios" for table in tables):
            tables += config_rows.scenario_tables()
        return tables


def check_arguments(spec: Spec) -> None:
    registry.version(spec.schema)
    registry.check_options(spec.column_order, spec.extra_article_columns)
    if spec.articles < 0:
        raise ValueError(f"articles must be 0 or more, not {spec.articles}")
    unknown.check_names(spec.extra_tables + spec.extra_tables_without_rowid)
    if not 0.05 <= spec.raw_scale <= 1.0:
        raise ValueError(
            f"raw_scale must be between 0.05 and 1.0 (the real file's raw markdown "
            f"lengths times it), not {spec.raw_scale}"
        )


def generate_legacy_file(
    path: str | os.PathLike[str],
    *,
    articles: int,
    schema: str = "2025-10",
    dirty: bool = True,
    seed: int = 0,
    column_order: str = "legacy",
    extra_article_columns: tuple[str, ...] = (),
    extra_tables: tuple[str, ...] = (),
    extra_tables_without_rowid: tuple[str, ...] = (),
    raw_scale: float = 1.0,
) -> GeneratedFacts:
    """Write a legacy ``fnaapp.db`` with ``articles`` articles; return its facts.

    ``extra_tables`` (and ``extra_tables_without_rowid``) are tables no legacy
    release has, holding every SQLite storage class. The same arguments give
    the same file, byte for byte. ``raw_scale`` shrinks every raw markdown
    (its length distribution and extremes) for a row-heavy file. The file is
    built beside ``path`` and renamed into place when complete. An existing
    file is never replaced (it could be a real legacy copy): FileExistsError.
    """
    spec = Spec(
        articles,
        schema,
        dirty,
        seed,
        column_order,
        tuple(extra_article_columns),
        tuple(extra_tables),
        tuple(extra_tables_without_rowid),
        raw_scale,
    )
    check_arguments(spec)
    target = Path(path)
    if target.exists():
        raise FileExistsError(f"{target} exists; generate never replaces a file")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        facts = _build(partial, spec)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return replace(
        facts,
        path=target,
        file_bytes=target.stat().st_size,
        seconds=time.perf_counter() - started,
    )


# --- the articles and their tables ----------------------------------------------


def _write_config(writer: Writer, factory: Factory, spec: Spec) -> None:
    writer.many("users", config_rows.user_rows(factory.rng))
    writer.many("keyword_groups", factory.layout.group_rows())
    writer.many("monitored_keywords", factory.layout.keyword_rows())
    writer.many("migrations", config_rows.migration_rows(spec.schema))
    for table, rows in config_rows.CONFIG_ROWS.items():
        if writer.has(table):
            writer.many(table, rows)


def _write_planted(
    writer: Writer, factory: Factory, planted: list[Dirty], recorder: Recorder
) -> None:
    # Planted articles take the first article slots, so the file still holds
    # exactly the number of articles asked for.
    slot = 0
    for dirty in planted:
        row = {**factory.base_row(dirty.table, dirty.values, slot), **dirty.values}
        slot += dirty.table == "articles"
        writer.one(dirty.table, row)
        recorder.record(dirty, row)


def _write_articles(writer: Writer, factory: Factory, first: int, stop: int) -> None:
    """Stream the ordinary articles and their child rows, a chunk at a time."""
    # The extremes once per file, scaled as every other length.
    raw_lengths = [int(RAW_MIN * factory.raw_scale), int(RAW_MAX * factory.raw_scale)]
    for start in range(first, stop, CHUNK):
        batch = [factory.article(i) for i in range(start, min(stop, start + CHUNK))]
        children = factory.children(batch, raw_lengths)
        with transaction(writer.conn):
            writer.many("articles", batch)
            for table, rows in children.items():
                writer.many(table, rows)


def _write_rest(writer: Writer, factory: Factory, spec: Spec, planted: int) -> None:
    """mediabias and feed_items, from the same random sequence."""
    if writer.has("mediabias"):
        # A few thousand sources whatever the size, fewer for tiny files.
        count = min(MEDIABIAS_ROWS, max(20, spec.articles * 10)) - planted
        writer.many("mediabias", [factory.mediabias(n) for n in range(count)])
    if writer.has("feed_items"):
        count = min(500, max(5, spec.articles // 20))
        writer.many("feed_items", [factory.feed_item(n) for n in range(count)])


def _write_rows(
    writer: Writer, factory: Factory, recorder: Recorder, spec: Spec
) -> int:
    """The tables the main random sequence fills; returns the planted articles."""
    planted = []
    if spec.dirty:
        every = dirty_articles.catalogue(factory.layout)
        planted = [dirty for dirty in every if fits(dirty, writer.columns)]
    slots = sum(dirty.table == "articles" for dirty in planted)
    if spec.articles < slots:
        raise ValueError(
            f"a dirty {spec.schema} file needs at least {slots} articles for its "
            f"planted rows, not {spec.articles}; pass more or dirty=False"
        )
    with transaction(writer.conn):
        _write_config(writer, factory, spec)
        _write_planted(writer, factory, planted, recorder)
    _write_articles(writer, factory, slots, spec.articles)
    with transaction(writer.conn):
        _write_rest(writer, factory, spec, writer.rows["mediabias"])
    return slots


# --- the whole file ----------------------------------------------------------------


def _finish(conn: sqlite3.Connection, spec: Spec) -> None:
    release = registry.version(spec.schema)
    with transaction(conn):
        if spec.dirty:
            # Years of deletes: the real sequences run far above the row counts.
            conn.execute(
                "UPDATE sqlite_sequence SET seq = seq + ?", (SEQUENCE_HEADROOM,)
            )
        # Indexes after the rows: building an index once is much faster than
        # keeping it up to date through every insert.
        registry.create_indexes(conn, release.indexes)
        if release.analyzed:
            # A sample per index is enough for sqlite_stat1 and keeps this fast.
            conn.execute("PRAGMA analysis_limit = 1000")
            conn.execute("ANALYZE")
    conn.execute(f"PRAGMA user_version = {release.user_version}")
    # As the real copies: the 2025-10 one is in WAL mode.
    conn.execute(f"PRAGMA journal_mode = {release.journal_mode}")


def _create(conn: sqlite3.Connection, spec: Spec) -> dict[str, tuple[str, ...]]:
    columns = registry.create_tables(
        conn,
        spec.tables(),
        column_order=spec.column_order,
        seed=spec.seed,
        extra_article_columns=spec.extra_article_columns,
    )
    columns.update(spec.unknown.create(conn))
    return columns


def _keys(
    spec: Spec, columns: dict[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    keys = {}
    for name in columns:
        table = registry.legacy_table(name)
        keys[name] = table.key if table else spec.unknown.key(name)
    return keys


def _build(file: Path, spec: Spec) -> GeneratedFacts:
    rng = random.Random(spec.seed)
    conn = sqlite3.connect(file, isolation_level=None)
    try:
        # Nothing to protect while building: a failed build is deleted whole.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -65536")
        columns = _create(conn, spec)
        keys = _keys(spec, columns)
        layout = keyword_layout(rng, sparse=spec.dirty)
        ids = Ids(rng, sparse=spec.dirty)
        extra = spec.extra_article_columns
        factory = Factory(
            rng, ids, layout, frozenset(columns), extra, raw_scale=spec.raw_scale
        )
        writer, recorder = Writer(conn, columns), Recorder(keys)
        slots = _write_rows(writer, factory, recorder, spec)
        write_tables(
            writer,
            factory,
            recorder,
            seed=spec.seed,
            dirty=spec.dirty,
            articles=spec.articles,
            planted_articles=slots,
        )
        spec.unknown.write(
            writer, recorder, seed=spec.seed, articles=spec.articles, dirty=spec.dirty
        )
        _finish(conn, spec)
        sequences = dict(conn.execute("SELECT name, seq FROM sqlite_sequence"))
    finally:
        conn.close()
    sides = {name: registry.side(name) for name in columns}
    return GeneratedFacts(
        path=file,
        schema=spec.schema,
        dirty=spec.dirty,
        seed=spec.seed,
        column_order=spec.column_order,
        rows={table: writer.rows[table] for table in columns},
        columns=columns,
        keys=keys,
        extra_article_columns=extra,
        rejects=recorder.rejects,
        conversions=recorder.conversions(),
        planted=recorder.planted,
        sequences=sequences,
        passwords=dict(PASSWORDS),
        deleted_keyword_ids=layout.deleted_keyword_ids,
        analytics_tables=tuple(t for t, s in sides.items() if s == registry.ANALYTICS),
        config_tables=tuple(t for t, s in sides.items() if s == registry.CONFIG),
        extra_tables=tuple(t for t, s in sides.items() if s is None),
        file_bytes=0,
        seconds=0.0,
    )
