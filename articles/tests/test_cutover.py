"""Cut-over with both apps in use: catch-up keeps the app's work; one run at once."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

import pytest

from articles.models import (
    Article,
    ArticleAnnotation,
    KeywordArticleMatch,
    LegacyConflict,
    LegacyReject,
    MigrationRun,
)
from articles.tests.conftest import (
    article,
    from_psql,
    insert_rows,
    start_child,
)
from legacy.connect import django_connector
from legacy.tracking import APP_IDS_ABOVE

pytestmark = pytest.mark.django_db(databases=["default", "analytics"], transaction=True)

URI = article(1)["uri"]


def note(number: int, **values):
    row = {
        "id": number,
        "article_uri": URI,
        "author": "legacy-analyst",
        "content": f"legacy note {number}",
        "is_private": 0,
        "created_at": "2025-10-07 10:00:00",
        "updated_at": "2025-10-07 10:00:00",
    }
    row.update(values)
    return row


@pytest.fixture
def cut_over(legacy_file, migrate_articles):
    """A migrated file: two articles, one unread match, one legacy note."""
    match = {"id": 1, "article_uri": URI, "keyword_ids": "1", "group_id": 1}
    path = legacy_file(
        {
            "articles": [article(1), article(2)],
            "keyword_article_matches": [match],
            "article_annotations": [note(1)],
        }
    )
    assert migrate_articles("--source", str(path)).code == 0
    return path


def legacy(path: Path, statement: str, params=()) -> None:
    """What the legacy app does to its own file meanwhile."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(statement, params)
        conn.commit()


def legacy_note(path: Path, content: str) -> None:
    with closing(sqlite3.connect(path)) as conn:
        insert_rows(conn, "article_annotations", [note(None, content=content)])
        conn.commit()


def analyst_note(content: str) -> ArticleAnnotation:
    return ArticleAnnotation.objects.create(
        article_id=URI, author="mel", user_id=7, content=content, is_private=True
    )


# --- what people did in the new app survives -----------------------------------


def test_catch_up_keeps_the_apps_read_marks_and_notes(
    cut_over, migrate_articles, validate_migration
):
    KeywordArticleMatch.objects.filter(id=1).update(is_read=True)
    mine = analyst_note("my private note")
    legacy_note(cut_over, "written in the legacy app meanwhile")
    assert migrate_articles("--source", str(cut_over), "--catch-up").code == 0
    assert KeywordArticleMatch.objects.get(id=1).is_read is True
    mine.refresh_from_db()
    assert (mine.content, mine.author, mine.is_private) == (
        "my private note",
        "mel",
        True,
    )
    assert mine.id > APP_IDS_ABOVE
    assert validate_migration("--source", str(cut_over)).code == 0


def test_catch_up_brings_the_legacy_apps_new_notes_and_edits(
    cut_over, migrate_articles, validate_migration
):
    analyst_note("mine")
    legacy_note(cut_over, "new in the legacy app")
    legacy(cut_over, "UPDATE articles SET title = 'Edited there' WHERE uri = ?", [URI])
    legacy(cut_over, "UPDATE article_annotations SET content = 'edited' WHERE id = 1")
    assert migrate_articles("--source", str(cut_over), "--catch-up").code == 0
    contents = set(ArticleAnnotation.objects.values_list("content", flat=True))
    assert contents == {"edited", "new in the legacy app", "mine"}
    assert Article.objects.get(uri=URI).title == "Edited there"
    assert validate_migration("--source", str(cut_over)).code == 0


def test_the_legacy_apps_next_note_never_takes_the_id_of_the_analysts(
    cut_over, migrate_articles
):
    mine = analyst_note("mine")
    legacy_note(cut_over, "theirs")
    migrate_articles("--source", str(cut_over), "--catch-up")
    assert ArticleAnnotation.objects.get(id=mine.id).content == "mine"
    assert ArticleAnnotation.objects.get(id=2).content == "theirs"


# --- a row changed on both sides is a conflict ------------------------------------


def changed_on_both_sides(path: Path) -> None:
    Article.objects.filter(uri=URI).update(title="Title from the app")
    legacy(path, "UPDATE articles SET title = 'Title from legacy' WHERE uri = ?", [URI])


def test_a_row_changed_on_both_sides_is_reported_by_key_and_column(
    cut_over, migrate_articles
):
    changed_on_both_sides(cut_over)
    result = migrate_articles("--source", str(cut_over), "--catch-up")
    assert result.code == 1
    assert (
        f"conflict: articles {URI!r}: changed on both sides (columns: title); the "
        "app's version stays, both versions are in legacy_conflicts; look, then "
        "choose with --prefer legacy or --prefer app" in result.out
    )
    assert "run again with --prefer legacy or --prefer app" in result.err
    assert Article.objects.get(uri=URI).title == "Title from the app"


