"""A randomised cut-over: both apps writing, catch-ups killed and cut off, nothing lost.

Seeded and bounded: ``AUNOO_FAULT_ROUNDS`` rounds (8 in ``make test``; ``make
soak`` runs many more). Each round the legacy app and the new app both write
(new notes, edited notes and titles, read marks, deletions), then a catch-up
runs in a child process that is left alone, killed at a random moment, or has
its PostgreSQL sessions terminated under it, while the app keeps writing. At
the end one catch-up keeps the app's versions of every conflict
(``--prefer app``) and removes what the legacy file deleted; validation must be
clean and every row either side wrote must be where it belongs.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from articles.models import Article, ArticleAnnotation, KeywordArticleMatch
from articles.tests.conftest import child_environment
from legacy.connect import django_connector
from legacy.tracking import ENGINE_APPLICATION_NAME

pytestmark = pytest.mark.django_db(databases=["default", "analytics"], transaction=True)

ROUNDS = int(os.environ.get("AUNOO_FAULT_ROUNDS", "8"))
SEED = int(os.environ.get("AUNOO_FAULT_SEED", "20261203"))
URIS = "SELECT uri FROM articles WHERE uri IS NOT NULL ORDER BY rowid LIMIT 200"


@dataclass
class Expected:
    """What each side wrote, to be found after the last catch-up."""

    app_notes: dict[int, str] = field(default_factory=dict)  # id -> content
    app_edits: dict[int, str] = field(default_factory=dict)  # legacy note id -> text
    app_summaries: dict[str, str] = field(default_factory=dict)  # uri -> summary
    app_deleted: set[int] = field(default_factory=set)  # legacy note ids
    read_marks: set[int] = field(default_factory=set)  # match ids
    legacy_articles: set[str] = field(default_factory=set)  # uris added there


class Legacy:
    """The legacy app writing its file, as it does during the cut-over."""

    def __init__(self, path: Path, rng: random.Random, expected: Expected) -> None:
        self.path, self.rng, self.expected = path, rng, expected

    def write(self) -> None:
        with closing(sqlite3.connect(self.path, timeout=30)) as conn:
            uris = [r[0] for r in conn.execute(URIS)]
            notes = [r[0] for r in conn.execute("SELECT id FROM article_annotations")]
            for _ in range(self.rng.randint(1, 4)):
                conn.execute(
                    "INSERT INTO article_annotations (article_uri, author, content, "
                    "is_private, created_at, updated_at) VALUES (?, 'legacy', ?, 0, "
                    "'2026-12-03 10:00:00', '2026-12-03 10:00:00')",
                    [self.rng.choice(uris), f"legacy {self.rng.random():.6f}"],
                )
            if notes:
                conn.execute(
                    "UPDATE article_annotations SET content = ? WHERE id = ?",
                    [f"legacy edit {self.rng.random():.6f}", self.rng.choice(notes)],
                )
            conn.execute(
                "UPDATE articles SET title = ? WHERE uri = ?",
                [f"legacy title {self.rng.random():.6f}", self.rng.choice(uris)],
            )
            if notes and self.rng.random() < 0.3:
                conn.execute(
                    "DELETE FROM article_annotations WHERE id = ?",
                    [self.rng.choice(notes)],
                )
            number = self.rng.randrange(10**9)
            uri = f"https://legacy.example/{number}"
            conn.execute(
                "INSERT INTO articles (uri, title, submission_date) VALUES (?, ?, "
                "'2026-12-03 10:00:00')",
                [uri, f"new {number}"],
            )
            conn.commit()
            self.expected.legacy_articles.add(uri)


class App:
    """Analysts using the new app at the same time."""

    def __init__(self, rng: random.Random, expected: Expected) -> None:
        self.rng, self.expected = rng, expected

    def write(self) -> None:
        rng, expected = self.rng, self.expected
        uris = list(Article.objects.values_list("uri", flat=True)[:200])
        note = ArticleAnnotation.objects.create(
            article_id=rng.choice(uris),
            author="mel",
            user_id=2,
            content=f"app {rng.random():.6f}",
            is_private=rng.random() < 0.5,
        )
        expected.app_notes[note.id] = note.content
        matches = list(KeywordArticleMatch.objects.values_list("id", flat=True)[:50])
        if matches:
            mark = rng.choice(matches)
            KeywordArticleMatch.objects.filter(id=mark).update(is_read=True)
            expected.read_marks.add(mark)
        uri = rng.choice(uris)
        summary = f"app summary {rng.random():.6f}"
        Article.objects.filter(uri=uri).update(summary=summary)
        expected.app_summaries[uri] = summary
        self._legacy_note(rng, expected)

    def _legacy_note(self, rng: random.Random, expected: Expected) -> None:
        legacy_notes = list(
            ArticleAnnotation.objects.exclude(author="mel").values_list("id", flat=True)
        )
        if not legacy_notes:
            return
        chosen = rng.choice(legacy_notes)
        if rng.random() < 0.2:
            ArticleAnnotation.objects.filter(id=chosen).delete()
            expected.app_deleted.add(chosen)
            expected.app_edits.pop(chosen, None)
        else:
            text = f"app edit {rng.random():.6f}"
            ArticleAnnotation.objects.filter(id=chosen).update(content=text)
            expected.app_edits[chosen] = text


def catch_up(path: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "migrate_articles", "--skip-checks",
         "--source", str(path), "--catch-up", "--batch-size", "20", *args],
        cwd=settings.BASE_DIR, env=child_environment(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def terminate_engine_sessions() -> int:
    with django_connector()() as pg:
        pg.execute("SET application_name = 'fault-injector'")
        rows = pg.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s",
            [ENGINE_APPLICATION_NAME],
        ).fetchall()
    return len(rows)


def run_round(
    path: Path, rng: random.Random, legacy: Legacy, app: App, faults: Counter[str]
) -> None:
    legacy.write()
    app.write()
    fault = rng.choice(["none", "kill", "terminate"])
    child = catch_up(path)
    time.sleep(rng.uniform(0.05, 1.0))
    app.write()  # the app keeps writing while catch-up runs
    if fault == "kill" and child.poll() is None:
        child.send_signal(signal.SIGKILL)
        faults["killed"] += 1
    elif fault == "terminate" and child.poll() is None:
        faults["connections terminated"] += terminate_engine_sessions() > 0
    else:
        faults["clean catch-ups"] += 1
    child.wait(timeout=120)
    # 0 done, 1 conflicts or a lost connection; never a traceback.
    assert child.returncode in (0, 1, -signal.SIGKILL), child.stderr.read()
    assert b"Traceback" not in child.stderr.read()


def test_randomised_cut_over_loses_nothing(
    generated_legacy, migrate_articles, validate_migration
):
    path, _facts = generated_legacy(articles=120, seed=7)
    assert migrate_articles("--source", str(path)).code == 0
    rng = random.Random(SEED)
    expected = Expected()
    legacy, app = Legacy(path, rng, expected), App(rng, expected)
    faults: Counter[str] = Counter()
    for _ in range(ROUNDS):
        run_round(path, rng, legacy, app, faults)
    # The operator looks at what the last catch-up reports, then chooses.
    migrate_articles("--source", str(path), "--catch-up")
    final = migrate_articles(
        "--source", str(path), "--catch-up", "--prefer", "app", "--apply-deletes"
    )
    assert final.code == 0, final.err
    result = validate_migration("--source", str(path))
    assert result.code == 0, result.out
    check_nothing_lost(path, expected)
    print(f"\n{ROUNDS} rounds, seed {SEED}, faults survived: {dict(faults)}")


def check_nothing_lost(path: Path, expected: Expected) -> None:
    notes = dict(ArticleAnnotation.objects.values_list("id", "content"))
    for note_id, content in expected.app_notes.items():
        assert notes.get(note_id) == content, f"app note {note_id}"
    with closing(sqlite3.connect(path)) as conn:
        legacy_notes = dict(conn.execute("SELECT id, content FROM article_annotations"))
    refused = {int(key) for key in rejected_keys("article_annotations")}
    for note_id, content in legacy_notes.items():
        if note_id in refused:
            continue  # in legacy_rejects, with its reason
        if note_id in expected.app_deleted:
            assert note_id not in notes, f"legacy note {note_id} the app deleted"
        else:
            wanted = expected.app_edits.get(note_id, content)
            assert notes.get(note_id) == wanted, f"legacy note {note_id}"
    stored = set(Article.objects.values_list("uri", flat=True))
    assert expected.legacy_articles <= stored, "articles added in the legacy app"
    summaries = dict(
        Article.objects.filter(uri__in=expected.app_summaries).values_list(
            "uri", "summary"
        )
    )
    assert summaries == expected.app_summaries
    read = set(
        KeywordArticleMatch.objects.filter(
            id__in=expected.read_marks, is_read=True
        ).values_list("id", flat=True)
    )
    assert read == expected.read_marks


def rejected_keys(table: str) -> set[str]:
    from articles.models import LegacyReject

    keys = LegacyReject.objects.filter(table_name=table).values_list(
        "legacy_key", flat=True
    )
    return {key for key in keys if key}
