"""Migration benchmark: ``migrate_articles`` vs pgloader vs a plain COPY pipeline.

Two generated legacy files of the same article count (clean, so the plain
pipeline and pgloader can load them at all; 200,000 articles by default), one
per file shape:

* ``legacy``: raw markdown as long as the real file's (about 19 KB per stored
  page, about 9.7 KB per article): bytes dominate;
* ``row-heavy``: the same rows with short raw markdown (``raw_scale`` 0.36, about
  3.5 KB per article): rows dominate, and any work per row shows.

Every analytics-side table the file has (as ``legacy.schema`` declares the
sides, per-scenario ``articles_scenario_<n>`` tables included) is moved into
PostgreSQL three ways, each in a database of its own on the same server:

* ``migrate_articles``: this project's command (conversions, rejects, checkpoints,
  indexes and the search vector of the real schema), then ``validate_migration``;
* ``plain_copy``: ``sqlite3 -csv | psql \\copy`` into text columns, one table after
  another, no conversion at all (the issue's reference point);
* ``pgloader``: Debian's pgloader 3.6, tuned so it does not exhaust its heap.

Each tool runs as its own process tree; wall time is measured around it and peak
memory is the largest summed RSS of the tree, polled every 20 ms. Results go to
``bench/results/migration.json``, one section per shape.

    python -m bench.bench_migration [--articles N] [--database-url URL] [--runs R]
        [--shape legacy|row-heavy ...] [--quick]
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import psutil

from bench.report import machine

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
CACHE_DIR = RESULTS_DIR / "tmp"  # gitignored: generated files are reused


@dataclass(frozen=True)
class Shape:
    """A legacy file shape: the generator's raw markdown scale, and what it means."""

    name: str
    raw_scale: float
    about: str


SHAPES = {
    shape.name: shape
    for shape in (
        Shape("legacy", 1.0, "raw markdown as the real file's (bytes dominate)"),
        Shape("row-heavy", 0.36, "short raw markdown, ~3.5 KB per article"),
    )
}
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
    server: Server,
    timeout: float = TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """Run ``command``; its wall time, the peak RSS of its process tree, exit code,
    and the CPU seconds it and the server spent (robust on a busy machine, where
    wall time is not)."""
    client_before = _children_cpu()
    server_before = server.cpu_seconds()
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
    # The run's backends are still exiting: their CPU counts once reaped.
    time.sleep(0.5)
    server_after = server.cpu_seconds()
    return {
        "seconds": round(seconds, 2),
        "peak_mb": round(peak / 2**20, 1),
        "client_cpu_s": round(_children_cpu() - client_before, 2),
        "server_cpu_s": (
            None
            if server_before is None or server_after is None
            else round(server_after - server_before, 2)
        ),
        "exit_code": process.returncode,
        "timed_out": timed_out,
        "log_tail": log.read_text(errors="replace")[-1500:],
    }