def test_a_conflict_keeps_both_versions(cut_over, migrate_articles):
    changed_on_both_sides(cut_over)
    migrate_articles("--source", str(cut_over), "--catch-up")
    conflict = LegacyConflict.objects.get()
    assert (conflict.table_name, conflict.key, conflict.columns) == (
        "articles",
        URI,
        ["title"],
    )
    assert conflict.legacy_row["title"] == "Title from legacy"
    assert conflict.app_row["title"] == "Title from the app"


def test_an_open_conflict_fails_validation_with_the_fix(
    cut_over, migrate_articles, validate_migration
):
    changed_on_both_sides(cut_over)
    migrate_articles("--source", str(cut_over), "--catch-up")
    result = validate_migration("--source", str(cut_over))
    assert result.code == 1
    assert "changed on both sides, an open conflict: resolve it with" in result.out


def test_prefer_legacy_puts_the_legacy_version_in_place(
    cut_over, migrate_articles, validate_migration
):
    changed_on_both_sides(cut_over)
    migrate_articles("--source", str(cut_over), "--catch-up")
    result = migrate_articles(
        "--source", str(cut_over), "--catch-up", "--prefer", "legacy"
    )
    assert result.code == 0
    assert Article.objects.get(uri=URI).title == "Title from legacy"
    assert LegacyConflict.objects.get().resolution == "legacy"
    assert validate_migration("--source", str(cut_over)).code == 0


def test_prefer_app_keeps_the_apps_version_and_validates(
    cut_over, migrate_articles, validate_migration
):
    changed_on_both_sides(cut_over)
    migrate_articles("--source", str(cut_over), "--catch-up")  # reported first
    result = migrate_articles(
        "--source", str(cut_over), "--catch-up", "--prefer", "app"
    )
    assert result.code == 0
    assert Article.objects.get(uri=URI).title == "Title from the app"
    assert validate_migration("--source", str(cut_over)).code == 0
    # Settled: the next catch-up finds nothing to decide.
    again = migrate_articles("--source", str(cut_over), "--catch-up")
    assert (again.code, "conflict:" in again.out) == (0, False)


def test_a_note_deleted_in_the_app_and_edited_in_legacy_is_a_conflict(
    cut_over, migrate_articles
):
    ArticleAnnotation.objects.filter(id=1).delete()
    legacy(cut_over, "UPDATE article_annotations SET content = 'edited' WHERE id = 1")
    result = migrate_articles("--source", str(cut_over), "--catch-up")
    assert "changed in the legacy file, deleted in the app" in result.out
    assert not ArticleAnnotation.objects.filter(id=1).exists()


def test_a_note_deleted_in_the_app_stays_deleted(
    cut_over, migrate_articles, validate_migration
):
    ArticleAnnotation.objects.filter(id=1).delete()
    assert migrate_articles("--source", str(cut_over), "--catch-up").code == 0
    assert not ArticleAnnotation.objects.filter(id=1).exists()
    assert validate_migration("--source", str(cut_over)).code == 0


def test_the_same_change_on_both_sides_is_no_conflict(cut_over, migrate_articles):
    Article.objects.filter(uri=URI).update(title="Same")
    legacy(cut_over, "UPDATE articles SET title = 'Same' WHERE uri = ?", [URI])
    result = migrate_articles("--source", str(cut_over), "--catch-up")
    assert (result.code, LegacyConflict.objects.count()) == (0, 0)


# --- rows deleted in the legacy file -------------------------------------------------


def test_rows_deleted_in_legacy_are_reported_and_kept(cut_over, migrate_articles):
    legacy(cut_over, "DELETE FROM articles WHERE uri = ?", [article(2)["uri"]])
    result = migrate_articles("--source", str(cut_over), "--catch-up")
    assert (
        f"articles: 1 rows were deleted in the legacy file but are kept here "
        f"({article(2)['uri']!r}); --apply-deletes removes them" in result.out
    )
    assert Article.objects.filter(uri=article(2)["uri"]).exists()


def test_apply_deletes_removes_them(cut_over, migrate_articles, validate_migration):
    legacy(cut_over, "DELETE FROM articles WHERE uri = ?", [article(2)["uri"]])
    legacy(cut_over, "DELETE FROM article_annotations WHERE id = 1")
    result = migrate_articles(
        "--source", str(cut_over), "--catch-up", "--apply-deletes"
    )
    assert "articles: 1 rows the legacy file deleted were removed" in result.out
    assert not Article.objects.filter(uri=article(2)["uri"]).exists()
    assert not ArticleAnnotation.objects.filter(id=1).exists()
    assert validate_migration("--source", str(cut_over)).code == 0


