"""What the app did to the analytics tables while a legacy file is still caught up.

During the cut-over both apps are in use: analysts mark matches read and write
notes here while the legacy app keeps adding rows there. Catch-up must bring the
legacy app's work without undoing the analysts'. Two triggers per tracked table
make that safe, whoever writes and however:

* ``legacy_track`` (AFTER, every session but the engine's) records each key the
  app created, changed or deleted in ``legacy_app_changes``, with the row as it
  was before its first change (the version both sides last agreed on);
* ``legacy_guard`` (BEFORE UPDATE/DELETE, the engine's sessions only) refuses
  to overwrite or delete a recorded row, so an analyst's change that lands
  between catch-up's comparison and its write is never lost: the row stays as
  the app left it and the next catch-up reports it.

Sessions are told apart by ``application_name``: the app connects as
``aunoo``, the engine as ``aunoo-legacy``. A change from any other session (a
``psql`` prompt, say) is recorded too, so catch-up never overwrites it either,
but validation reports it as made outside the app.

The triggers are created disabled and enabled by the first migration run, so a
project that never moves a legacy file pays nothing for them on its writes.

Rows the app creates in tables with numeric ids take ids above
:data:`APP_IDS_ABOVE`, which the legacy file never hands out, so a note written
here and a note written there can never share an id.
"""

from __future__ import annotations

from typing import Any, Final

import psycopg
from psycopg import sql

from aunoo.databases import APPLICATION_NAME

APP_APPLICATION_NAME: Final = APPLICATION_NAME
ENGINE_APPLICATION_NAME: Final = "aunoo-legacy"
APP_IDS_ABOVE: Final = 1_000_000_000_000

# Why SQL here: only triggers see every write, from the ORM, raw SQL and COPY alike.
_RECORD = """
    INSERT INTO legacy_app_changes
        (table_name, key, base, origin, first_changed_at, changed_at)
    VALUES (TG_TABLE_NAME, {value}::text, {base},
            current_setting('application_name'), now(), now())
    ON CONFLICT (table_name, key) DO UPDATE
        SET changed_at = EXCLUDED.changed_at,
            -- A change from outside the app stays marked as such until an
            -- operator chooses: a later edit in the app must not launder it.
            origin = CASE WHEN legacy_app_changes.origin = '{app}'
                          THEN EXCLUDED.origin ELSE legacy_app_changes.origin END;
"""

_TRACK_FUNCTION = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {record_old}
    END IF;
    IF TG_OP = 'INSERT'
       OR (TG_OP = 'UPDATE' AND NEW.{key} IS DISTINCT FROM OLD.{key}) THEN
        {record_new}
    END IF;
    RETURN NULL;
END $$
"""

# The guard reads the journal with a fresh snapshot (a volatile function's
# query does), so it sees an app change committed a moment ago.
_GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION legacy_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('aunoo.resolving', true) = 'on' THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF EXISTS (
        SELECT 1 FROM legacy_app_changes
        WHERE table_name = TG_TABLE_NAME
          AND key = (to_jsonb(OLD) ->> TG_ARGV[0])
    ) THEN
        RETURN NULL;
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$
"""


def install_sql(table: str, key: str) -> list[str]:
    """The statements that create both triggers of ``table``, disabled."""
    function = f"legacy_track_{table}"
    base = "to_jsonb(OLD) - 'search_vector'"
    track = _TRACK_FUNCTION.format(
        function=function,
        key=key,
        record_old=_RECORD.format(
            value=f"OLD.{key}", base=base, app=APP_APPLICATION_NAME
        ),
        record_new=_RECORD.format(
            value=f"NEW.{key}", base="NULL", app=APP_APPLICATION_NAME
        ),
    )
    return [
        track,
        f"CREATE TRIGGER legacy_track AFTER INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH ROW WHEN (current_setting('application_name') IS DISTINCT FROM "
        f"'{ENGINE_APPLICATION_NAME}') EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER legacy_guard BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW WHEN (current_setting('application_name') = "
        f"'{ENGINE_APPLICATION_NAME}') EXECUTE FUNCTION legacy_guard('{key}')",
        f"ALTER TABLE {table} DISABLE TRIGGER legacy_track",
        f"ALTER TABLE {table} DISABLE TRIGGER legacy_guard",
    ]


def install_all_sql(tables: dict[str, str]) -> list[str]:
    """Both triggers for each of ``tables`` ({table: key}), and app id ranges."""
    statements = [_GUARD_FUNCTION]
    for table, key in tables.items():
        statements += install_sql(table, key)
    for table in [table for table, key in tables.items() if key == "id"]:
        # New rows take ids the legacy file never hands out.
        statements.append(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"greatest((SELECT coalesce(max(id), 0) FROM {table}), {APP_IDS_ABOVE}))"
        )
    return statements


def uninstall_all_sql(tables: dict[str, str]) -> list[str]:
    statements = []
    for table in tables:
        statements += [
            f"DROP TRIGGER IF EXISTS legacy_track ON {table}",
            f"DROP TRIGGER IF EXISTS legacy_guard ON {table}",
            f"DROP FUNCTION IF EXISTS legacy_track_{table}()",
        ]
    return [*statements, "DROP FUNCTION IF EXISTS legacy_guard()"]


def tracked_tables(pg: psycopg.Connection[Any]) -> list[str]:
    """The tables that carry the tracking triggers (every migration adds its own)."""
    rows = pg.execute(
        "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger "
        "WHERE tgname = 'legacy_track' ORDER BY 1"
    ).fetchall()
    return [name for (name,) in rows]


def set_tracking(pg: psycopg.Connection[Any], *, enabled: bool) -> None:
    """Turn recording of the app's changes (and the engine's guard) on or off."""
    verb = sql.SQL("ENABLE" if enabled else "DISABLE")
    with pg.transaction():
        for table in tracked_tables(pg):
            for trigger in ("legacy_track", "legacy_guard"):
                pg.execute(
                    sql.SQL("ALTER TABLE {} {} TRIGGER {}").format(
                        sql.Identifier(table), verb, sql.Identifier(trigger)
                    )
                )


def tracking_enabled(pg: psycopg.Connection[Any]) -> bool:
    row = pg.execute(
        "SELECT tgenabled <> 'D' FROM pg_trigger "
        "WHERE tgname = 'legacy_track' AND tgrelid = 'articles'::regclass"
    ).fetchone()
    return bool(row and row[0])