def _children_cpu() -> float:
    """User and system seconds of every child waited for (their children too)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
        self.postmaster: psutil.Process | None = None
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

    def cpu_seconds(self) -> float | None:
        """CPU seconds the server's processes have used, exited backends included;
        None when the server is not on this machine. A shared server counts its
        other users too: the throwaway embedded one counts only this run."""
        try:
            postmaster = self._postmaster()
            times = postmaster.cpu_times()
            total = times.user + times.system + times.children_user
            total += times.children_system
            for child in postmaster.children():
                with contextlib.suppress(psutil.Error):
                    child_times = child.cpu_times()
                    total += child_times.user + child_times.system
        except (psutil.Error, OSError):
            return None
        return total

    def _postmaster(self) -> psutil.Process:
        if self.postmaster is None:
            import psycopg

            if self.host not in {"127.0.0.1", "localhost", "::1"} and not (
                self.host.startswith("/")
            ):
                raise OSError("the server is not on this machine")
            with psycopg.connect(self.url("postgres")) as conn:
                row = conn.execute("SELECT pg_backend_pid()").fetchone()
                # While the backend lives: its parent is the postmaster.
                self.postmaster = psutil.Process(int(row[0]) if row else -1).parent()
            if self.postmaster is None:
                raise OSError("no postmaster")
        return self.postmaster

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


def run_ours(
    server: Server, source: Path, tables: Sequence[str], work: Path, streams: int
) -> dict[str, Any]:
    database = DATABASES["ours"]
    server.recreate(database)
    env = django_env(server, database, work)
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "migrate", "--database", "analytics", "--skip-checks", "-v", "0"],
        env=env, cwd=PROJECT_DIR, check=True,
    )  # fmt: skip
    # The whole file's analytics side: every table with a home, the rest archived.
    result = measure(
        [*manage, "migrate_articles", "--skip-checks", "--source", str(source),
         "--streams", str(streams)],
        env=env, log=work / "migrate_articles.log", server=server,
    )  # fmt: skip
    validation = measure(
        [*manage, "validate_migration", "--skip-checks", "--source", str(source)],
        env=env, log=work / "validate_migration.log", server=server,
    )  # fmt: skip
    result["validation"] = validation
    result["rows"] = table_counts(server, database, tables)
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


def run_plain(
    server: Server, source: Path, tables: Sequence[str], work: Path
) -> dict[str, Any]:
    database = DATABASES["plain"]
    server.recreate(database)
    script = PLAIN_SCRIPT.format(tables=" ".join(tables))
    env = {**server.psql_env(), "SOURCE": str(source), "DATABASE": database}
    result = measure(
        ["bash", "-c", script], env=env, log=work / "plain_copy.log", server=server
    )
    result["rows"] = table_counts(server, database, tables)
    return result


def run_pgloader(
    server: Server, source: Path, tables: Sequence[str], work: Path
) -> dict[str, Any]:
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
    # pgloader's SQLite source takes LIKE patterns only, where "_" matches any
    # character: check that they select exactly these tables.
    names = ", ".join(f"'{table}'" for table in tables)
    chosen = like_matches(source, tables)
    if chosen != sorted(tables):
        return {"skipped": f"pgloader's LIKE patterns would load {chosen}"}
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
        ["pgloader", str(load)],
        env=dict(os.environ),
        log=work / "pgloader.log",
        server=server,
    )
    result["rows"] = table_counts(server, database, tables)
    return result


def like_matches(source: Path, tables: Sequence[str]) -> list[str]:
    """The file's tables that any of the names, as SQLite LIKE patterns, match."""
    import sqlite3

    marks = " OR ".join("name LIKE ?" for _ in tables)
    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as db:
        rows = db.execute(
            f"SELECT name FROM sqlite_master WHERE type = 'table' AND ({marks}) "
            "ORDER BY name",
            list(tables),
        ).fetchall()
    return [name for (name,) in rows]


def table_counts(
    server: Server, database: str, tables: Sequence[str]
) -> dict[str, int | None]:
    """Rows of each legacy table in ``database``: in its own table, a scenario
    table's in ``scenario_articles``, a table with no home in ``legacy_archive``."""
    import psycopg

    counts: dict[str, int | None] = {}
    with psycopg.connect(server.url(database), autocommit=True) as conn:
        present = {
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }
        for table in tables:
            if table in present:
                row = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            elif "scenario_articles" in present and table.startswith(
                "articles_scenario_"
            ):
                row = conn.execute(
                    "SELECT count(*) FROM scenario_articles WHERE article_table = %s",
                    [table],
                ).fetchone()
            elif "legacy_archive" in present:
                row = conn.execute(
                    "SELECT count(*) FROM legacy_archive WHERE table_name = %s",
                    [table],
                ).fetchone()
            else:
                row = None
            counts[table] = int(row[0]) if row else None
    return counts


# --- the files ------------------------------------------------------------------


def legacy_file(articles: int, shape: Shape) -> Path:
    sys.path.insert(0, str(PROJECT_DIR))
    from legacy.generate import generate_legacy_file

    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    suffix = "" if shape.raw_scale == 1.0 else f"_raw{shape.raw_scale:g}"
    path = CACHE_DIR / f"legacy_clean_{articles}{suffix}.db"
    if not path.exists():
        print(f"generating {path.name} ({articles:,} articles)…", flush=True)
        generate_legacy_file(
            path, articles=articles, dirty=False, raw_scale=shape.raw_scale
        )
    return path


def analytics_tables(source: Path) -> list[str]:
    """The file's tables that move to PostgreSQL, as ``legacy.schema`` sides them."""
    import sqlite3

    sys.path.insert(0, str(PROJECT_DIR))
    from legacy import schema

    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as db:
        names = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
    return [name for name in names if schema.side(name) == schema.ANALYTICS]