def test_apply_deletes_never_removes_a_row_the_app_changed(cut_over, migrate_articles):
    Article.objects.filter(uri=article(2)["uri"]).update(summary="read and kept")
    legacy(cut_over, "DELETE FROM articles WHERE uri = ?", [article(2)["uri"]])
    result = migrate_articles(
        "--source", str(cut_over), "--catch-up", "--apply-deletes"
    )
    assert "deleted in the legacy file, changed in the app" in result.out
    assert Article.objects.get(uri=article(2)["uri"]).summary == "read and kept"


def test_prefer_and_apply_deletes_need_catch_up(cut_over, migrate_articles):
    result = migrate_articles("--source", str(cut_over), "--prefer", "app")
    assert result.code == 2
    assert "--prefer, --apply-deletes and --full belong to --catch-up" in result.err


# --- an app change racing the catch-up -----------------------------------------------


def test_the_engine_cannot_overwrite_a_row_the_app_changed(cut_over):
    KeywordArticleMatch.objects.filter(id=1).update(is_read=True)
    with django_connector()() as engine:
        engine.execute("UPDATE keyword_article_matches SET is_read = false")
        engine.execute("DELETE FROM keyword_article_matches")
    assert KeywordArticleMatch.objects.get(id=1).is_read is True


# --- one run at a time -----------------------------------------------------------


def wait_for_running_run(child: subprocess.Popen[bytes]) -> MigrationRun:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        run = MigrationRun.objects.filter(status="running").first()
        if run is not None:
            return run
        time.sleep(0.01)
    raise AssertionError("the first run never started")


@pytest.fixture
def big_file(legacy_file):
    articles = [article(n, summary="s" * 400) for n in range(3000)]
    return legacy_file({"articles": articles})


def test_a_second_run_exits_at_once_naming_the_running_one(
    big_file, migrate_articles, validate_migration
):
    first = start_child(big_file, "--batch-size", "20")
    running = wait_for_running_run(first)
    second = migrate_articles("--source", str(big_file))
    first.wait(timeout=120)
    assert second.code == 1
    assert (
        f"Another migration holds this database: a migrate run of "
        f"{big_file.resolve()} started {running.started_at:%Y-%m-%d %H:%M:%S}"
    ) in second.err
    assert f"by process {first.pid} on " in second.err
    assert "Wait for it to finish, or stop it" in second.err
    assert first.returncode == 0
    assert Article.objects.count() == 3000
    assert validate_migration("--source", str(big_file)).code == 0


def test_two_runs_started_together_leave_a_target_that_validates(
    big_file, validate_migration
):
    runs = [start_child(big_file, "--batch-size", "50") for _ in range(2)]
    codes = sorted(child.wait(timeout=120) for child in runs)
    assert codes == [0, 1]
    assert Article.objects.count() == 3000
    assert validate_migration("--source", str(big_file)).code == 0


def test_a_killed_run_is_shown_interrupted_and_the_next_run_completes(
    big_file, migrate_articles, validate_migration
):
    child = start_child(big_file, "--batch-size", "10")
    wait_for_running_run(child)
    time.sleep(0.3)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert migrate_articles("--source", str(big_file)).code == 0
    statuses = list(
        MigrationRun.objects.order_by("id").values_list("status", flat=True)
    )
    assert statuses == ["interrupted", "finished"]
    assert validate_migration("--source", str(big_file)).code == 0


def test_validation_waits_for_no_one_but_refuses_during_a_run(
    big_file, validate_migration
):
    child = start_child(big_file, "--batch-size", "10")
    wait_for_running_run(child)
    result = validate_migration("--source", str(big_file))
    child.wait(timeout=120)
    assert result.code == 1
    assert "Validate once it has finished" in result.err


def test_prefer_app_on_a_dirty_row_validates(
    generated_legacy, migrate_articles, validate_migration
):
    path, _facts = generated_legacy(articles=120, seed=7)
    migrate_articles("--source", str(path))
    migrate_articles("--source", str(path), "--catch-up")  # fingerprints stored
    uri = "https://dirty.example/nul-in-uri"
    Article.objects.filter(uri=uri).update(summary="app")
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(
            "UPDATE articles SET title = 't' WHERE uri = ?",
            [uri.replace("nul-in-", "nul-in\x00-")],
        )
        conn.commit()
    migrate_articles("--source", str(path), "--catch-up")  # reported first
    result = migrate_articles("--source", str(path), "--catch-up", "--prefer", "app")
    assert "changed on both sides" in result.out
    check = validate_migration("--source", str(path))
    assert check.code == 0, check.out


