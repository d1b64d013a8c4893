"""manage.py backup and restore, against the real SQLite and PostgreSQL servers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from articles.models import Article, ArticleAnnotation
from aunoo import embedded_pg
from aunoo.backups import folders, last_good_backup, postgres, sqlite
from aunoo.backups.folders import complete_backups
from aunoo.backups.manifest import BackupRefused

pytestmark = pytest.mark.django_db(databases=["default", "analytics"], transaction=True)


@pytest.fixture(autouse=True)
def backup_dir(tmp_path: Path, settings) -> Path:
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR


def seed() -> None:
    user = User.objects.create_user("mel", "mel@example.com", "mel-password-1")
    article = Article.objects.create(
        uri="https://news.example/1", title="Solar output doubles", analyzed=True
    )
    ArticleAnnotation.objects.create(
        article=article, author="mel", user_id=user.id, content="Check the source"
    )


def take_backup(*args: str) -> Path:
    out = StringIO()
    call_command("backup", *args, stdout=out)
    assert "Backup complete" in out.getvalue()
    return complete_backups(Path(settings.BACKUP_DIR))[0]


def restore(*args: str) -> tuple[int, str]:
    """``manage.py restore ARGS`` in this process: (exit code, all output)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("restore", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + err.getvalue() + str(exc)
    return 0, out.getvalue() + err.getvalue()


def edit_manifest(folder: Path, change) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def live_state() -> tuple[int, int, int]:
    return (
        User.objects.count(),
        Article.objects.count(),
        ArticleAnnotation.objects.count(),
    )


@pytest.fixture
def backup() -> Path:
    seed()
    return take_backup()


# --- backup -------------------------------------------------------------------


def test_backup_holds_both_databases_with_a_manifest(backup: Path) -> None:
    manifest = json.loads((backup / "manifest.json").read_text())
    default, analytics = (manifest["databases"][a] for a in ("default", "analytics"))
    assert default["tables"]["auth_user"]["rows"] == 1
    assert analytics["tables"]["articles"]["rows"] == 1
    assert analytics["tables"]["article_annotations"]["rows"] == 1
    assert "0001_initial" in default["migrations"]["accounts"]
    assert "0001_initial" in analytics["migrations"]["articles"]
    server = postgres.server()
    assert analytics["major"] == server.major
    assert manifest["versions"]["pg_dump"].split(".")[0] == str(server.major)
    assert set(manifest["files"]) == {"default.sqlite3", "analytics.dump"}
    for name, entry in manifest["files"].items():
        assert entry["bytes"] == (backup / name).stat().st_size
        assert len(entry["sha256"]) == 64


def test_backup_during_concurrent_writes_is_consistent(tmp_path: Path) -> None:
    article = Article.objects.create(uri="https://news.example/busy")
    stop = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        # As the app does: the user (SQLite) first, then notes naming it.
        number = 0
        try:
            while not stop.is_set():
                number += 1
                user = User.objects.create(username=f"writer-{number}")
                ArticleAnnotation.objects.create(
                    article=article, author=user.username, user_id=user.id,
                    content=f"note {number}",
                )  # fmt: skip
        except BaseException as exc:  # noqa: BLE001  reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while ArticleAnnotation.objects.count() < 20 and writer.is_alive():
            time.sleep(0.01)
        before = ArticleAnnotation.objects.count()
        folder = take_backup()
        after = ArticleAnnotation.objects.count()
        while ArticleAnnotation.objects.count() <= after and writer.is_alive():
            time.sleep(0.01)  # the writer goes on after the backup
    finally:
        stop.set()
        writer.join()
    assert errors == []

    manifest = json.loads((folder / "manifest.json").read_text())
    in_backup = manifest["databases"]["analytics"]["tables"]["article_annotations"]
    assert before <= in_backup["rows"] <= after
    # Every note of the backup names a user of the backup.
    users = {row[0] for row in sqlite_rows(folder / "default.sqlite3", "auth_user")}
    with postgres.scratch_database(postgres.server()) as scratch:
        postgres.restore(scratch, folder / "analytics.dump")
        with scratch.connect() as conn:
            noted = conn.execute("SELECT user_id FROM article_annotations").fetchall()
    assert len(noted) == in_backup["rows"]
    assert {row[0] for row in noted} <= users
    assert restore(str(folder), "--verify")[0] == 0


def sqlite_rows(path: Path, table: str) -> list[tuple]:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(f"file:{path}?immutable=1", uri=True)) as conn:
        return conn.execute(f"SELECT id FROM {table}").fetchall()


