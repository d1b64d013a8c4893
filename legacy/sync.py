"""Catch-up while both apps are in use: bring the legacy app's work, keep the app's.

Every key of a table is put in one of these classes by three digests: the legacy
row's now, PostgreSQL's row now, and, for a key the app touched, the row as both
sides last agreed on it (the ``base`` that :mod:`tracking` recorded):

* untouched by the app: the legacy version is written (new or changed rows), or,
  when the legacy file no longer has the key, it is reported as deleted there
  (and removed only when asked);
* changed by the app, unchanged in the legacy file: the app's version stays;
* changed on both sides to the same row: settled, nothing to do;
* changed on both sides differently: a **conflict**. Nothing is overwritten:
  the app's version stays in place, both versions are written to
  ``legacy_conflicts`` with the columns that differ, and ``--prefer legacy`` or
  ``--prefer app`` resolves them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from legacy.plan import TablePlan
from legacy.runs import now
from legacy.tracking import APP_APPLICATION_NAME, APP_IDS_ABOVE
from legacy.verify import SourceDigests, digest_expression

BOTH_CHANGED: Final = "changed on both sides"
BOTH_CREATED: Final = "created on both sides"
DELETED_IN_LEGACY: Final = "deleted in the legacy file, changed in the app"
DELETED_IN_APP: Final = "changed in the legacy file, deleted in the app"
OUTSIDE: Final = "changed in PostgreSQL outside the app"

PREFER_LEGACY: Final = "legacy"
PREFER_APP: Final = "app"


@dataclass(frozen=True)
class AppChange:
    """A key the app touched: the agreed version's digest (None: app created it)."""

    base: bytes | None
    origin: str
    # When it last changed: an entry is only ever dropped as it was read, so a
    # change the app makes meanwhile is never forgotten.
    changed_at: datetime | None = None


@dataclass(frozen=True)
class Conflict:
    key: Any
    kind: str
    rowid: int | None  # the legacy row, when the file still has the key


@dataclass
class Diff:
    write: list[int] = field(default_factory=list)  # legacy rowids to write
    present: set[Any] = field(default_factory=set)  # of their keys, those here
    app_kept: list[Any] = field(default_factory=list)
    settled: list[Any] = field(default_factory=list)  # journal entries to drop
    conflicts: list[Conflict] = field(default_factory=list)
    legacy_deleted: list[Any] = field(default_factory=list)
    app_rows: int = 0  # rows only the app has (created there)
    app_deleted: int = 0  # legacy rows the app deleted, deletion kept


def is_app_id(plan: TablePlan, key: Any) -> bool:
    return plan.rules.identity and isinstance(key, int) and key > APP_IDS_ABOVE


def classify(
    plan: TablePlan,
    ours: SourceDigests,
    theirs: dict[Any, bytes],
    journal: dict[Any, AppChange],
) -> Diff:
    """Sort every key of the table into what catch-up must do with it."""
    diff = Diff()
    for key in ours.digests.keys() | theirs.keys() | journal.keys():
        legacy = ours.digests.get(key)
        legacy_digest = legacy[1] if legacy else None
        rowid = legacy[0] if legacy else None
        current = theirs.get(key)
        change = journal.get(key)
        if change is not None and change.origin != APP_APPLICATION_NAME:
            # Not the app, not the engine (psql, a script): never taken as the
            # analysts' work, never settled or overwritten without a choice,
            # even when the columns the file has are unchanged.
            diff.conflicts.append(Conflict(key, OUTSIDE, rowid))
            continue
        if change is not None and current == change.base:
            change = None  # touched, but the app's row is as it was
            if key in journal:
                diff.settled.append(key)
        if change is None:
            _untouched(plan, diff, key, rowid, legacy_digest, current)
        elif legacy_digest == current:
            diff.settled.append(key)  # both sides made the same change
        elif legacy_digest == change.base:
            diff.app_kept.append(key)
            diff.app_rows += legacy is None and current is not None
            diff.app_deleted += legacy is not None and current is None
        else:
            diff.conflicts.append(Conflict(key, _kind(change, legacy, current), rowid))
    diff.write.sort()
    return diff