def test_an_app_change_to_a_row_keyed_with_a_nul_is_kept_without_conflict(
    generated_legacy, migrate_articles, validate_migration
):
    path, _facts = generated_legacy(articles=120, seed=7)
    migrate_articles("--source", str(path))
    migrate_articles("--source", str(path), "--catch-up")  # fingerprints stored
    uri = "https://dirty.example/nul-in-uri"  # "nul-in\x00-uri" in the file
    Article.objects.filter(uri=uri).update(summary="app")
    result = migrate_articles("--source", str(path), "--catch-up")
    assert (result.code, LegacyConflict.objects.count()) == (0, 0), result.out
    assert Article.objects.get(uri=uri).summary == "app"
    assert validate_migration("--source", str(path)).code == 0


def test_a_row_deleted_in_legacy_is_reported_again_until_removed(
    cut_over, migrate_articles
):
    legacy(cut_over, "DELETE FROM article_annotations WHERE id = 1")
    first = migrate_articles("--source", str(cut_over), "--catch-up")
    second = migrate_articles("--source", str(cut_over), "--catch-up")
    for result in (first, second):
        assert (
            "article_annotations: 1 rows were deleted in the legacy file" in result.out
        )
    migrate_articles("--source", str(cut_over), "--catch-up", "--apply-deletes")
    assert not ArticleAnnotation.objects.filter(id=1).exists()


def test_a_legacy_key_renamed_in_place_is_a_deletion_of_the_old_key(
    cut_over, migrate_articles
):
    migrate_articles("--source", str(cut_over), "--catch-up")  # fingerprints stored
    new_uri = "https://news.example/renamed"
    legacy(
        cut_over,
        "UPDATE articles SET uri = ? WHERE uri = ?",
        [new_uri, article(2)["uri"]],
    )
    result = migrate_articles("--source", str(cut_over), "--catch-up")
    assert Article.objects.filter(uri=new_uri).exists()
    assert f"({article(2)['uri']!r}); --apply-deletes removes them" in result.out


# --- found by trying the cut-over as an operator and an attacker would -----------


def test_prefer_never_resolves_a_conflict_not_yet_reported(cut_over, migrate_articles):
    changed_on_both_sides(cut_over)
    result = migrate_articles(
        "--source", str(cut_over), "--catch-up", "--prefer", "legacy"
    )
    assert result.code == 1
    assert Article.objects.get(uri=URI).title == "Title from the app"
    assert LegacyConflict.objects.get().resolved_at is None


def test_an_app_change_made_after_the_journal_was_read_is_not_forgotten(cut_over):
    from legacy import sync
    from legacy.plan import build_plan
    from legacy.source import LegacySource

    KeywordArticleMatch.objects.filter(id=1).update(is_read=True)
    with django_connector()() as pg, LegacySource(cut_over) as source:
        plan = next(
            p for p in build_plan(source, pg) if p.table == "keyword_article_matches"
        )
        journal = sync.read_journal(pg, plan)
        KeywordArticleMatch.objects.filter(id=1).update(is_read=False)  # meanwhile
        assert sync.forget_unchanged(pg, plan.table, journal, [1]) == []
        assert 1 in sync.read_journal(pg, plan)


def test_an_outside_change_stays_reported_after_the_app_touches_the_row(
    cut_over, validate_migration
):
    from_psql("UPDATE keyword_article_matches SET keyword_ids = 'x' WHERE id = 1")
    KeywordArticleMatch.objects.filter(id=1).update(is_read=True)
    result = validate_migration("--source", str(cut_over))
    assert result.code == 1
    assert (
        "changed in PostgreSQL outside the app (by a session named 'psql')"
        in result.out
    )


def test_an_outside_change_to_a_column_only_postgresql_has_is_reported_and_undone(
    cut_over, migrate_articles, validate_migration
):
    from_psql("UPDATE article_annotations SET user_id = 999 WHERE id = 1")
    assert validate_migration("--source", str(cut_over)).code == 1
    first = migrate_articles("--source", str(cut_over), "--catch-up")
    assert "article_annotations 1: changed in PostgreSQL outside the app" in first.out
    migrate_articles("--source", str(cut_over), "--catch-up", "--prefer", "legacy")
    assert ArticleAnnotation.objects.get(id=1).user_id is None
    assert validate_migration("--source", str(cut_over)).code == 0