def test_keep_deletes_all_but_the_newest_backups(
    backup: Path, backup_dir: Path
) -> None:
    older = [backup_dir / f"aunoo-2020010{n}T000000Z" for n in (1, 2, 3)]
    for folder in older:
        shutil.copytree(backup, folder)
    stale = backup_dir / "aunoo-20200104T000000Z.partial"
    stale.mkdir()
    unrelated = backup_dir / "keep-me"
    unrelated.mkdir()
    newest = take_backup("--keep", "2")
    assert complete_backups(backup_dir) == [newest, backup]
    assert not stale.exists()
    assert unrelated.exists()


def test_keep_refuses_zero() -> None:
    with pytest.raises(CommandError, match="--keep: must be a whole number of 1"):
        call_command("backup", "--keep", "0")


def test_last_good_backup_is_the_newest_complete_one(
    backup: Path, backup_dir: Path
) -> None:
    found = last_good_backup()
    assert found is not None
    assert found.path == backup
    assert found.verified_at is None
    assert found.age().total_seconds() < 600
    (backup_dir / "aunoo-29990101T000000Z.partial").mkdir()
    assert last_good_backup().path == backup
    assert restore(str(backup), "--verify")[0] == 0
    assert last_good_backup().verified_at is not None


def test_last_good_backup_is_none_without_backups(backup_dir: Path) -> None:
    assert last_good_backup() is None


def test_a_pg_dump_of_another_major_version_is_refused_with_the_package_to_install():
    with pytest.raises(BackupRefused, match="apt-get install postgresql-client-99"):
        postgres.program("pg_dump", 99)


# --- restore: refusals before anything is touched ---------------------------------


def refused(folder: Path, *args: str) -> tuple[int, str]:
    """Restore with --force; assert it changed nothing in the live databases."""
    state = live_state()
    code, output = restore(str(folder), "--force", *args)
    assert code != 0
    assert live_state() == state
    return code, output


def test_truncated_dump_is_refused_naming_the_file(backup: Path) -> None:
    dump = backup / "analytics.dump"
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    code, output = refused(backup)
    assert code == 1
    assert f"{dump} is truncated" in output


def test_corrupted_sqlite_copy_is_refused_naming_the_file(backup: Path) -> None:
    copy = backup / "default.sqlite3"
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    _code, output = refused(backup)
    assert f"{copy} is damaged: its sha256" in output


def test_missing_file_is_refused(backup: Path) -> None:
    (backup / "analytics.dump").unlink()
    assert "analytics.dump is missing" in refused(backup)[1]


def test_damaged_manifest_is_refused(backup: Path) -> None:
    manifest = backup / "manifest.json"
    manifest.write_text(manifest.read_text()[:100])
    assert f"{manifest} is damaged" in refused(backup)[1]


def test_folder_without_manifest_is_a_usage_error(tmp_path: Path) -> None:
    assert refused(tmp_path) == (
        2,
        f"{tmp_path / 'manifest.json'} does not exist: {tmp_path} is not a complete "
        "backup. Pass a folder made by `manage.py backup` (an unfinished one ends "
        "in .partial).",
    )


def test_wrong_engine_is_refused(backup: Path) -> None:
    edit_manifest(backup, lambda m: m["databases"]["analytics"].update(engine="mysql"))
    assert "its 'analytics' database is mysql" in refused(backup)[1]


def test_newer_postgresql_version_is_refused(backup: Path) -> None:
    def newer(manifest):
        manifest["databases"]["analytics"].update(major=99, version="99.1")

    edit_manifest(backup, newer)
    _code, output = refused(backup)
    assert "was made from PostgreSQL 99.1" in output
    assert "Restore it into a PostgreSQL 99 server" in output


def test_backup_from_newer_code_is_refused(backup: Path) -> None:
    edit_manifest(
        backup,
        lambda m: m["databases"]["default"]["migrations"]["accounts"].append(
            "0999_future"
        ),
    )
    assert "does not know (accounts.0999_future)" in refused(backup)[1]