def _untouched(
    plan: TablePlan,
    diff: Diff,
    key: Any,
    rowid: int | None,
    legacy: bytes | None,
    current: bytes | None,
) -> None:
    if rowid is not None and legacy != current:
        diff.write.append(rowid)
        if current is not None:
            diff.present.add(key)
    elif rowid is None and current is not None:
        if is_app_id(plan, key):
            diff.app_rows += 1  # made by the app before tracking began
        else:
            diff.legacy_deleted.append(key)


def _kind(change: AppChange, legacy: Any, current: bytes | None) -> str:
    if legacy is None:
        return DELETED_IN_LEGACY
    if current is None:
        return DELETED_IN_APP
    if change.base is None:
        return BOTH_CREATED
    return BOTH_CHANGED


# --- reading the journal -------------------------------------------------------


def key_from_text(plan: TablePlan, text: str) -> Any:
    kind = plan.column(plan.rules.key).kind
    return int(text) if kind in ("integer", "bigint") else text


def read_journal(pg: psycopg.Connection[Any], plan: TablePlan) -> dict[Any, AppChange]:
    """The keys the app touched, each with the digest of its agreed version."""
    # Why SQL here: the agreed version is hashed exactly as validation hashes the
    # table, by turning the recorded jsonb back into a row of the table's type.
    query = sql.SQL(
        "SELECT j.key, CASE WHEN j.base IS NULL THEN NULL ELSE {digest} END, "
        "j.origin, j.changed_at FROM legacy_app_changes j LEFT JOIN LATERAL "
        "jsonb_populate_record(NULL::{table}, j.base) t ON true "
        "WHERE j.table_name = %s"
    ).format(digest=digest_expression(plan, "t"), table=sql.Identifier(plan.table))
    return {
        key_from_text(plan, key): AppChange(base, origin, changed_at)
        for key, base, origin, changed_at in pg.execute(query, [plan.table])
    }


def forget_unchanged(
    pg: psycopg.Connection[Any],
    table: str,
    journal: dict[Any, AppChange],
    keys: Sequence[Any],
) -> list[Any]:
    """Drop the journal entries of ``keys`` that are as they were read; those keys.

    An entry the app changed since (a later ``changed_at``) stays: that change
    is compared on the next catch-up.
    """
    known = [key for key in keys if key in journal]
    if not known:
        return []
    rows = pg.execute(
        "DELETE FROM legacy_app_changes j USING unnest(%s::text[], "
        "%s::timestamptz[]) AS s(key, at) WHERE j.table_name = %s "
        "AND j.key = s.key AND j.changed_at = s.at RETURNING j.key",
        [
            [str(key) for key in known],
            [journal[key].changed_at for key in known],
            table,
        ],
    ).fetchall()
    forgotten = {text for (text,) in rows}
    return [key for key in known if str(key) in forgotten]


def open_conflicts(
    pg: psycopg.Connection[Any], plan: TablePlan, source_path: str
) -> dict[Any, str]:
    """The open conflicts of the table: key -> kind."""
    rows = pg.execute(
        "SELECT key, kind FROM legacy_conflicts WHERE source_path = %s "
        "AND table_name = %s AND resolved_at IS NULL",
        [source_path, plan.table],
    )
    return {key_from_text(plan, key): kind for key, kind in rows}


# --- writing -----------------------------------------------------------------


