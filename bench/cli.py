"""Options, the order of the benchmarks, and the printed report."""

from __future__ import annotations

import argparse
import os
import shlex
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from bench import environment, report

BENCHMARKS = ("writers", "migration", "import", "scale", "keywords")

# The legacy docs report a production file of 30,415 articles: the writers
# benchmark starts from that many, so reads scan what a real installation holds.
FULL = {
    "articles": 20_000,
    # The legacy app as it wrote: its pauses, not its writes, set the pace.
    "paced_articles": 2_000,
    "seed_articles": 30_000,
    "import_seed_articles": 2_000,
    "import_articles": 200_000,
    "idle_seconds": 30.0,
    "scale_articles": 1_000_000,
    "keyword_articles": 1_000_000,
}
QUICK = {
    "articles": 1_000,
    "paced_articles": 200,
    "seed_articles": 500,
    "import_seed_articles": 300,
    "import_articles": 5_000,
    "idle_seconds": 6.0,
    "scale_articles": 20_000,
    "keyword_articles": 20_000,
}


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks of the migration plan's promises, legacy SQLite vs "
        "PostgreSQL. Results go to bench/results/<name>.json and .png.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes for a run of a couple of minutes",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=BENCHMARKS,
        default=None,
        help="run only this benchmark (repeatable)",
    )
    parser.add_argument(
        "--articles", type=int, help="articles saved per writers setup (full: 20,000)"
    )
    parser.add_argument(
        "--import-articles",
        type=int,
        help="articles in the large import (full: 200,000)",
    )
    parser.add_argument(
        "--scale-articles",
        type=int,
        help="articles generated for the scale benchmark (full: 1,000,000)",
    )
    parser.add_argument(
        "--keyword-articles",
        type=int,
        help="articles generated for the keyword scan benchmark (full: 1,000,000)",
    )
    parser.add_argument(
        "--writers",
        default="1,4,8",
        help="comma-separated writer counts (default 1,4,8)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or None,
        help="a PostgreSQL server to use (a dedicated <db>_bench database "
        "is created and dropped); default: a throwaway embedded cluster",
    )
    parser.add_argument(
        "--legacy-journal",
        choices=("wal", "delete"),
        default="wal",
        help="journal mode of the legacy SQLite file (2025-10 used WAL)",
    )
    parser.add_argument(
        "--import-command",
        choices=("auto", "migrate", "ingest"),
        default="auto",
        help="which command loads the large import",
    )
    parser.add_argument(
        "--import-args",
        default=None,
        help="options for the import command (default for migrate_articles: "
        '"--streams 1 --throttle 1", as the runbook loads beside a live app; '
        '"" for full speed)',
    )
    parser.add_argument(
        "--import-nice",
        type=int,
        default=10,
        help="run the import at this nice level, as the runbook does (default 10; "
        "0 for none)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary databases for inspection",
    )
    return parser


def normalise_argv(argv: Sequence[str]) -> list[str]:
    # `make bench ARGS="--quick --only writers"` may arrive as one quoted word,
    # and an empty ARGS as an empty one.
    words = [word for word in argv if word.strip()]
    if len(words) == 1 and " " in words[0]:
        return shlex.split(words[0])
    return words


def sizes(options: argparse.Namespace) -> dict[str, Any]:
    chosen = dict(QUICK if options.quick else FULL)
    for key in ("articles", "import_articles", "scale_articles", "keyword_articles"):
        if getattr(options, key) is not None:
            chosen[key] = getattr(options, key)
    return chosen


def main(argv: Sequence[str]) -> int:
    options = parser().parse_args(normalise_argv(argv))
    chosen = sizes(options)
    selected = options.only or list(BENCHMARKS)
    env = environment.prepare(options.database_url, keep=options.keep)
    print(
        f"aunoo benchmarks ({'quick' if options.quick else 'full'} sizes) on "
        f"{env.describe}",
        flush=True,
    )
    environment.setup_django()
    environment.migrate_and_create_user()
    runners = _runners(options, chosen, env)
    failures = 0
    summary: dict[str, Any] = {}
    for name in BENCHMARKS:
        if name not in selected:
            continue
        began = time.monotonic()
        print(f"\n== {name} ==", flush=True)
        try:
            summary[name] = runners[name]()
        except Exception as exc:  # noqa: BLE001  one broken benchmark must not hide others
            failures += 1
            traceback.print_exc()
            summary[name] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"   ({time.monotonic() - began:.0f} s)", flush=True)
    _print_targets(summary)
    summary_path = report.write_summary()
    print(f"\nsummary: {summary_path.relative_to(environment.PROJECT_DIR)}")
    return 1 if failures else 0