def test_non_empty_target_is_refused_without_force(backup: Path) -> None:
    state = live_state()
    code, output = restore(str(backup))
    assert code == 2
    assert "The target databases are not empty" in output
    assert "auth_user (1)" in output
    assert "articles (1)" in output
    assert "Pass --force" in output
    assert live_state() == state


# --- restore ------------------------------------------------------------------


def test_verify_restores_into_scratch_databases_and_leaves_live_data(
    backup: Path,
) -> None:
    Article.objects.create(uri="https://news.example/after-the-backup")
    code, output = restore(str(backup), "--verify")
    assert code == 0, output
    assert "Verified: every table's row count and checksum equal" in output
    assert Article.objects.count() == 2


def test_verify_reports_a_table_that_differs(backup: Path) -> None:
    def tamper(manifest):
        manifest["databases"]["analytics"]["tables"]["articles"]["checksum"] = "1"

    edit_manifest(backup, tamper)
    code, output = restore(str(backup), "--verify")
    assert code == 1
    assert "analytics.articles: 1 rows as in the backup, but their contents" in output


def test_force_restores_over_live_data(backup: Path) -> None:
    Article.objects.create(uri="https://news.example/after-the-backup")
    User.objects.create(username="after-the-backup")
    code, output = restore(str(backup), "--force")
    assert code == 0, output
    assert list(Article.objects.values_list("uri", flat=True)) == [
        "https://news.example/1"
    ]
    assert list(User.objects.values_list("username", flat=True)) == ["mel"]


# --- restore on an empty machine (a process of its own) ------------------------


def fresh_machine(tmp_path: Path) -> tuple[dict[str, str], postgres.Server]:
    """An environment with no SQLite file and an empty PostgreSQL database."""
    live = postgres.server()
    name = f"aunoo_restored_{os.getpid()}_{tmp_path.name[-12:]}".replace("-", "_")
    with live.connect(autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    target = live.with_database(name)
    params = target.params
    user = quote(params.get("user", "postgres"))
    password = f":{quote(params['password'])}" if params.get("password") else ""
    host = params.get("host", "")
    if host.startswith("/"):
        url = f"postgres://{user}{password}@/{name}?host={quote(host)}"
    else:
        url = f"postgres://{user}{password}@{host}:{params.get('port', 5432)}/{name}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aunoo.settings",
        "AUNOO_ENV_FILE": os.devnull,
        "DATABASE_URL": url,
        "SQLITE_DB_PATH": str(tmp_path / "machine" / "aunoo.sqlite3"),
        "BACKUP_DIR": str(tmp_path / "machine" / "backups"),
    }
    return env, target


@pytest.fixture
def empty_machine(tmp_path: Path):
    env, target = fresh_machine(tmp_path)
    yield env, target
    with postgres.server().connect(autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.dbname}" WITH (FORCE)')


def run_restore(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "restore", *args],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def stats_of(server: postgres.Server, sqlite_path: Path):
    return postgres.database_stats(server), sqlite.table_stats(sqlite_path, live=True)


def test_restore_on_an_empty_machine_gives_every_table_back(
    backup: Path, empty_machine
) -> None:
    env, target = empty_machine
    done = run_restore(env, str(backup))
    assert done.returncode == 0, done.stderr
    assert "Restored: every table's row count and checksum equal" in done.stdout
    source = stats_of(
        postgres.server(), Path(connections["default"].settings_dict["NAME"])
    )
    restored = stats_of(target, Path(env["SQLITE_DB_PATH"]))
    assert restored == source
    assert restored[0]["article_annotations"]["rows"] == 1


def test_restore_applies_migrations_newer_than_the_backup(empty_machine) -> None:
    env, _target = empty_machine
    seed()
    call_command("migrate", "accounts", "0002", database="default", verbosity=0)
    try:
        backup = take_backup()
    finally:
        call_command("migrate", "accounts", database="default", verbosity=0)
    done = run_restore(env, str(backup))
    assert done.returncode == 0, done.stderr
    applying = next(
        line for line in done.stdout.splitlines() if line.startswith("Applying ")
    )
    assert "migrations newer than the backup: " in applying, done.stdout
    assert "accounts.0003_legacy_extra (default)" in applying
    restored = sqlite.table_stats(Path(env["SQLITE_DB_PATH"]), live=True)
    assert restored["auth_user"]["rows"] == 1
    applied = sqlite_applied(Path(env["SQLITE_DB_PATH"]))
    assert ("accounts", "0003_legacy_extra") in applied


