"""PostgreSQL's side of a backup: its programs, a snapshot, the dump and the restore.

``pg_dump`` must be of the server's own major version (an older one refuses a
newer server; a newer one writes archives an older ``pg_restore`` cannot read),
so the programs are looked up by version: ``POSTGRES_BIN_DIR`` first, then the
embedded package's own binaries, then Debian's ``/usr/lib/postgresql/N/bin``,
then ``PATH``.

A restore pipes ``pg_restore``'s script into ``psql --single-transaction`` after
``DROP SCHEMA public CASCADE``: the old contents are dropped and the backup's
loaded in one transaction, so a restore that fails leaves the database as it was.
"""

from __future__ import annotations

import functools
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, Final

import psycopg
from django.conf import settings
from psycopg import sql

from aunoo import embedded_pg
from aunoo.backups.manifest import BackupRefused, TableStats

APPLICATION_NAME: Final = "aunoo-backup"
_VERSION = re.compile(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?")

# Row text depends on these session settings; pin them so a checksum taken at
# backup time and one taken after a restore render every value alike.
_CANONICAL_SESSION: Final = (
    "SET TIME ZONE 'UTC'",
    "SET DateStyle TO ISO, YMD",
    "SET IntervalStyle TO postgres",
    "SET extra_float_digits TO 1",
    "SET bytea_output TO hex",
)
# Why SQL here: a checksum of every row must be computed where the rows are.
# Each row's md5 gives 64 bits; their sum (numeric, so it never overflows) does
# not depend on the order PostgreSQL reads the rows in.
_TABLE_STATS: Final = (
    "SELECT count(*), coalesce(sum(('x' || left(md5(t::text), 16))::bit(64)"
    "::bigint::numeric), 0)::text FROM {table} AS t"
)
_TABLES: Final = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname"
)

_COMPRESSION: Final = (
    "SELECT c.relname, a.attname, CASE a.attcompression WHEN 'l' THEN 'lz4'"
    " WHEN 'p' THEN 'pglz' END FROM pg_attribute a"
    " JOIN pg_class c ON c.oid = a.attrelid"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0"
    " AND NOT a.attisdropped AND a.attcompression <> '' ORDER BY 1, 2"
)
_METHODS: Final = frozenset({"lz4", "pglz"})


@dataclass(frozen=True)
class Server:
    """One PostgreSQL database as libpq programs and psycopg reach it."""

    params: dict[str, str]
    version: str
    major: int

    @property
    def dbname(self) -> str:
        return self.params.get("dbname", "")

    def connect(self, **extra: Any) -> psycopg.Connection[Any]:
        return psycopg.connect(psycopg.conninfo.make_conninfo(**self.params), **extra)

    def conninfo(self) -> str:
        """The connection string for ``--dbname``, without the password."""
        return psycopg.conninfo.make_conninfo(
            **{k: v for k, v in self.params.items() if k != "password"}
        )

    def environment(self) -> dict[str, str]:
        # The password goes through the environment, never the command line.
        env = dict(os.environ)
        if self.params.get("password"):
            env["PGPASSWORD"] = self.params["password"]
        return env

    def with_database(self, name: str) -> Server:
        return replace(self, params={**self.params, "dbname": name})