class ConflictWriter:
    """Records conflicts with both versions, and applies an explicit choice."""

    def __init__(
        self,
        pg: psycopg.Connection[Any],
        plan: TablePlan,
        *,
        source_path: str,
        run_id: int,
        journal: dict[Any, AppChange],
    ) -> None:
        self.pg, self.plan = pg, plan
        self.source_path, self.run_id = source_path, run_id
        self.journal = journal
        self.stage = sql.Identifier(f"conflict_{plan.table}")

    def _stage(self, raws: Sequence[tuple[Any, ...]]) -> None:
        """The converted legacy versions, in a temporary table shaped as the target."""
        from legacy.rows import convert_row

        columns = sql.SQL(", ").join(map(sql.Identifier, self.plan.target_columns))
        self.pg.execute(
            sql.SQL(
                "CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT {columns} "
                "FROM {table} WITH NO DATA"
            ).format(
                stage=self.stage, columns=columns, table=sql.Identifier(self.plan.table)
            )
        )
        self.pg.execute(sql.SQL("TRUNCATE {}").format(self.stage))
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            self.stage, columns
        )
        with self.pg.cursor() as cursor, cursor.copy(copy_sql) as copy:
            copy.set_types(self.plan.copy_types)
            for raw in raws:
                copy.write_row(convert_row(self.plan, raw).values)

    def record(
        self, conflicts: list[Conflict], raws: Sequence[tuple[Any, ...]]
    ) -> list[tuple[Conflict, list[str]]]:
        """Write every conflict with both versions; each with its differing columns."""
        found: list[tuple[Conflict, list[str]]] = []
        with self.pg.transaction():
            self._stage(raws)
            for conflict in conflicts:
                legacy_row, app_row, columns = self._versions(conflict.key)
                found.append((conflict, columns))
                self.pg.execute(
                    "INSERT INTO legacy_conflicts (run_id, source_path, table_name, "
                    "key, kind, columns, legacy_rowid, legacy_row, app_row, "
                    "detected_at, resolution) VALUES (%s, %s, %s, %s, %s, %s, %s, "
                    "%s, %s, %s, '') ON CONFLICT (source_path, table_name, key) "
                    "WHERE resolved_at IS NULL DO UPDATE SET run_id = EXCLUDED.run_id, "
                    "kind = EXCLUDED.kind, columns = EXCLUDED.columns, "
                    "legacy_rowid = EXCLUDED.legacy_rowid, "
                    "legacy_row = EXCLUDED.legacy_row, app_row = EXCLUDED.app_row",
                    [
                        self.run_id,
                        self.source_path,
                        self.plan.table,
                        str(conflict.key),
                        conflict.kind,
                        Jsonb(columns),
                        conflict.rowid,
                        Jsonb(legacy_row) if legacy_row is not None else None,
                        Jsonb(app_row) if app_row is not None else None,
                        now(),
                    ],
                )
        return found

    def _versions(self, key: Any) -> tuple[Any, Any, list[str]]:
        key_column = sql.Identifier(self.plan.rules.key)
        differs = sql.SQL(", ").join(
            sql.SQL("CASE WHEN s.{c} IS DISTINCT FROM t.{c} THEN {name} END").format(
                c=sql.Identifier(name), name=sql.Literal(name)
            )
            for name in self.plan.target_columns
        )
        row = self.pg.execute(
            sql.SQL(
                "SELECT (SELECT to_jsonb(s) FROM {stage} s WHERE s.{key} = %s), "
                "(SELECT to_jsonb(t) - 'search_vector' FROM {table} t "
                "WHERE t.{key} = %s), (SELECT array_remove(ARRAY[{differs}], NULL) "
                "FROM {stage} s JOIN {table} t ON t.{key} = s.{key} "
                "WHERE s.{key} = %s)"
            ).format(
                stage=self.stage,
                table=sql.Identifier(self.plan.table),
                key=key_column,
                differs=differs,
            ),
            [key, key, key],
        ).fetchone()
        assert row is not None
        return row[0], row[1], list(row[2] or [])

    def prefer_app(self, conflicts: list[Conflict]) -> None:
        """Keep the app's versions: the legacy ones become the agreed base.

        The columns only this database has (user_id, …) are agreed as they are.
        """
        agreed = sql.SQL(
            "UPDATE legacy_app_changes SET origin = %s, base = CASE WHEN EXISTS "
            "(SELECT 1 FROM {stage} s WHERE s.{key} = %s) THEN coalesce((SELECT "
            "to_jsonb(t) - 'search_vector' FROM {table} t WHERE t.{key} = %s), "
            "'{{}}') || (SELECT to_jsonb(s) FROM {stage} s WHERE s.{key} = %s) END "
            "WHERE table_name = %s AND key = %s"
        ).format(
            stage=self.stage,
            table=sql.Identifier(self.plan.table),
            key=sql.Identifier(self.plan.rules.key),
        )
        with self.pg.transaction():
            for conflict in conflicts:
                key = conflict.key
                self.pg.execute(
                    agreed,
                    [APP_APPLICATION_NAME, key, key, key, self.plan.table, str(key)],
                )
            self._resolve(conflicts, PREFER_APP)

    def prefer_legacy(self, conflicts: list[Conflict]) -> list[Conflict]:
        """Put the legacy versions in place (or remove the row the file deleted).

        Only rows whose journal entry is as it was read: one the app changed
        again meanwhile stays open, to be looked at again. The resolved ones.
        """
        table = sql.Identifier(self.plan.table)
        key = sql.Identifier(self.plan.rules.key)
        names = self.plan.target_columns
        columns = sql.SQL(", ").join(map(sql.Identifier, names))
        upsert = sql.SQL(
            "INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} "
            "WHERE {key} = ANY(%s) ON CONFLICT ({key}) DO UPDATE SET {sets}"
        ).format(
            table=table,
            columns=columns,
            stage=self.stage,
            key=key,
            sets=sql.SQL(", ").join(
                sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(name))
                for name in names
            ),
        )
        with self.pg.transaction():
            # The guard trigger lets the engine overwrite a tracked row only here.
            self.pg.execute("SET LOCAL aunoo.resolving = 'on'")
            self._restore_own_columns([c.key for c in conflicts])
            chosen = set(
                forget_unchanged(
                    self.pg, self.plan.table, self.journal, [c.key for c in conflicts]
                )
            )
            conflicts = [c for c in conflicts if c.key in chosen]
            self.pg.execute(upsert, [[c.key for c in conflicts if c.rowid is not None]])
            _removed, refused = remove_deleted(
                self.pg, self.plan, [c.key for c in conflicts if c.rowid is None]
            )
            done = [c for c in conflicts if c.key not in set(refused)]
            self._resolve(done, PREFER_LEGACY)
        return done

    def _restore_own_columns(self, keys: list[Any]) -> None:
        """Columns the legacy file lacks (user_id, …) back as they were agreed."""
        own = self.plan.missing
        if not own or not keys:
            return
        self.pg.execute(
            sql.SQL(
                "UPDATE {table} t SET ({columns}) = (SELECT {columns} FROM "
                "jsonb_populate_record(NULL::{table}, j.base)) "
                "FROM legacy_app_changes j WHERE j.table_name = %s "
                "AND j.key = t.{key}::text AND j.base IS NOT NULL AND t.{key} = ANY(%s)"
            ).format(
                table=sql.Identifier(self.plan.table),
                columns=sql.SQL(", ").join(map(sql.Identifier, own)),
                key=sql.Identifier(self.plan.rules.key),
            ),
            [self.plan.table, keys],
        )

    def _resolve(self, conflicts: list[Conflict], resolution: str) -> None:
        self.pg.execute(
            "UPDATE legacy_conflicts SET resolved_at = %s, resolution = %s "
            "WHERE source_path = %s AND table_name = %s AND resolved_at IS NULL "
            "AND key = ANY(%s)",
            [
                now(),
                resolution,
                self.source_path,
                self.plan.table,
                [str(conflict.key) for conflict in conflicts],
            ],
        )

    def settle(self, keys: list[Any], still_open: set[Any]) -> None:
        """Drop journal entries of settled keys; close conflicts no longer there."""
        with self.pg.transaction():
            forget_unchanged(self.pg, self.plan.table, self.journal, keys)
            self.pg.execute(
                "UPDATE legacy_conflicts SET resolved_at = %s, resolution = 'settled' "
                "WHERE source_path = %s AND table_name = %s AND resolved_at IS NULL "
                "AND NOT (key = ANY(%s))",
                [
                    now(),
                    self.source_path,
                    self.plan.table,
                    [str(key) for key in still_open],
                ],
            )


def remove_deleted(
    pg: psycopg.Connection[Any], plan: TablePlan, keys: list[Any]
) -> tuple[int, list[Any]]:
    """Remove rows the legacy file deleted; (removed, kept because still referenced)."""
    table, key = sql.Identifier(plan.table), sql.Identifier(plan.rules.key)
    delete = sql.SQL("DELETE FROM {} WHERE {} = ANY(%s)").format(table, key)
    try:
        with pg.transaction():
            pg.execute("SET CONSTRAINTS ALL IMMEDIATE")
            return pg.execute(delete, [keys]).rowcount, []
    except psycopg.errors.IntegrityError:
        pass
    removed, kept = 0, []
    for one in keys:  # rows other rows still point at stay, named
        try:
            with pg.transaction():
                pg.execute("SET CONSTRAINTS ALL IMMEDIATE")
                removed += pg.execute(delete, [[one]]).rowcount
        except psycopg.errors.IntegrityError:
            kept.append(one)
    return removed, kept