def describe_file(source: Path, tables: Sequence[str]) -> dict[str, Any]:
    """Rows per table, their total, and the raw markdown per article."""
    import sqlite3

    rows: dict[str, int] = {}
    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as db:
        for table in tables:
            rows[table] = db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        raw = db.execute(
            "SELECT coalesce(sum(length(CAST(raw_markdown AS BLOB))), 0) "
            "FROM raw_articles"
        ).fetchone()[0]
    articles = rows.get("articles") or 1
    return {
        "source_mb": round(source.stat().st_size / 2**20, 1),
        "tables": len(tables),
        "total_rows": sum(rows.values()),
        "raw_markdown_kb_per_article": round(raw / articles / 1000, 2),
        "source_rows": rows,
    }


# --- the runs and the report --------------------------------------------------


def mark_complete(result: dict[str, Any], expected: dict[str, int]) -> None:
    """Finished means exit 0 and every row there: pgloader can exit 0 with empty
    tables. For migrate_articles, its validation must pass too."""
    if "exit_code" not in result:
        return
    rows = result.get("rows", {})
    validation = result.get("validation", {"exit_code": 0})
    result["complete"] = (
        result["exit_code"] == 0
        and not result.get("timed_out")
        and validation["exit_code"] == 0
        and all(rows.get(table) == count for table, count in expected.items() if count)
    )


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [run for run in runs if run.get("complete")]
    if not ok:
        return runs[0]
    chosen = sorted(ok, key=lambda run: run["seconds"])[len(ok) // 2]
    return {**chosen, "all_seconds": [run["seconds"] for run in ok]}


def targets(tools: dict[str, dict[str, Any]], shape: str) -> list[dict[str, Any]]:
    ours, plain, pgl = tools["migrate_articles"], tools["plain_copy"], tools["pgloader"]
    if not ours.get("complete"):
        target = f"{shape}: migrate_articles moves and validates every table"
        return [{"target": target, "measured": "failed", "met": False}]
    found = []
    if plain.get("complete"):
        ratio = ours["seconds"] / plain["seconds"]
        found.append({
            "target": f"{shape}: migrate_articles <= {TARGET_RATIO} x plain "
            "sqlite3|psql",
            "measured": round(ratio, 2), "met": ratio <= TARGET_RATIO,
        })  # fmt: skip
    if pgl.get("complete"):
        speedup = pgl["seconds"] / ours["seconds"]
        found.append({
            "target": f"{shape}: migrate_articles >= 1.25 x faster than pgloader",
            "measured": round(speedup, 2), "met": speedup >= 1.25,
        })  # fmt: skip
    found.append({
        "target": f"{shape}: migrate_articles peak memory < {TARGET_PEAK_MB:.0f} MB",
        "measured": ours["peak_mb"], "met": ours["peak_mb"] < TARGET_PEAK_MB,
    })  # fmt: skip
    validation = ours["validation"]["seconds"] / ours["seconds"]
    found.append({
        "target": f"{shape}: validate_migration < 0.5 x migrate_articles time",
        "measured": round(validation, 2), "met": validation < 0.5,
    })  # fmt: skip
    return found


def ratios(tools: dict[str, dict[str, Any]]) -> dict[str, float]:
    ours = tools["migrate_articles"]
    if not ours.get("complete"):
        return {}
    found = {}
    if tools["plain_copy"].get("complete"):
        found["migrate_articles / plain_copy"] = round(
            ours["seconds"] / tools["plain_copy"]["seconds"], 2
        )
    if tools["pgloader"].get("complete"):
        found["pgloader / migrate_articles"] = round(
            tools["pgloader"]["seconds"] / ours["seconds"], 2
        )
    found["validate_migration / migrate_articles"] = round(
        ours["validation"]["seconds"] / ours["seconds"], 2
    )
    if tools["plain_copy"].get("complete") and _cpu(tools["plain_copy"]):
        # CPU seconds, client and server: what wall time would be on a quiet
        # machine with one core; far steadier than wall time on a busy one.
        found["cpu: migrate_articles / plain_copy"] = round(
            _cpu(ours) / _cpu(tools["plain_copy"]), 2
        )
    return found


def _cpu(result: dict[str, Any]) -> float:
    return float(result.get("client_cpu_s") or 0) + float(
        result.get("server_cpu_s") or 0
    )


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
    parser.add_argument(
        "--shape",
        action="append",
        choices=tuple(SHAPES),
        dest="shapes",
        help="a file shape to measure (repeatable; default: every shape)",
    )
    parser.add_argument("--skip-pgloader", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "migration.json")
    return parser.parse_args(argv)


class Bench:
    """The three tools over one file, run after run."""

    def __init__(
        self, options: argparse.Namespace, server: Server, work: Path, source: Path
    ) -> None:
        self.options, self.server, self.work = options, server, work
        self.source = source
        self.tables = analytics_tables(source)

    def run_tool(self, name: str) -> dict[str, Any]:
        server, source, tables, work = self.server, self.source, self.tables, self.work
        if name == "plain_copy":
            return run_plain(server, source, tables, work)
        if name == "migrate_articles":
            return run_ours(server, source, tables, work, self.options.streams)
        if self.options.skip_pgloader:
            return {"skipped": "--skip-pgloader"}
        return run_pgloader(server, source, tables, work)

    def measure_shape(self, shape: Shape) -> dict[str, Any]:
        described = describe_file(self.source, self.tables)
        print(
            f" shape {shape.name}: {described['tables']} tables, "
            f"{described['total_rows']:,} rows, {described['source_mb']:,.0f} MB, "
            f"raw markdown {described['raw_markdown_kb_per_article']} KB per article",
            flush=True,
        )
        runs: dict[str, list[dict[str, Any]]] = {
            "plain_copy": [],
            "migrate_articles": [],
            "pgloader": [],
        }
        # Interleaved, so a busy neighbour on the machine slows every tool alike.
        for number in range(self.options.runs):
            for name in runs:
                result = self.run_tool(name)
                mark_complete(result, described["source_rows"])
                runs[name].append(result)
                print(f"  run {number + 1} {name}: {_shown(result)}", flush=True)
        tools = {name: median_run(results) for name, results in runs.items()}
        return {
            "shape": shape.name,
            "about": shape.about,
            "raw_scale": shape.raw_scale,
            "source": str(self.source),
            **described,
            "tools": tools,
            "validation": tools["migrate_articles"].get("validation"),
            "ratios": ratios(tools),
            "targets": targets(tools, shape.name),
        }


def _shown(result: dict[str, Any]) -> str:
    if "skipped" in result:
        return str(result["skipped"])
    server = result["server_cpu_s"]
    shown = (
        f"{result['seconds']:.1f} s, {result['peak_mb']:.0f} MB, CPU client "
        f"{result['client_cpu_s']:.1f} s + server "
        + ("n/a" if server is None else f"{server:.1f} s")
    )
    if "validation" in result:
        shown += f", validation {result['validation']['seconds']:.1f} s"
    if not result["complete"]:
        shown += " (DID NOT FINISH: see log_tail)"
    return shown


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    articles = 5_000 if options.quick else options.articles
    shapes = [SHAPES[name] for name in options.shapes or SHAPES]
    work = Path(tempfile.mkdtemp(prefix="aunoo-bench-migration-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    sources = {shape.name: legacy_file(articles, shape) for shape in shapes}
    server = Server(options.database_url, work)
    version = server.version()
    load = os.getloadavg()
    print(
        f"migration benchmark: {articles:,} articles per file, {server.description}, "
        f"load average {load[0]:.2f}",
        flush=True,
    )
    measured = {}
    try:
        for shape in shapes:
            bench = Bench(options, server, work, sources[shape.name])
            measured[shape.name] = bench.measure_shape(shape)
    finally:
        for database in DATABASES.values():
            server.drop(database)
    results = {
        "benchmark": "migration",
        "articles": articles,
        "server": server.description,
        "postgresql": version,
        "machine": machine(),
        "load_average": {
            "start": [round(x, 2) for x in load],
            "end": [round(x, 2) for x in os.getloadavg()],
        },
        "runs": options.runs,
        "shapes": measured,
        "targets": [t for shape in measured.values() for t in shape["targets"]],
    }
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(results, indent=2) + "\n")
    for name, shape in measured.items():
        print(f" {name}: " + ", ".join(f"{k} {v}" for k, v in shape["ratios"].items()))
    for target in results["targets"]:
        mark = "met" if target["met"] else "NOT met"
        print(f"  {target['target']}: {target['measured']} ({mark})")
    print(f"wrote {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