def sqlite_applied(path: Path) -> set[tuple[str, str]]:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(path)) as conn:
        return set(conn.execute("SELECT app, name FROM django_migrations"))


def test_restore_refuses_a_server_with_data_in_a_process_too(
    backup: Path, empty_machine
) -> None:
    env, target = empty_machine
    with target.connect(autocommit=True) as conn:
        conn.execute("CREATE TABLE leftover (id int)")
        conn.execute("INSERT INTO leftover VALUES (1)")
    done = run_restore(env, str(backup))
    assert done.returncode == 2
    assert "leftover (1)" in done.stderr
    with target.connect() as conn:
        assert conn.execute("SELECT count(*) FROM leftover").fetchone() == (1,)


def test_a_dump_that_fails_half_way_leaves_no_partial_backup(
    tmp_path: Path, backup_dir: Path, settings
) -> None:
    major = postgres.server().major
    fake = tmp_path / "bin"
    fake.mkdir()
    pg_dump = fake / "pg_dump"
    pg_dump.write_text(
        "#!/bin/sh\n"
        f'[ "$1" = --version ] && echo "pg_dump (PostgreSQL) {major}.0" && exit 0\n'
        "echo 'could not write: No space left on device' >&2; exit 1\n"
    )
    pg_dump.chmod(0o755)
    settings.POSTGRES_BIN_DIR = str(fake)
    with pytest.raises(
        CommandError, match=r"pg_dump failed \(exit 1\): could not write"
    ):
        call_command("backup")
    assert list(backup_dir.iterdir()) == [backup_dir / ".backup.lock"]


def test_a_second_backup_at_once_is_refused(backup_dir: Path) -> None:
    backup_dir.mkdir()
    with (
        folders.exclusive(backup_dir),
        pytest.raises(CommandError, match="Another backup is running"),
    ):
        call_command("backup")


def test_a_load_that_stops_half_way_changes_nothing(backup: Path, tmp_path) -> None:
    truncated = tmp_path / "analytics.dump"
    data = (backup / "analytics.dump").read_bytes()
    truncated.write_bytes(data[: len(data) * 3 // 4])
    Article.objects.create(uri="https://news.example/after-the-backup")
    with pytest.raises(BackupRefused, match="pg_restore failed"):
        postgres.restore(postgres.server(), truncated)
    assert Article.objects.count() == 2


def test_columns_get_their_compression_back(backup: Path) -> None:
    manifest = json.loads((backup / "manifest.json").read_text())
    assert restore(str(backup), "--force")[0] == 0
    with postgres.server().connect() as conn:
        restored = postgres.column_compression(conn)
    assert restored == manifest["databases"]["analytics"]["column_compression"]


def test_a_backup_restores_into_a_newer_postgresql(backup: Path, tmp_path) -> None:
    """PostgreSQL's upgrade path: this server's dump into the embedded one."""
    source = postgres.server()
    newer = postgres.program_version(str(embedded_pg.bin_dir() / "postgres"))
    if newer is None or newer[0] <= source.major:
        pytest.skip(f"needs a server older than the embedded {newer}: run with the "
                    "DATABASE_URL of an older PostgreSQL")  # fmt: skip
    pgdata = tmp_path / "newer"
    socket_dir = embedded_pg.ensure_running(pgdata, throwaway=True)
    try:
        target = postgres.Server(
            params={"host": socket_dir, "user": "postgres", "dbname": "aunoo"},
            version=".".join(map(str, newer)),
            major=newer[0],
        )
        manifest = json.loads((backup / "manifest.json").read_text())
        postgres.restore(
            target,
            backup / "analytics.dump",
            manifest["databases"]["analytics"]["column_compression"],
        )
        assert (
            postgres.database_stats(target)
            == manifest["databases"]["analytics"]["tables"]
        )
    finally:
        embedded_pg.stop(pgdata)