def _runners(
    options: argparse.Namespace,
    chosen: dict[str, Any],
    env: environment.BenchEnvironment,
) -> dict[str, Callable[[], Any]]:
    from bench import (
        bench_import,
        bench_keywords,
        bench_scale,
        bench_writers,
        migration,
    )

    writer_counts = tuple(int(part) for part in options.writers.split(","))
    return {
        "writers": lambda: _finish(
            "writers",
            bench_writers.run(
                articles=chosen["articles"],
                writer_counts=writer_counts,
                work_dir=env.work_dir,
                journal=options.legacy_journal,
                seed_articles=chosen["seed_articles"],
                paced_articles=chosen["paced_articles"],
            ),
            report.chart_writers,
            _print_writers,
            _targets_writers,
        ),
        "migration": lambda: migration.run(
            quick=options.quick,
            articles=options.import_articles,
            database_url=options.database_url,
        ),
        "import": lambda: _finish(
            "import",
            bench_import.run(
                articles=chosen["import_articles"],
                idle_seconds=chosen["idle_seconds"],
                seed_articles=chosen["seed_articles"],
                command=options.import_command,
                nice=options.import_nice,
                extra=None
                if options.import_args is None
                else shlex.split(options.import_args),
            ),
            report.chart_import,
            _print_import,
            _targets_import,
        ),
        "scale": lambda: _finish(
            "scale",
            bench_scale.run(
                articles=chosen["scale_articles"],
                quick=options.quick,
            ),
            report.chart_scale,
            _print_scale,
            _targets_scale,
        ),
        "keywords": lambda: _finish(
            "keywords",
            bench_keywords.run(
                articles=chosen["keyword_articles"], quick=options.quick
            ),
            lambda _: None,
            _print_keywords,
            lambda _: [],
        ),
    }


def _finish(
    name: str,
    results: dict[str, Any],
    chart: Callable[[dict[str, Any]], Any],
    show: Callable[[dict[str, Any]], None],
    targets: Callable[[dict[str, Any]], list[dict[str, Any]]],
) -> dict[str, Any]:
    results["targets"] = targets(results)
    json_path = report.write_json(name, results)
    png_path = chart(results)
    show(results)
    for target in results["targets"]:
        print(
            f"   target {'MET   ' if target['met'] else 'MISSED'} {target['target']}: "
            f"{target['measured']}"
        )
    print(
        f"   wrote {json_path.relative_to(environment.PROJECT_DIR)}"
        + (f" and {png_path.relative_to(environment.PROJECT_DIR)}" if png_path else "")
    )
    return {"targets": results["targets"]}


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.1f}{unit}"
    return f"{value:,}{unit}"


# Writers ---------------------------------------------------------------------


def _print_writers(results: dict[str, Any]) -> None:
    print(
        f"   {'setup':<22}{'art/s':>9}{'errors':>8}{'locked':>8}"
        f"{'write p50/p95/p99 ms':>26}{'list p95':>10}{'search p95':>11}"
        f"{'read err':>9}{'CPU %':>7}"
    )
    for item in results["setups"]:
        label = f"{item['architecture']} x{item['writers']}"
        if item.get("unavailable"):
            print(f"   {label:<22}unavailable: {item['unavailable']}")
            continue
        write = item["write_batch_latency"]
        reads = item["read_latency"]
        print(
            f"   {label:<22}{_fmt(item['articles_per_second']):>9}"
            f"{item['write_errors']:>8}{item['database_is_locked']:>8}"
            f"{'/'.join(_fmt(write[k]) for k in ('p50_ms', 'p95_ms', 'p99_ms')):>26}"
            f"{_fmt(reads['list']['p95_ms']):>10}{_fmt(reads['search']['p95_ms']):>11}"
            f"{item['read_errors']:>9}{_fmt(item.get('cpu_busy_percent')):>7}"
        )
    for row in results["comparison"]:
        print(
            f"   {row['writers']} writer(s): PostgreSQL / legacy throughput = "
            f"{_fmt(row.get('throughput_ratio_as_written'))}x the legacy app as it "
            f"wrote, {_fmt(row['throughput_ratio'])}x its write path without pauses"
        )


