from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import LegacyProfile, OAuthAllowlistEntry, OAuthUser
from aunoo.tests.sqlite_files import (
    copy_with_hot_journal,
    copy_with_pending_wal,
    execute,
    held_by_a_writer,
    sqlite_rows,
    unwritable,
)
from config_app.models import (
    AppSetting,
    FeedKeywordGroup,
    KeywordGroup,
    KeywordMonitorSettings,
    MonitoredKeyword,
    Tag,
    UserFeedSubscription,
)
from config_app.tests.legacy_config_files import USERS_BEFORE_APRIL_2025, bcrypt_hash
from legacy.config import import_config
from legacy.config_report import ConfigReport
from legacy.generate import GeneratedFacts, generate_legacy_file
from legacy.source import LegacySource

LEGACY_DIR = Path(settings.BASE_DIR).parent / "shared" / "legacy"
REAL_2025_10 = LEGACY_DIR / "fnaapp_20251007_1d8143a4.db"
REAL_2025_03 = LEGACY_DIR / "fnaapp_20250318_4c0b0e03.db"


def run_import(source: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_legacy_config", "--source", str(source), *args, stdout=out)
    return out.getvalue()


def import_legacy_config(path: Path, *, dry_run: bool = False) -> ConfigReport:
    with LegacySource(path) as source:
        return import_config(source, dry_run=dry_run)


def counts(path: Path) -> dict[str, tuple[int, int, int, int]]:
    report = import_legacy_config(path)
    return {
        table.table: (table.created, table.updated, table.unchanged, table.rejected)
        for table in report.tables
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFacts:
    # A dirty 2025-10 file also carries a legacy `config (name, content)` table.
    path = tmp_path_factory.mktemp("legacy") / "fnaapp.db"
    return generate_legacy_file(path, articles=60, seed=5)


@pytest.fixture
def source(generated: GeneratedFacts) -> Path:
    return generated.path


@pytest.fixture
def copy(generated: GeneratedFacts, tmp_path: Path) -> Path:
    """A copy of the generated file that a test may change."""
    path = tmp_path / "fnaapp.db"
    with (
        sqlite3.connect(generated.path) as original,
        sqlite3.connect(path) as duplicate,
    ):
        original.backup(duplicate)
    return path


def real_file(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path} is not here")
    return path


@pytest.mark.legacy_files
@pytest.mark.django_db(databases=["default"])
def test_real_admin_keeps_its_bcrypt_hash() -> None:
    source = real_file(REAL_2025_10)
    run_import(source)
    [(legacy_hash,)] = sqlite_rows(
        source, "SELECT password_hash FROM users WHERE username = 'admin'"
    )
    assert User.objects.get(username="admin").password == f"bcrypt${legacy_hash}"


@pytest.mark.legacy_files
@pytest.mark.django_db(databases=["default"])
def test_real_keyword_ids_are_kept() -> None:
    source = real_file(REAL_2025_10)
    run_import(source)
    legacy = sqlite_rows(source, "SELECT id, group_id, keyword FROM monitored_keywords")
    imported = MonitoredKeyword.objects.values_list("id", "group_id", "keyword")
    assert sorted(imported) == sorted(legacy)


@pytest.mark.legacy_files
@pytest.mark.django_db(databases=["default"])
def test_real_file_is_not_changed() -> None:
    source = real_file(REAL_2025_10)
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    run_import(source)
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before


@pytest.mark.legacy_files
@pytest.mark.django_db(databases=["default"])
def test_real_old_schema_file_imports_with_defaults() -> None:
    run_import(real_file(REAL_2025_03))
    assert KeywordGroup.objects.get(pk=5).provider == "news"


@pytest.mark.legacy_files
@pytest.mark.django_db(databases=["default"])
def test_real_old_schema_flag_is_imported() -> None:
    run_import(real_file(REAL_2025_03))
    assert User.objects.get(username="admin").legacy_profile.force_password_change


# --- users ------------------------------------------------------------------


@pytest.mark.django_db(databases=["default"])
def test_old_password_authenticates(generated: GeneratedFacts) -> None:
    run_import(generated.path)
    password = generated.passwords["analyst"]
    assert authenticate(username="analyst", password=password) is not None


@pytest.mark.django_db(databases=["default"])
def test_wrong_password_is_refused(source: Path) -> None:
    run_import(source)
    assert authenticate(username="analyst", password="not-the-password") is None


@pytest.mark.django_db(databases=["default"])
def test_hash_is_carried_over_exactly(source: Path) -> None:
    run_import(source)
    [(legacy_hash,)] = sqlite_rows(
        source, "SELECT password_hash FROM users WHERE username = 'analyst'"
    )
    assert User.objects.get(username="analyst").password == f"bcrypt${legacy_hash}"


@pytest.mark.django_db(databases=["default"])
def test_legacy_admin_becomes_superuser(source: Path) -> None:
    run_import(source)
    admin = User.objects.get(username="admin")
    assert (admin.is_staff, admin.is_superuser) == (True, True)


@pytest.mark.django_db(databases=["default"])
def test_other_legacy_users_are_plain_users(source: Path) -> None:
    run_import(source)
    analyst = User.objects.get(username="analyst")
    assert (analyst.is_staff, analyst.is_superuser) == (False, False)


@pytest.mark.django_db(databases=["default"])
def test_force_password_change_flag_is_kept(source: Path) -> None:
    run_import(source)
    flags = dict(
        LegacyProfile.objects.values_list("user__username", "force_password_change")
    )
    assert flags == {"admin": False, "analyst": True}


@pytest.mark.django_db(databases=["default"])
def test_onboarding_flag_is_kept(source: Path) -> None:
    run_import(source)
    flags = dict(
        LegacyProfile.objects.values_list("user__username", "completed_onboarding")
    )
    assert flags == {"admin": True, "analyst": False}


@pytest.mark.django_db(databases=["default"])
def test_reimport_keeps_a_password_upgraded_here(generated: GeneratedFacts) -> None:
    run_import(generated.path)
    authenticate(username="admin", password=generated.passwords["admin"])
    upgraded = User.objects.get(username="admin").password
    run_import(generated.path)
    assert User.objects.get(username="admin").password == upgraded


@pytest.mark.django_db(databases=["default"])
def test_reimport_keeps_a_flag_cleared_here(source: Path) -> None:
    run_import(source)
    analyst = User.objects.get(username="analyst")
    analyst.set_password("a-fresh-passphrase-42")
    analyst.save()
    LegacyProfile.objects.filter(user=analyst).update(force_password_change=False)
    run_import(source)
    assert not LegacyProfile.objects.get(user=analyst).force_password_change


@pytest.mark.django_db(databases=["default"])
def test_existing_user_of_the_same_name_is_not_taken_over(source: Path) -> None:
    User.objects.create_user("admin", password="site-admin-password-1")
    output = run_import(source)
    assert "admin: rejected, a user with this name already exists here" in output


@pytest.mark.django_db(databases=["default"])
def test_existing_user_keeps_their_password(source: Path) -> None:
    User.objects.create_user("admin", password="site-admin-password-1")
    run_import(source)
    assert authenticate(username="admin", password="site-admin-password-1")


@pytest.mark.django_db(databases=["default"])
def test_user_without_a_bcrypt_hash_is_skipped(copy: Path) -> None:
    execute(copy, "UPDATE users SET password_hash = 'md5:abc' WHERE username = 'admin'")
    output = run_import(copy)
    assert "admin: rejected, password_hash is not a bcrypt hash" in output


# --- keywords, settings, feeds, config ------------------------------------------


@pytest.mark.django_db(databases=["default"])
def test_keyword_group_ids_are_kept(source: Path) -> None:
    run_import(source)
    legacy = sqlite_rows(source, "SELECT id, name FROM keyword_groups")
    assert sorted(KeywordGroup.objects.values_list("id", "name")) == sorted(legacy)


@pytest.mark.django_db(databases=["default"])
def test_monitored_keyword_ids_are_kept(source: Path) -> None:
    run_import(source)
    legacy = sqlite_rows(source, "SELECT id, group_id, keyword FROM monitored_keywords")
    imported = MonitoredKeyword.objects.values_list("id", "group_id", "keyword")
    assert sorted(imported) == sorted(legacy)


@pytest.mark.django_db(databases=["default"])
def test_keyword_dates_are_parsed(source: Path) -> None:
    run_import(source)
    [(keyword_id, text)] = sqlite_rows(
        source, "SELECT id, last_checked FROM monitored_keywords ORDER BY id LIMIT 1"
    )
    expected = datetime.fromisoformat(text).replace(tzinfo=UTC)
    assert MonitoredKeyword.objects.get(pk=keyword_id).last_checked == expected


@pytest.mark.django_db(databases=["default"])
def test_orphan_keyword_is_skipped_with_its_reason(copy: Path) -> None:
    execute(
        copy,
        "INSERT INTO monitored_keywords (id, group_id, keyword) "
        "VALUES (9999, 4242, 'x')",
    )
    output = run_import(copy)
    assert "monitored_keywords 9999: rejected, its group 4242 does not exist" in output


@pytest.mark.django_db(databases=["default"])
def test_unparseable_date_is_reported_and_stored_null(copy: Path) -> None:
    execute(copy, "UPDATE monitored_keywords SET last_checked = 'yesterday'")
    output = run_import(copy)
    assert "column last_checked: unparseable date in 'yesterday'" in output
    assert not MonitoredKeyword.objects.exclude(last_checked=None).exists()


@pytest.mark.django_db(databases=["default"])
def test_monitor_settings_are_the_single_row(source: Path) -> None:
    run_import(source)
    settings_row = KeywordMonitorSettings.objects.get()
    assert (settings_row.pk, settings_row.check_interval, settings_row.provider) == (
        1,
        720,
        "newsdata",
    )


@pytest.mark.django_db(databases=["default"])
def test_oauth_users_are_imported(source: Path) -> None:
    run_import(source)
    assert list(OAuthUser.objects.values_list("email", "provider")) == [
        ("analyst@example.com", "google")
    ]


@pytest.mark.django_db(databases=["default"])
def test_oauth_dates_are_the_legacy_ones(source: Path) -> None:
    run_import(source)
    assert OAuthUser.objects.get().created_at == datetime(
        2025, 5, 23, 17, 48, 36, tzinfo=UTC
    )


@pytest.mark.django_db(databases=["default"])
def test_inactive_allowlist_entry_stays_inactive(source: Path) -> None:
    run_import(source)
    assert dict(OAuthAllowlistEntry.objects.values_list("email", "is_active")) == {
        "analyst@example.com": True,
        "former@example.com": False,
    }


@pytest.mark.django_db(databases=["default"])
def test_feed_groups_keep_ids_and_dates(source: Path) -> None:
    run_import(source)
    group = FeedKeywordGroup.objects.get(pk=4)
    assert (group.name, group.updated_at) == (
        "Disinformation",
        datetime(2025, 6, 28, 19, 43, 27, 41231, tzinfo=UTC),
    )


@pytest.mark.django_db(databases=["default"])
def test_subscriptions_belong_to_the_legacy_user_of_that_rowid(source: Path) -> None:
    run_import(source)
    [(first_user,)] = sqlite_rows(source, "SELECT username FROM users WHERE rowid = 1")
    owners = set(UserFeedSubscription.objects.values_list("user__username", flat=True))
    assert owners == {first_user}


@pytest.mark.django_db(databases=["default"])
def test_config_rows_land_in_app_config(source: Path) -> None:
    run_import(source)
    assert dict(AppSetting.objects.values_list("config_key", "config_value")) == {
        "theme": "dark",
        "default_model": "gpt-4o-mini",
        "news_api_limit": "100",
    }


@pytest.mark.django_db(databases=["default"])
def test_app_config_row_wins_over_config(copy: Path) -> None:
    execute(
        copy,
        "CREATE TABLE app_config (config_key TEXT PRIMARY KEY, config_value TEXT)",
        "INSERT INTO app_config VALUES ('theme', 'light')",
    )
    run_import(copy)
    assert AppSetting.objects.get(config_key="theme").config_value == "light"


@pytest.mark.django_db(databases=["default"])
def test_generated_old_schema_file_imports(tmp_path: Path) -> None:
    facts = generate_legacy_file(
        tmp_path / "old.db", articles=0, schema="2025-03", dirty=False
    )
    run_import(facts.path)
    assert KeywordMonitorSettings.objects.get().provider == "newsapi"


# --- the run as a whole ----------------------------------------------------------


@pytest.mark.django_db(databases=["default"])
def test_second_run_changes_nothing(source: Path) -> None:
    run_import(source)
    second = counts(source)
    assert all(created == updated == 0 for created, updated, *_ in second.values())


@pytest.mark.django_db(databases=["default"])
def test_second_run_leaves_every_row_as_it_was(source: Path) -> None:
    run_import(source)
    before = list(MonitoredKeyword.objects.values()) + list(User.objects.values())
    run_import(source)
    after = list(MonitoredKeyword.objects.values()) + list(User.objects.values())
    assert after == before


@pytest.mark.django_db(databases=["default"])
def test_dry_run_writes_nothing(source: Path) -> None:
    run_import(source, "--dry-run")
    assert not User.objects.exists() and not KeywordGroup.objects.exists()


@pytest.mark.django_db(databases=["default"])
def test_dry_run_counts_are_those_of_a_real_run(source: Path) -> None:
    dry = import_legacy_config(source, dry_run=True)
    real = import_legacy_config(source)
    assert [(t.table, t.created, t.rejected) for t in dry.tables] == [
        (t.table, t.created, t.rejected) for t in real.tables
    ]


@pytest.mark.django_db(databases=["default"])
def test_report_counts_each_table(source: Path) -> None:
    assert counts(source)["monitored_keywords"] == (
        len(sqlite_rows(source, "SELECT id FROM monitored_keywords")),
        0,
        0,
        0,
    )


@pytest.mark.django_db(databases=["default"])
def test_report_lists_the_analytics_tables_as_moved_by_migrate_articles(
    source: Path,
) -> None:
    listed = run_import(source).split("moved by migrate_articles:")[1]
    assert "feed_items" in listed and "oauth_sessions" not in listed


@pytest.mark.django_db(databases=["default"])
def test_source_file_bytes_are_unchanged(source: Path) -> None:
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    run_import(source)
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before


def test_missing_source_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        run_import(tmp_path / "nowhere.db")


def test_source_that_is_not_sqlite_is_a_command_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("just some notes " * 200)
    with pytest.raises(CommandError, match="is not an SQLite database"):
        run_import(path)


@pytest.mark.django_db(databases=["default"])
def test_row_changed_in_the_legacy_file_is_updated(copy: Path) -> None:
    run_import(copy)
    execute(copy, "UPDATE feed_keyword_groups SET color = '#000000' WHERE id = 3")
    assert counts(copy)["feed_keyword_groups"] == (0, 1, 2, 0)


@pytest.mark.django_db(databases=["default"])
def test_new_keywords_get_ids_after_the_imported_ones(source: Path) -> None:
    run_import(source)
    [(highest,)] = sqlite_rows(source, "SELECT max(id) FROM monitored_keywords")
    group = KeywordGroup.objects.first()
    assert MonitoredKeyword.objects.create(group=group, keyword="new").pk > highest


@pytest.mark.django_db(databases=["default"])
def test_web_login_with_the_old_password_works(generated: GeneratedFacts) -> None:
    run_import(generated.path)
    assert Client().login(username="admin", password=generated.passwords["admin"])


@pytest.mark.django_db(databases=["default"])
def test_flagged_user_lands_on_the_password_change_after_login(
    generated: GeneratedFacts,
) -> None:
    run_import(generated.path)
    client = Client()
    client.post(
        reverse("login"),
        {"username": "analyst", "password": generated.passwords["analyst"]},
    )
    assert client.get("/")["Location"] == reverse("password_change")


# --- users of older files, and what else a users row holds ------------------------


@pytest.mark.django_db(databases=["default"])
def test_users_from_before_april_2025_log_in_with_their_password(
    config_file: Callable[..., Path],
) -> None:
    row = {"username": "ana", "password": bcrypt_hash("old-pass-1")}
    run_import(config_file({"users": [row]}, ddl={"users": USERS_BEFORE_APRIL_2025}))
    assert authenticate(username="ana", password="old-pass-1") is not None


@pytest.mark.django_db(databases=["default"])
def test_users_from_before_april_2025_have_not_completed_onboarding(
    config_file: Callable[..., Path],
) -> None:
    row = {"username": "ana", "password": bcrypt_hash("old-pass-1")}
    run_import(config_file({"users": [row]}, ddl={"users": USERS_BEFORE_APRIL_2025}))
    assert not LegacyProfile.objects.get().completed_onboarding


@pytest.mark.django_db(databases=["default"])
def test_other_columns_of_a_user_are_kept_in_the_legacy_profile(
    config_file: Callable[..., Path],
) -> None:
    ddl = {
        "users": "CREATE TABLE users (username TEXT PRIMARY KEY, password_hash "
        "TEXT, role TEXT)"
    }
    row = {"username": "ana", "password_hash": bcrypt_hash("p"), "role": "editor"}
    run_import(config_file({"users": [row]}, ddl=ddl))
    assert LegacyProfile.objects.get().legacy_extra == {"unmapped": {"role": "editor"}}


@pytest.mark.django_db(databases=["default"])
def test_an_invalid_flag_is_false_and_kept(config_file: Callable[..., Path]) -> None:
    row = {"username": "ana", "password_hash": bcrypt_hash("p")}
    row["force_password_change"] = "maybe"
    run_import(config_file({"users": [row]}))
    profile = LegacyProfile.objects.get()
    assert (profile.force_password_change, profile.legacy_extra) == (
        False,
        {"unparsed": {"force_password_change": "maybe"}},
    )


@pytest.mark.django_db(databases=["default"])
def test_a_username_met_twice_is_rejected(config_file: Callable[..., Path]) -> None:
    hashed = bcrypt_hash("p")
    rows = [
        {"username": "ana", "password_hash": hashed},
        {"username": "ana\x00", "password_hash": hashed},  # "ana" once NUL goes
    ]
    output = run_import(config_file({"users": rows}))
    assert "users ana: rejected, rowid 1 of the file has the same username" in output


# --- the file, read only as the engine reads it --------------------------------------


@pytest.mark.django_db(databases=["default"])
def test_a_source_locked_by_a_writer_is_in_use(
    config_file: Callable[..., Path], import_legacy_config: Callable[..., Any]
) -> None:
    path = config_file({"tags": [{"id": 1, "name": "climate"}]})
    with held_by_a_writer(path):
        result = import_legacy_config("--source", str(path), "--lock-timeout", "0.2")
    assert (result.code, "is in use by another program" in result.err) == (1, True)


@pytest.mark.django_db(databases=["default"])
def test_a_source_with_a_hot_journal_is_in_use(
    config_file: Callable[..., Path],
    import_legacy_config: Callable[..., Any],
    tmp_path: Path,
) -> None:
    path = config_file({"tags": [{"id": n, "name": f"{n:0>400}"} for n in range(300)]})
    (tmp_path / "crashed").mkdir()
    copy = copy_with_hot_journal(
        path, tmp_path / "crashed", "UPDATE tags SET name = 'z' || name"
    )
    result = import_legacy_config("--source", str(copy))
    assert result.code == 1
    assert f"is in use: {copy.name}-journal holds a write" in result.err


@pytest.mark.django_db(databases=["default"])
def test_wal_changes_in_a_folder_you_cannot_write_are_refused(
    config_file: Callable[..., Path],
    import_legacy_config: Callable[..., Any],
    tmp_path: Path,
) -> None:
    path = config_file({"tags": [{"id": 1, "name": "climate"}]})
    (tmp_path / "read-only").mkdir()
    copy = copy_with_pending_wal(
        path, tmp_path / "read-only", "INSERT INTO tags (name) VALUES ('energy')"
    )
    with unwritable(tmp_path / "read-only"):
        result = import_legacy_config("--source", str(copy))
    assert (result.code, Tag.objects.count()) == (2, 0)
    assert f"committed changes in {copy.name}-wal" in result.err


@pytest.mark.django_db(databases=["default"])
def test_a_missing_source_is_a_usage_error(
    tmp_path: Path, import_legacy_config: Callable[..., Any]
) -> None:
    result = import_legacy_config("--source", str(tmp_path / "nowhere.db"))
    assert (result.code, "does not exist" in result.err) == (2, True)


@pytest.mark.django_db(databases=["default"])
def test_a_table_without_its_key_column_is_refused_with_the_rename(
    config_file: Callable[..., Path], import_legacy_config: Callable[..., Any]
) -> None:
    ddl = {
        "settings_podcasts": "CREATE TABLE settings_podcasts (name TEXT, value TEXT)"
    }
    path = config_file({"settings_podcasts": [{"name": "a", "value": "1"}]}, ddl=ddl)
    result = import_legacy_config("--source", str(path))
    assert result.code == 2
    assert "The legacy table settings_podcasts has no key column" in result.err
    assert "RENAME COLUMN <its name> TO key" in result.err


@pytest.mark.django_db(databases=["default"])
def test_strict_fails_when_rows_were_rejected(
    config_file: Callable[..., Path], import_legacy_config: Callable[..., Any]
) -> None:
    path = config_file(
        {"monitored_keywords": [{"id": 1, "group_id": 9, "keyword": "x"}]}
    )
    result = import_legacy_config("--source", str(path), "--strict")
    assert (result.code, "1 rows were rejected" in result.err) == (1, True)


@pytest.mark.django_db(databases=["default"])
def test_dry_run_and_validate_exclude_each_other(
    source: Path, import_legacy_config: Callable[..., Any]
) -> None:
    result = import_legacy_config("--source", str(source), "--dry-run", "--validate")
    assert result.code == 2
