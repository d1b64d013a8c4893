"""Migration benchmark: ``migrate_articles`` vs pgloader vs a plain COPY pipeline.

One generated legacy file (clean, so the plain pipeline and pgloader can load it
at all; 200,000 articles by default) is moved into PostgreSQL three ways, each in
a database of its own on the same server:

* ``migrate_articles``: this project's command (conversions, rejects, checkpoints,
  indexes and the search vector of the real schema), then ``validate_migration``;
* ``plain_copy``: ``sqlite3 -csv | psql \\copy`` into text columns, one table after
  another, no conversion at all (the issue's reference point);
* ``pgloader``: Debian's pgloader 3.6, tuned so it does not exhaust its heap.

Each tool runs as its own process tree; wall time is measured around it and peak
memory is the largest summed RSS of the tree, polled every 20 ms. Results go to
``bench/results/migration.json``.

    python -m bench.bench_migration [--articles N] [--database-url URL] [--runs R]
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import psutil

from bench.report import machine

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
CACHE_DIR = RESULTS_DIR / "tmp"  # gitignored: generated files are reused
TABLES = (
    "articles",
    "raw_articles",
    "keyword_article_matches",
    "keyword_alerts",
    "article_analysis_cache",
    "article_annotations",
    "mediabias",
)
DATABASES = {
    "ours": "mig_bench_ours",
    "plain": "mig_bench_plain",
    "pgloader": "mig_bench_pgl",
}
POLL_SECONDS = 0.02
TIMEOUT_SECONDS = 900.0
TARGET_RATIO = 1.2
TARGET_PEAK_MB = 150.0


# --- measuring ------------------------------------------------------------------


def measure(
    command: Sequence[str],
    *,
    env: dict[str, str],
    log: Path,
    timeout: float = TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """Run ``command``; its wall time, the peak RSS of its process tree, exit code."""
    started = time.perf_counter()
    timed_out = False
    with log.open("w") as out:
        process = subprocess.Popen(
            command, env=env, cwd=PROJECT_DIR, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,  # SBCL's debugger must not wait for a reply
        )  # fmt: skip
        peak = 0
        handle = psutil.Process(process.pid)
        while process.poll() is None:
            peak = max(peak, _tree_rss(handle))
            if time.perf_counter() - started > timeout:
                timed_out = True
                process.kill()
                process.wait()
                break
            time.sleep(POLL_SECONDS)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "peak_mb": round(peak / 2**20, 1),
        "exit_code": process.returncode,
        "timed_out": timed_out,
        "log_tail": log.read_text(errors="replace")[-1500:],
    }


def _tree_rss(handle: psutil.Process) -> int:
    try:
        processes = [handle, *handle.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):  # it may have just exited
            total += process.memory_info().rss
    return total


# --- the server -------------------------------------------------------------------


class Server:
    """Where the three databases live: a given server, or a throwaway embedded one."""

    def __init__(self, database_url: str | None, work: Path) -> None:
        if database_url:
            parts = urlsplit(database_url)
            self.host = parts.hostname or "127.0.0.1"
            self.port = str(parts.port or 5432)
            self.user = parts.username or "postgres"
            self.password = parts.password or ""
            self.description = f"server {self.host}:{self.port}"
        else:
            sys.path.insert(0, str(PROJECT_DIR))
            from aunoo import embedded_pg

            self.host = embedded_pg.ensure_running(work / "pgdata", throwaway=True)
            self.port, self.user, self.password = "5432", "postgres", ""
            self.description = "throwaway embedded PostgreSQL"

    def url(self, database: str) -> str:
        auth = quote(self.user) + (f":{quote(self.password)}" if self.password else "")
        if self.host.startswith("/"):
            return f"postgres://{auth}@/{database}?host={quote(self.host)}"
        return f"postgres://{auth}@{self.host}:{self.port}/{database}"

    def psql_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
        }

    def recreate(self, database: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{database}"')

    def drop(self, database: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def version(self) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres")) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "?"


# --- the three tools ----------------------------------------------------------------


def django_env(server: Server, database: str, work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aunoo.settings",
        "AUNOO_ENV_FILE": os.devnull,
        "DATABASE_URL": server.url(database),
        "SQLITE_DB_PATH": str(work / "aunoo.sqlite3"),
        "SECRET_KEY": "benchmark-only-secret-key-not-used-anywhere-else-0123456789",
        "DEBUG": "false",
        "POSTGRES_MIN_CONNECTIONS": "1",
    }


def run_ours(server: Server, source: Path, work: Path, streams: int) -> dict[str, Any]:
    database = DATABASES["ours"]
    server.recreate(database)
    env = django_env(server, database, work)
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "migrate", "--database", "analytics", "--skip-checks", "-v", "0"],
        env=env, cwd=PROJECT_DIR, check=True,
    )  # fmt: skip
    result = measure(
        [*manage, "migrate_articles", "--skip-checks", "--source", str(source),
         "--streams", str(streams)],
        env=env, log=work / "migrate_articles.log",
    )  # fmt: skip
    validation = measure(
        [*manage, "validate_migration", "--skip-checks", "--source", str(source)],
        env=env, log=work / "validate_migration.log",
    )  # fmt: skip
    result["validation"] = validation
    result["rows"] = table_counts(server, database)
    return result


PLAIN_SCRIPT = r"""
set -euo pipefail
for table in {tables}; do
  columns=$(sqlite3 "$SOURCE" "SELECT group_concat('\"' || name || '\" text', ', ')
                               FROM pragma_table_info('$table')")
  [ -z "$columns" ] && continue
  psql -q -v ON_ERROR_STOP=1 -d "$DATABASE" -c "CREATE TABLE \"$table\" ($columns)"
  sqlite3 -csv "$SOURCE" "SELECT * FROM \"$table\"" |
    psql -q -v ON_ERROR_STOP=1 -d "$DATABASE" \
      -c "\copy \"$table\" FROM STDIN WITH (FORMAT csv)"
done
"""


def run_plain(server: Server, source: Path, work: Path) -> dict[str, Any]:
    database = DATABASES["plain"]
    server.recreate(database)
    script = PLAIN_SCRIPT.format(tables=" ".join(TABLES))
    env = {**server.psql_env(), "SOURCE": str(source), "DATABASE": database}
    result = measure(["bash", "-c", script], env=env, log=work / "plain_copy.log")
    result["rows"] = table_counts(server, database)
    return result


def run_pgloader(server: Server, source: Path, work: Path) -> dict[str, Any]:
    if shutil.which("pgloader") is None:
        return {"skipped": "pgloader is not installed (apt-get install pgloader)"}
    database = DATABASES["pgloader"]
    server.recreate(database)
    if server.host.startswith("/"):
        target = (
            f"postgresql://{server.user}@unix:{server.host}:{server.port}/{database}"
        )
    else:
        target = server.url(database).replace("postgres://", "postgresql://", 1)
    names = ", ".join(f"'{table}'" for table in TABLES)
    # Its defaults exhaust SBCL's heap on files of this size (raw_articles is
    # never loaded and it exits 1): small batches are what lets it finish.
    load = work / "pgloader.load"
    load.write_text(
        f"LOAD DATABASE\n  FROM sqlite://{source}\n  INTO {target}\n"
        "  WITH include drop, create tables, create indexes, reset sequences,\n"
        "       workers = 2, concurrency = 1, batch rows = 200, prefetch rows = 200,\n"
        "       batch size = 16MB\n"
        f"  INCLUDING ONLY TABLE NAMES LIKE {names};\n"
    )
    result = measure(
        ["pgloader", str(load)], env=dict(os.environ), log=work / "pgloader.log"
    )
    result["rows"] = table_counts(server, database)
    return result


def table_counts(server: Server, database: str) -> dict[str, int | None]:
    import psycopg

    counts: dict[str, int | None] = {}
    with psycopg.connect(server.url(database), autocommit=True) as conn:
        for table in TABLES:
            try:
                row = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
                counts[table] = int(row[0]) if row else None
            except psycopg.errors.UndefinedTable:
                counts[table] = None
    return counts


# --- the file, the runs, the report -------------------------------------------


def legacy_file(articles: int) -> Path:
    sys.path.insert(0, str(PROJECT_DIR))
    from legacy.generate import generate_legacy_file

    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"legacy_clean_{articles}.db"
    if not path.exists():
        print(f"generating {path.name} ({articles:,} articles)…", flush=True)
        generate_legacy_file(path, articles=articles, dirty=False)
    return path


def source_counts(source: Path) -> dict[str, int | None]:
    import sqlite3

    counts: dict[str, int | None] = {}
    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as db:
        for table in TABLES:
            try:
                row = db.execute(f'SELECT count(*) FROM "{table}"').fetchone()
                counts[table] = row[0]
            except sqlite3.OperationalError:
                counts[table] = None
    return counts


def mark_complete(result: dict[str, Any], expected: dict[str, int | None]) -> None:
    """Finished means exit 0 and every row there: pgloader can exit 0 with empty
    tables."""
    if "exit_code" not in result:
        return
    rows = result.get("rows", {})
    result["complete"] = (
        result["exit_code"] == 0
        and not result.get("timed_out")
        and all(rows.get(table) == count for table, count in expected.items() if count)
    )


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [run for run in runs if run.get("complete")]
    if not ok:
        return runs[0]
    chosen = sorted(ok, key=lambda run: run["seconds"])[len(ok) // 2]
    return {**chosen, "all_seconds": [run["seconds"] for run in ok]}


def targets(tools: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    ours, plain, pgl = tools["migrate_articles"], tools["plain_copy"], tools["pgloader"]
    found = []
    if plain.get("complete"):
        ratio = ours["seconds"] / plain["seconds"]
        found.append({
            "target": f"migrate_articles <= {TARGET_RATIO} x plain sqlite3|psql",
            "measured": round(ratio, 2), "met": ratio <= TARGET_RATIO,
        })  # fmt: skip
    found.append({
        "target": f"migrate_articles peak memory < {TARGET_PEAK_MB:.0f} MB",
        "measured": ours["peak_mb"], "met": ours["peak_mb"] < TARGET_PEAK_MB,
    })  # fmt: skip
    validation = ours["validation"]["seconds"] / ours["seconds"]
    found.append({
        "target": "validate_migration < 0.5 x migrate_articles time",
        "measured": round(validation, 2), "met": validation < 0.5,
    })  # fmt: skip
    if pgl.get("complete"):
        speedup = pgl["seconds"] / ours["seconds"]
        found.append({
            "target": "migrate_articles >= 1.25 x faster than pgloader",
            "measured": round(speedup, 2), "met": speedup >= 1.25,
        })  # fmt: skip
    return found


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_migration")
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="5,000 articles")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server (databases mig_bench_* are created and dropped); "
        "default: a throwaway embedded server",
    )
    parser.add_argument("--runs", type=int, default=1, help="median of this many runs")
    parser.add_argument("--streams", type=int, default=2)
    parser.add_argument("--skip-pgloader", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "migration.json")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    articles = 5_000 if options.quick else options.articles
    work = Path(tempfile.mkdtemp(prefix="aunoo-bench-migration-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    source = legacy_file(articles)
    expected = source_counts(source)
    server = Server(options.database_url, work)
    version = server.version()
    print(
        f"migration benchmark: {articles:,} articles, {server.description}", flush=True
    )
    runs: dict[str, list[dict[str, Any]]] = {
        "plain_copy": [],
        "migrate_articles": [],
        "pgloader": [],
    }

    def run_tool(name: str) -> dict[str, Any]:
        if name == "plain_copy":
            return run_plain(server, source, work)
        if name == "migrate_articles":
            return run_ours(server, source, work, options.streams)
        if options.skip_pgloader:
            return {"skipped": "--skip-pgloader"}
        return run_pgloader(server, source, work)

    try:
        # Interleaved, so a busy neighbour on the machine slows every tool alike.
        for number in range(options.runs):
            for name in runs:
                result = run_tool(name)
                mark_complete(result, expected)
                runs[name].append(result)
                shown = result.get("skipped") or (
                    f"{result['seconds']:.1f} s, {result['peak_mb']:.0f} MB"
                    + ("" if result["complete"] else " (DID NOT FINISH: see log_tail)")
                )
                print(f"  run {number + 1} {name}: {shown}", flush=True)
    finally:
        for database in DATABASES.values():
            server.drop(database)
    tools = {name: median_run(results) for name, results in runs.items()}
    results = {
        "benchmark": "migration",
        "articles": articles,
        "source": str(source),
        "source_mb": round(source.stat().st_size / 2**20, 1),
        "server": server.description,
        "postgresql": version,
        "machine": machine(),
        "runs": options.runs,
        "source_rows": expected,
        "tools": tools,
        "validation": tools["migrate_articles"].get("validation"),
        "ratios": ratios(tools),
        "targets": targets(tools),
    }
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(results, indent=2) + "\n")
    for target in results["targets"]:
        mark = "met" if target["met"] else "NOT met"
        print(f"  {target['target']}: {target['measured']} ({mark})")
    print(f"wrote {options.output}")
    return 0


def ratios(tools: dict[str, dict[str, Any]]) -> dict[str, float]:
    ours = tools["migrate_articles"]["seconds"]
    found = {}
    for name in ("plain_copy", "pgloader"):
        if tools[name].get("complete"):
            found[f"migrate_articles / {name}"] = round(
                ours / tools[name]["seconds"], 2
            )
    return found


if __name__ == "__main__":
    sys.exit(main())