def _targets_writers(results: dict[str, Any]) -> list[dict[str, Any]]:
    setups = {(i["architecture"], i["writers"]): i for i in results["setups"]}
    project = setups.get(("project", 8), {})
    if not project or project.get("unavailable"):
        return [
            {
                "target": "8 writers on PostgreSQL",
                "measured": "not measured",
                "met": False,
            }
        ]
    row = next((r for r in results["comparison"] if r["writers"] == 8), {})
    targets = [
        {
            "target": "8 writers on PostgreSQL: zero errors",
            "measured": f"{project['write_errors']} write / "
            f"{project['read_errors']} read errors",
            "met": project["write_errors"] == 0 and project["read_errors"] == 0,
        }
    ]
    for architecture, key, against in (
        ("legacy_paced", "throughput_ratio_as_written", "the legacy app as it wrote"),
        ("legacy", "throughput_ratio", "the legacy write path without its pauses"),
    ):
        legacy = setups.get((architecture, 8), {})
        ratio = row.get(key)
        targets.append(
            {
                "target": f"8 writers on PostgreSQL: >= 2x {against}",
                "measured": f"{_fmt(ratio)}x ({_fmt(project['articles_per_second'])}"
                f" vs {_fmt(legacy.get('articles_per_second'))} articles/s)",
                "met": ratio is not None and ratio >= 2,
            }
        )
    return targets


# Import ----------------------------------------------------------------------


def _print_import(results: dict[str, Any]) -> None:
    imported = results.get("import", {})
    print(
        f"   import: {imported.get('command')} of {_fmt(imported.get('articles'))} "
        f"articles in {_fmt(imported.get('seconds'))} s "
        f"({_fmt(imported.get('articles_per_second'))} articles/s), "
        f"exit {imported.get('exit_code')}; machine CPU busy "
        f"{_fmt(results.get('idle', {}).get('cpu_busy_percent'))} % idle, "
        f"{_fmt(results.get('during_import', {}).get('cpu_busy_percent'))} % during"
    )
    print(
        f"   {'endpoint':<12}{'idle p50/p95/p99 ms':>24}{'import p50/p95/p99 ms':>26}"
        f"{'p95 x':>7}{'errors':>8}{'requests':>10}{'after p95':>11}{'p95 x':>7}"
    )
    idle = results.get("idle", {}).get("endpoints", {})
    busy = results.get("during_import", {}).get("endpoints", {})
    after = results.get("after_import", {}).get("endpoints", {})
    for name, base in idle.items():
        load = busy.get(name, {})
        print(
            f"   {name:<12}"
            f"{'/'.join(_fmt(base.get(k)) for k in ('p50_ms', 'p95_ms', 'p99_ms')):>24}"
            f"{'/'.join(_fmt(load.get(k)) for k in ('p50_ms', 'p95_ms', 'p99_ms')):>26}"
            f"{_fmt(results.get('ratios', {}).get(name)):>7}"
            f"{load.get('errors', 0):>8}{load.get('count', 0):>10}"
            f"{_fmt(after.get(name, {}).get('p95_ms')):>11}"
            f"{_fmt(results.get('ratios_to_after_import', {}).get(name)):>7}"
        )