def test_a_rejected_row_corrected_in_the_file_arrives(legacy_file, migrate_articles):
    path = legacy_file({"articles": [article(1), article(2, uri=None)]})
    migrate_articles("--source", str(path))
    migrate_articles("--source", str(path), "--catch-up")  # fingerprints stored
    legacy(
        path, "UPDATE articles SET uri = 'https://news.example/fixed' WHERE uri IS NULL"
    )
    migrate_articles("--source", str(path), "--catch-up")
    assert Article.objects.filter(uri="https://news.example/fixed").exists()
    assert not LegacyReject.objects.exists()


def test_a_match_refused_for_the_apps_copy_arrives_once_the_app_drops_it(
    cut_over, migrate_articles, validate_migration
):
    migrate_articles("--source", str(cut_over), "--catch-up")
    mine = KeywordArticleMatch.objects.create(
        article_id=URI, keyword_ids="4", group_id=7
    )
    with closing(sqlite3.connect(cut_over)) as conn:
        insert_rows(conn, "keyword_article_matches", [
            {"article_uri": URI, "keyword_ids": "4,5", "group_id": 7, "is_read": 1}
        ])  # fmt: skip
        conn.commit()
    refused = migrate_articles("--source", str(cut_over), "--catch-up")
    assert "another row already holds these values" in refused.out
    mine.delete()
    migrate_articles("--source", str(cut_over), "--catch-up")
    assert KeywordArticleMatch.objects.get(group_id=7).keyword_ids == "4,5"
    assert validate_migration("--source", str(cut_over)).code == 0


def test_a_duplicate_takes_over_when_the_first_row_of_its_key_is_deleted(
    legacy_file, migrate_articles, validate_migration
):
    path = legacy_file({"articles": [article(1), article(2)]})
    with closing(sqlite3.connect(path)) as conn:  # a second row with uri 1
        conn.execute("DROP INDEX IF EXISTS idx_articles_uri")
        conn.execute("CREATE TABLE copy AS SELECT * FROM articles")
        conn.execute("DROP TABLE articles")
        conn.execute("ALTER TABLE copy RENAME TO articles")
        insert_rows(conn, "articles", [article(1, title="The second one")])
        conn.commit()
    migrate_articles("--source", str(path))
    migrate_articles("--source", str(path), "--catch-up")
    legacy(path, "DELETE FROM articles WHERE rowid = 1")
    result = migrate_articles("--source", str(path), "--catch-up")
    assert "deleted in the legacy file" not in result.out
    assert Article.objects.get(uri=URI).title == "The second one"
    assert validate_migration("--source", str(path)).code == 0


def test_full_catch_up_restores_a_change_made_without_a_trace(
    cut_over, migrate_articles, validate_migration
):
    migrate_articles("--source", str(cut_over), "--catch-up")
    with django_connector()() as engine:  # as the engine itself: no journal entry
        engine.execute("UPDATE articles SET title = 'tampered' WHERE uri = %s", [URI])
    migrate_articles("--source", str(cut_over), "--catch-up")
    assert validate_migration("--source", str(cut_over)).code == 1
    migrate_articles("--source", str(cut_over), "--catch-up", "--full")
    assert Article.objects.get(uri=URI).title == article(1)["title"]
    assert validate_migration("--source", str(cut_over)).code == 0


def test_after_a_rollback_the_apps_next_ids_never_meet_the_files(
    cut_over, migrate_articles, tmp_path
):
    from django.core.management import call_command

    analyst_note("written here")  # id 10**12 + 1
    call_command("rollback_articles", "--target", str(cut_over), "--all", "--no-backup")
    with closing(sqlite3.connect(cut_over)) as conn:
        conn.execute(
            "INSERT INTO article_annotations (article_uri, author, content) "
            "VALUES (?, 'legacy', 'after the rollback')",
            [URI],
        )
        theirs = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
        conn.commit()
    mine = analyst_note("here again")
    assert mine.id != theirs
    assert mine.id > 2 * APP_IDS_ABOVE


def test_a_deleted_article_that_rows_here_still_point_at_is_kept_with_a_reason(
    cut_over, migrate_articles
):
    legacy(cut_over, "PRAGMA foreign_keys = OFF")
    legacy(cut_over, "DELETE FROM articles WHERE uri = ?", [URI])  # children stay
    result = migrate_articles(
        "--source", str(cut_over), "--catch-up", "--apply-deletes"
    )
    assert "articles: 1 rows the legacy file deleted are kept because rows here" in (
        result.out
    )
    assert Article.objects.filter(uri=URI).exists()
