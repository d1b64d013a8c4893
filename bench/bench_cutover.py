"""Cut-over window: the final catch-up plus validation, the time both apps pause.

The runbook's last step stops the legacy app, runs one more ``migrate_articles
--catch-up`` and ``validate_migration``, then sends people to this app. This
benchmark measures that window on the migration benchmark's clean generated
file: a bulk copy, one catch-up while both apps run (the first compares every
row and leaves fingerprints), then 100 rows changed in the legacy app (titles,
new notes, read marks) and 100 in this app (summaries, notes, read marks), then
the final catch-up and validation. Side by side: the full bulk copy, which is
what stopping both apps for a fresh migration would cost instead.

    python -m bench.bench_cutover [--articles N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import atexit
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from bench.bench_migration import (
    PROJECT_DIR,
    RESULTS_DIR,
    Server,
    django_env,
    legacy_file,
    measure,
)
from bench.report import machine

DATABASE = "cutover_bench"
CHANGES_PER_SIDE = 100
TARGET_SECONDS = 10.0


def legacy_changes(path: Path, count: int) -> dict[str, int]:
    """What the legacy app does between the bulk copy and the cut-over."""
    titles, notes, marks = count // 2, count // 4, count - count // 2 - count // 4
    with closing(sqlite3.connect(path)) as conn:
        uris = [row[0] for row in conn.execute(
            "SELECT uri FROM articles ORDER BY rowid DESC LIMIT ?", [titles + notes]
        )]  # fmt: skip
        for number, uri in enumerate(uris[:titles]):
            conn.execute(
                "UPDATE articles SET title = ? WHERE uri = ?",
                [f"Edited in the legacy app {number}", uri],
            )
        for number, uri in enumerate(uris[titles:]):
            conn.execute(
                "INSERT INTO article_annotations (article_uri, author, content, "
                "is_private, created_at, updated_at) VALUES (?, 'legacy', ?, 0, "
                "'2026-12-03 10:00:00', '2026-12-03 10:00:00')",
                [uri, f"Written in the legacy app {number}"],
            )
        conn.execute(
            "UPDATE keyword_article_matches SET is_read = 1 WHERE id IN (SELECT id "
            "FROM keyword_article_matches ORDER BY id LIMIT ?)",
            [marks],
        )
        conn.commit()
    return {"titles": titles, "notes": notes, "read_marks": marks}


def app_changes(url: str, count: int) -> dict[str, int]:
    """What analysts do in this app meanwhile, through its own sessions."""
    import psycopg

    summaries, notes, marks = count // 2, count // 4, count - count // 2 - count // 4
    with psycopg.connect(url, application_name="aunoo", autocommit=True) as pg:
        uris = [row[0] for row in pg.execute(
            "SELECT uri FROM articles ORDER BY uri LIMIT %s", [summaries + notes]
        )]  # fmt: skip
        for number, uri in enumerate(uris[:summaries]):
            pg.execute(
                "UPDATE articles SET summary = %s WHERE uri = %s",
                [f"Summary edited in the app {number}", uri],
            )
        for number, uri in enumerate(uris[summaries:]):
            pg.execute(
                "INSERT INTO article_annotations (article_uri, author, user_id, "
                "content, is_private, created_at, updated_at) VALUES (%s, 'mel', 2, "
                "%s, true, now(), now())",
                [uri, f"Written in the app {number}"],
            )
        pg.execute(
            "UPDATE keyword_article_matches SET is_read = true WHERE id IN (SELECT id "
            "FROM keyword_article_matches ORDER BY id DESC LIMIT %s)",
            [marks],
        )
    return {"summaries": summaries, "notes": notes, "read_marks": marks}


def profiled(command: list[str], profile: Path | None, name: str) -> list[str]:
    """``command`` under py-spy (collapsed stacks, child processes too), if asked."""
    if profile is None:
        return command
    profile.mkdir(parents=True, exist_ok=True)
    return ["py-spy", "record", "--subprocesses", "--format", "raw", "--rate", "50",
            "-o", str(profile / f"{name}.txt"), "--", *command]  # fmt: skip


def run(
    articles: int, database_url: str | None, profile: Path | None = None
) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="aunoo-bench-cutover-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    source = work / "fnaapp.db"
    print(f"copying the {articles:,}-article file…", flush=True)
    shutil.copyfile(legacy_file(articles), source)
    server = Server(database_url, work)
    server.recreate(DATABASE)
    env = django_env(server, DATABASE, work)
    manage = [sys.executable, "manage.py"]
    try:
        subprocess.run(
            [*manage, "migrate", "--database", "analytics", "--skip-checks", "-v", "0"],
            env=env, cwd=PROJECT_DIR, check=True,
        )  # fmt: skip
        bulk = measure(
            [*manage, "migrate_articles", "--skip-checks", "--source", str(source)],
            env=env, log=work / "bulk.log",
        )  # fmt: skip
        print(f"  bulk copy: {bulk['seconds']:.1f} s", flush=True)
        # The runbook's catch-ups while both apps run; the first one compares
        # every row and leaves fingerprints for the next.
        live = measure(
            [*manage, "migrate_articles", "--skip-checks", "--source", str(source),
             "--catch-up"],
            env=env, log=work / "live_catch_up.log",
        )  # fmt: skip
        print(f"  first catch-up (apps live): {live['seconds']:.1f} s", flush=True)
        legacy = legacy_changes(source, CHANGES_PER_SIDE)
        app = app_changes(server.url(DATABASE), CHANGES_PER_SIDE)
        catch_up = measure(
            profiled([*manage, "migrate_articles", "--skip-checks", "--source",
                      str(source), "--catch-up"], profile, "final_catch_up"),
            env=env, log=work / "catch_up.log",
        )  # fmt: skip
        print(f"  final catch-up: {catch_up['seconds']:.1f} s", flush=True)
        validation = measure(
            profiled([*manage, "validate_migration", "--skip-checks", "--source",
                      str(source)], profile, "validation"),
            env=env, log=work / "validate.log",
        )  # fmt: skip
        print(f"  validation: {validation['seconds']:.1f} s", flush=True)
    finally:
        server.drop(DATABASE)
    window = catch_up["seconds"] + validation["seconds"]
    return {
        "benchmark": "cutover",
        "articles": articles,
        "source_mb": round(source.stat().st_size / 2**20, 1),
        "server": server.description,
        "postgresql": server.version(),
        "machine": machine(),
        "changes": {"legacy": legacy, "app": app},
        "bulk_copy": bulk,
        "first_catch_up": live,
        "final_catch_up": catch_up,
        "validation": validation,
        "window_seconds": round(window, 2),
        "window_vs_bulk_copy": round(window / bulk["seconds"], 3),
        "targets": [
            {
                "target": f"cut-over window (final catch-up + validation) < "
                f"{TARGET_SECONDS:.0f} s",
                "measured": f"{window:.1f} s",
                "met": window < TARGET_SECONDS,
            },
            {
                "target": "final catch-up and validation exit 0",
                "measured": f"{catch_up['exit_code']} / {validation['exit_code']}",
                "met": catch_up["exit_code"] == 0 and validation["exit_code"] == 0,
            },
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_cutover")
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="5,000 articles")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "cutover.json")
    parser.add_argument(
        "--profile",
        type=Path,
        help="record py-spy profiles of the final catch-up and validation here "
        "(times then include the profiler's cost)",
    )
    options = parser.parse_args(sys.argv[1:] if argv is None else argv)
    articles = 5_000 if options.quick else options.articles
    results = run(articles, options.database_url, options.profile)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(results, indent=2) + "\n")
    print(
        f"cut-over window {results['window_seconds']:.1f} s "
        f"({results['window_vs_bulk_copy']:.2f} x the bulk copy of "
        f"{results['bulk_copy']['seconds']:.1f} s)"
    )
    for target in results["targets"]:
        print(f"  {target['target']}: {target['measured']} "
              f"({'met' if target['met'] else 'NOT met'})")  # fmt: skip
    return 0 if all(t["exit_code"] == 0 for t in (results["final_catch_up"],)) else 1


if __name__ == "__main__":
    sys.exit(main())