def _targets_import(results: dict[str, Any]) -> list[dict[str, Any]]:
    busy = results.get("during_import", {}).get("endpoints", {})
    if not busy:
        return [
            {
                "target": "reads during the import",
                "measured": "not measured",
                "met": False,
            }
        ]
    errors = sum(item.get("errors", 0) for item in busy.values())
    targets = [
        {
            "target": "reads during the import: zero errors",
            "measured": f"{errors} errors",
            "met": errors == 0,
        }
    ]
    for name in ("list", "search"):
        item = busy.get(name, {})
        p99 = item.get("p99_ms")
        targets.append(
            {
                "target": f"{name} p99 < 250 ms during the import",
                "measured": f"{_fmt(p99)} ms",
                "met": p99 is not None and p99 < 250,
            }
        )
        ratio = results.get("ratios", {}).get(name)
        targets.append(
            {
                "target": f"{name} p95 during import <= 2x idle p95",
                "measured": f"{_fmt(ratio)}x",
                "met": ratio is not None and ratio <= 2,
            }
        )
    return targets


# Scale -----------------------------------------------------------------------


def _print_scale(results: dict[str, Any]) -> None:
    print(
        f"   {_fmt(results.get('articles'))} articles generated in "
        f"{_fmt(results.get('generate_seconds'))} s"
    )
    print(
        f"   {'endpoint':<18}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'target':>9}{'errors':>8}{'SQL p95 ms':>12}{'first (cold) ms':>17}"
    )
    for name, item in results.get("endpoints", {}).items():
        print(
            f"   {name:<18}{_fmt(item.get('p50_ms')):>9}{_fmt(item.get('p95_ms')):>9}"
            f"{_fmt(item.get('p99_ms')):>9}{_fmt(item.get('target_ms')):>9}"
            f"{item.get('errors', 0):>8}{_fmt(item.get('analytics_sql_p95_ms')):>12}"
            f"{_fmt(max(item.get('first_request_ms') or [0])):>17}"
        )
        if item.get("note"):
            print(f"      {item['note']}")
    exported = results.get("export") or {}
    if exported:
        print(
            f"   export of every article as CSV: {_fmt(exported.get('seconds'))} s, "
            f"{_fmt(exported.get('lines'))} lines, "
            f"{_fmt(exported.get('megabytes'))} MB, "
            f"peak traced memory {_fmt(exported.get('peak_traced_mb'))} MB"
        )
    rollup = results.get("trends_rollup") or {}
    for label in ("90 days", "all"):
        if label in rollup:
            item = rollup[label]
            print(
                f"   trends aggregate, {label}: covering index "
                f"{_fmt(item['index_ms'])} ms, daily rollup "
                f"({_fmt(rollup['rollup_rows'])} rows) {_fmt(item['rollup_ms'])} ms"
            )


def _targets_scale(results: dict[str, Any]) -> list[dict[str, Any]]:
    targets = []
    for name, item in results.get("endpoints", {}).items():
        p95 = item.get("p95_ms")
        targets.append(
            {
                "target": f"{name} p95 < {item.get('target_ms')} ms at "
                f"{results.get('articles', 0):,} articles",
                "measured": f"{_fmt(p95)} ms"
                + (f", {item['errors']} errors" if item.get("errors") else ""),
                "met": p95 is not None
                and p95 < item["target_ms"]
                and not item.get("errors"),
            }
        )
    return targets


def _print_targets(summary: dict[str, Any]) -> None:
    print("\n== targets ==")
    for name, result in summary.items():
        if "error" in result:
            print(f"   {name}: FAILED TO RUN ({result['error']})")
            continue
        for target in result.get("targets", []):
            print(
                f"   {'MET   ' if target['met'] else 'MISSED'} {target['target']}: "
                f"{target['measured']}"
            )


# Keyword scans -------------------------------------------------------------------


def _print_keywords(results: dict[str, Any]) -> None:
    print(f"   {results['articles']:,} articles; one keyword against all of them:")
    print(f"   {'keyword':<18}{'way':<13}{'seconds':>9}{'found':>9}{'x indexed':>11}")
    for keyword, ways in results["keywords"].items():
        for way, item in ways.items():
            print(
                f"   {keyword:<18}{way:<13}{item['seconds']:>9,.2f}"
                f"{item['found']:>9,}{item['x_indexed']:>11,.1f}"
            )