def server(alias: str = "analytics") -> Server:
    """The server behind a Django alias, with its version.

    Always PostgreSQL itself, never pgbouncer: ``pg_dump --snapshot`` needs the
    session that exported the snapshot (see :func:`legacy.connect.engine_params`).
    """
    from legacy.connect import engine_params

    known = {option.keyword.decode() for option in psycopg.pq.Conninfo.get_defaults()}
    params = {
        key: str(value)
        for key, value in engine_params(alias).items()
        if key in known and value not in (None, "")
    }
    params["application_name"] = APPLICATION_NAME
    try:
        conninfo = psycopg.conninfo.make_conninfo(**params, connect_timeout=10)
        with psycopg.connect(conninfo) as conn:
            number = int(conn.execute("SHOW server_version_num").fetchone()[0])  # type: ignore[index]
            version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    except psycopg.Error as exc:
        raise BackupRefused(
            f"The {alias!r} PostgreSQL database cannot be reached ({exc}): start "
            "it or fix DATABASE_URL / POSTGRES_HOST."
        ) from exc
    return Server(params=params, version=version.split()[0], major=number // 10000)


def program(name: str, major: int) -> Path:
    """``name`` (pg_dump, pg_restore, psql) of PostgreSQL ``major``, or refuse."""
    found = []
    for candidate in _candidates(name, major):
        if not (candidate.is_file() and os.access(candidate, os.X_OK)):
            continue
        version = program_version(str(candidate))
        if version is not None and version[0] == major:
            return candidate
        found.append(f"{candidate} is {'.'.join(map(str, version or ())) or '?'}")
    seen = f" (found: {'; '.join(found)})" if found else ""
    raise BackupRefused(
        f"No {name} of PostgreSQL {major} on this machine{seen}; {name} must be of "
        f"the server's own major version. Install Debian's postgresql-client-{major} "
        f"(`apt-get install postgresql-client-{major}`; if your Debian release lacks "
        "that version, add the PostgreSQL project's apt repository, "
        "apt.postgresql.org, first), or set POSTGRES_BIN_DIR to a folder holding "
        f"{name} {major}."
    )


def _candidates(name: str, major: int) -> Iterator[Path]:
    if settings.POSTGRES_BIN_DIR:
        yield Path(settings.POSTGRES_BIN_DIR) / name
    yield embedded_pg.bin_dir() / name
    yield Path(f"/usr/lib/postgresql/{major}/bin") / name
    on_path = shutil.which(name)
    if on_path:
        yield Path(on_path)


@functools.lru_cache
def program_version(path: str) -> tuple[int, int] | None:
    """(major, minor) from ``path --version``, None if it does not say."""
    try:
        output = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(output)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


@contextmanager
def snapshot(db: Server) -> Iterator[tuple[psycopg.Connection[Any], str]]:
    """A read-only repeatable-read transaction and its exported snapshot's id.

    ``pg_dump --snapshot`` reads exactly what this transaction reads, so the
    counts and checksums taken here describe the dump; the transaction must stay
    open until pg_dump has started.
    """
    with db.connect() as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        for statement in _CANONICAL_SESSION:
            conn.execute(statement)
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        try:
            yield conn, str(row[0])
        finally:
            conn.rollback()


@dataclass
class Job:
    """A running PostgreSQL program and the file its error messages go to."""

    process: subprocess.Popen[bytes]
    errors: IO[bytes]
    what: str

    def finish(self) -> None:
        """Wait for the program; refuse with its own message if it failed."""
        returncode = self.process.wait()
        if returncode == 0:
            return
        self.errors.seek(0)
        message = self.errors.read().decode(errors="replace").strip()
        raise BackupRefused(f"{self.what} failed (exit {returncode}): {message}")


def start(what: str, command: list[str], **options: Any) -> Job:
    # Closed when the Job is collected: it must outlive this function.
    errors = tempfile.TemporaryFile()  # noqa: SIM115
    process = subprocess.Popen(command, stderr=errors, **options)
    return Job(process, errors, what)


def start_dump(db: Server, snapshot_id: str, path: Path) -> Job:
    """Start ``pg_dump`` of the snapshot into ``path`` (custom format)."""
    command = [
        str(program("pg_dump", db.major)),
        "--format=custom",
        "--no-password",
        *(["--no-toast-compression"] if db.major >= 14 else []),
        f"--snapshot={snapshot_id}",
        "--lock-wait-timeout=60s",
        f"--file={path}",
        f"--dbname={db.conninfo()}",
    ]
    return start("pg_dump", command, env=db.environment(), stdout=subprocess.DEVNULL)


def table_stats(conn: psycopg.Connection[Any]) -> dict[str, TableStats]:
    """Rows and a checksum of every row, per table of the public schema."""
    stats: dict[str, TableStats] = {}
    for (table,) in conn.execute(_TABLES).fetchall():
        query = sql.SQL(_TABLE_STATS).format(table=sql.Identifier(table))
        row = conn.execute(query).fetchone()
        assert row is not None
        stats[table] = {"rows": int(row[0]), "checksum": str(row[1])}
    return stats


def database_stats(db: Server) -> dict[str, TableStats]:
    with db.connect() as conn:
        for statement in _CANONICAL_SESSION:
            conn.execute(statement)
        return table_stats(conn)


def applied_migrations(conn: psycopg.Connection[Any]) -> dict[str, list[str]]:
    """Django's record of applied migrations, per app (empty if none yet)."""
    exists = conn.execute("SELECT to_regclass('public.django_migrations')").fetchone()
    if exists is None or exists[0] is None:
        return {}
    applied: dict[str, list[str]] = {}
    for app, name in conn.execute(
        "SELECT app, name FROM django_migrations ORDER BY app, id"
    ).fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def tables_with_rows(db: Server, ignore: frozenset[str]) -> dict[str, int]:
    """Tables holding at least one row (a count of up to 1,000 each)."""
    found: dict[str, int] = {}
    with db.connect() as conn:
        for (table,) in conn.execute(_TABLES).fetchall():
            if table in ignore:
                continue
            query = sql.SQL(
                "SELECT count(*) FROM (SELECT 1 FROM {} LIMIT 1000) AS t"
            ).format(sql.Identifier(table))
            row = conn.execute(query).fetchone()
            if row and row[0]:
                found[table] = int(row[0])
    return found


def column_compression(conn: psycopg.Connection[Any]) -> list[list[str]]:
    """[table, column, method] of each column with its own TOAST compression."""
    if conn.info.server_version < 140000:
        return []  # no per-column compression before PostgreSQL 14
    return [list(row) for row in conn.execute(_COMPRESSION).fetchall()]


def _recompress(db: Server, compression: list[list[str]]) -> tuple[str, list[str]]:
    """The statements giving columns back their compression, and those it cannot.

    Dumps leave compression out (a server built without lz4 refuses to load a
    column that names it); it is given back where the target server has it.
    """
    statements: list[str] = []
    skipped: list[str] = []
    with db.connect() as conn:
        for table, column, method in compression:
            if method not in _METHODS or not _has_compression(conn, method):
                skipped.append(f"{table}.{column} ({method})")
                continue
            statements.append(
                sql.SQL("ALTER TABLE public.{} ALTER COLUMN {} SET COMPRESSION {};")
                .format(sql.Identifier(table), sql.Identifier(column), sql.SQL(method))
                .as_string(conn)
            )
    return " ".join(statements), skipped


def _has_compression(conn: psycopg.Connection[Any], method: str) -> bool:
    try:
        with conn.transaction():
            conn.execute(
                sql.SQL("SET LOCAL default_toast_compression = {}").format(
                    sql.Literal(method)
                )
            )
    except psycopg.Error:
        return False  # the server was built without it
    return True


def restore(
    db: Server, archive: Path, compression: list[list[str]] | None = None
) -> list[str]:
    """Replace the public schema of ``db`` with the archive's, in one transaction.

    The script passes through this process so that psql never reaches the end of
    its input (and so never commits) when pg_restore stops half way. Returns
    the columns whose compression this server cannot give back.
    """
    recompress, skipped = _recompress(db, compression or [])
    script = start(
        f"Reading {archive.name} with pg_restore",
        [
            str(program("pg_restore", db.major)),
            "--no-owner",
            "--no-privileges",
            "--file=-",
            str(archive),
        ],
        stdout=subprocess.PIPE,
    )
    load = start(
        f"Loading {archive.name} with psql",
        [
            str(program("psql", db.major)),
            "--no-psqlrc",
            "--quiet",
            "--no-password",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            # A session of the app holding a table would block the DROP for
            # ever; the script itself sets lock_timeout back to 0 after it.
            "--command=SET lock_timeout = '60s';"
            " DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;",
            "--file=-",
            *([f"--command={recompress}"] if recompress else []),
            f"--dbname={db.conninfo()}",
        ],
        env=db.environment(),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    assert script.process.stdout is not None and load.process.stdin is not None
    try:
        shutil.copyfileobj(script.process.stdout, load.process.stdin, 1 << 20)
        script.finish()
    except BrokenPipeError:
        script.process.kill()
        load.finish()  # psql stopped first: its message says why
        raise
    except BaseException:
        script.process.kill()
        load.process.kill()  # no end of input, no COMMIT: the server rolls back
        load.process.wait()
        raise
    load.process.stdin.close()
    load.finish()
    return skipped


@contextmanager
def scratch_database(db: Server) -> Iterator[Server]:
    """A new, empty database on ``db``'s server, dropped afterwards."""
    name = f"{db.dbname[:40]}_verify_{secrets.token_hex(4)}"
    create = sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(
        sql.Identifier(name)
    )
    with db.connect(autocommit=True) as conn:
        try:
            conn.execute(create)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise BackupRefused(
                f"restore --verify needs a scratch database, and the role "
                f"{db.params.get('user', '')!r} may not create one ({exc}): grant it "
                "CREATEDB or verify as a role that has it."
            ) from exc
    try:
        yield db.with_database(name)
    finally:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)
        )
        with db.connect(autocommit=True) as conn:
            conn.execute(drop)
