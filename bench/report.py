"""Results on disk (JSON) and as pictures (PNG), one pair per benchmark."""

from __future__ import annotations

import json
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.environment import PROJECT_DIR, RESULTS_DIR

LEGACY_COLOUR = "#c0504d"
PROJECT_COLOUR = "#4f81bd"
IDLE_COLOUR = "#9bbb59"
PACED_COLOUR = "#8c3a38"
ARCHITECTURE_LABELS = {
    "legacy_paced": "legacy SQLite, as written (0.2 s pauses)",
    "legacy": "legacy SQLite, no pauses",
    "project": "PostgreSQL",
}


def write_json(name: str, data: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {"benchmark": name, "machine": machine(), **data}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path


def machine() -> dict[str, Any]:
    import os

    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "platform": platform.platform(),
    }


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _bars(
    axis: Any,
    groups: list[str],
    series: dict[str, tuple[list[float | None], str]],
    *,
    title: str,
    ylabel: str,
) -> None:
    width = 0.8 / max(1, len(series))
    for offset, (label, (values, colour)) in enumerate(series.items()):
        positions = [
            index + (offset - (len(series) - 1) / 2) * width
            for index in range(len(groups))
        ]
        heights = [value or 0 for value in values]
        bars = axis.bar(positions, heights, width, label=label, color=colour)
        for bar, value in zip(bars, values, strict=True):
            text = (
                "n/a"
                if value is None
                else f"{value:,.0f}"
                if value >= 10
                else f"{value:.1f}"
            )
            axis.annotate(
                text,
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=7,
            )
    axis.set_xticks(range(len(groups)), groups)
    axis.set_title(title, fontsize=10)
    axis.set_ylabel(ylabel)
    axis.legend(fontsize=7)


def _save(figure: Any, name: str, title: str) -> Path:
    figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    path = RESULTS_DIR / f"{name}.png"
    figure.savefig(path, dpi=110)
    _pyplot().close(figure)
    return path


def chart_writers(results: dict[str, Any]) -> Path:
    plt = _pyplot()
    setups = {
        (item["architecture"], item["writers"]): item for item in results["setups"]
    }
    counts = sorted({writers for _, writers in setups})
    groups = [f"{count} writer{'s' if count > 1 else ''}" for count in counts]

    def values(architecture: str, *path: str) -> list[float | None]:
        out = []
        for count in counts:
            item: Any = setups.get((architecture, count), {})
            for key in path:
                item = (item or {}).get(key)
            out.append(item)
        return out

    figure, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    _bars(
        axes[0],
        groups,
        {
            "legacy as written": (
                values("legacy_paced", "articles_per_second"),
                PACED_COLOUR,
            ),
            "legacy, no pauses": (
                values("legacy", "articles_per_second"),
                LEGACY_COLOUR,
            ),
            "PostgreSQL": (values("project", "articles_per_second"), PROJECT_COLOUR),
        },
        title="Throughput (higher is better)",
        ylabel="articles saved / s",
    )
    _bars(
        axes[1],
        groups,
        {
            "legacy as written p95": (
                values("legacy_paced", "write_batch_latency", "p95_ms"),
                PACED_COLOUR,
            ),
            "legacy, no pauses p95": (
                values("legacy", "write_batch_latency", "p95_ms"),
                LEGACY_COLOUR,
            ),
            "PostgreSQL p95": (
                values("project", "write_batch_latency", "p95_ms"),
                PROJECT_COLOUR,
            ),
        },
        title="Write latency per 100-article batch, p95",
        ylabel="ms",
    )
    _bars(
        axes[2],
        groups,
        {
            "legacy list (no pauses)": (
                values("legacy", "read_latency", "list", "p95_ms"),
                LEGACY_COLOUR,
            ),
            "PostgreSQL list": (
                values("project", "read_latency", "list", "p95_ms"),
                PROJECT_COLOUR,
            ),
            "legacy search (no pauses)": (
                values("legacy", "read_latency", "search", "p95_ms"),
                "#e6a09e",
            ),
            "PostgreSQL search": (
                values("project", "read_latency", "search", "p95_ms"),
                "#a8c0de",
            ),
        },
        title="Read latency during writes, p95 (lower is better)",
        ylabel="ms",
    )
    return _save(figure, "writers", "Concurrent writers: legacy SQLite vs PostgreSQL")


def chart_import(results: dict[str, Any]) -> Path:
    plt = _pyplot()
    endpoints = list(results.get("idle", {}).get("endpoints", {}))
    idle = results.get("idle", {}).get("endpoints", {})
    busy = results.get("during_import", {}).get("endpoints", {})
    after = results.get("after_import", {}).get("endpoints", {})
    figure, axes = plt.subplots(1, 2, figsize=(13, 4.6))
    for axis, key in zip(axes, ("p95_ms", "p99_ms"), strict=True):
        _bars(
            axis,
            endpoints,
            {
                "idle": (
                    [idle.get(name, {}).get(key) for name in endpoints],
                    IDLE_COLOUR,
                ),
                "during import": (
                    [busy.get(name, {}).get(key) for name in endpoints],
                    PROJECT_COLOUR,
                ),
                "idle, after the import": (
                    [after.get(name, {}).get(key) for name in endpoints],
                    "#a8c0de",
                ),
            },
            title=f"HTTP latency {key[:3]} (lower is better)",
            ylabel="ms",
        )
        axis.tick_params(axis="x", labelsize=8)
    axes[1].axhline(250, color="grey", linestyle="--", linewidth=0.8)
    axes[1].annotate(
        "target for list and search: 250 ms",
        (0, 250),
        fontsize=7,
        color="grey",
        va="bottom",
    )
    rate = results.get("import", {}).get("articles_per_second")
    note = f"import: {rate:,.0f} articles/s" if rate else "import"
    return _save(figure, "import", f"Responsiveness during a large import ({note})")


def chart_scale(results: dict[str, Any]) -> Path:
    plt = _pyplot()
    endpoints = results.get("endpoints", {})
    names = list(endpoints)
    figure, axes = plt.subplots(1, 2, figsize=(13, 4.6))
    _bars(
        axes[0],
        names,
        {
            "p95 server time": (
                [endpoints[name].get("p95_ms") for name in names],
                PROJECT_COLOUR,
            ),
            "target": ([endpoints[name].get("target_ms") for name in names], "#bbbbbb"),
        },
        title=f"p95 server time at {results.get('articles', 0):,} articles",
        ylabel="ms",
    )
    _bars(
        axes[1],
        names,
        {
            "p50": ([endpoints[name].get("p50_ms") for name in names], IDLE_COLOUR),
            "p99": ([endpoints[name].get("p99_ms") for name in names], PROJECT_COLOUR),
        },
        title="p50 and p99 server time",
        ylabel="ms",
    )
    for axis in axes:
        axis.tick_params(axis="x", labelsize=8)
    return _save(figure, "scale", "At scale: PostgreSQL pages")


def chart_migration(results: dict[str, Any]) -> Path | None:
    """A chart from the migration benchmark's JSON when it did not draw one itself."""
    # A tool that did not finish has no time to compare.
    tools = {n: t for n, t in _migration_tools(results).items() if t["complete"]}
    if not tools:
        return None
    plt = _pyplot()
    names = list(tools)
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    _bars(
        axes[0],
        names,
        {"wall time": ([tools[n].get("seconds") for n in names], PROJECT_COLOUR)},
        title="Wall time (lower is better)",
        ylabel="s",
    )
    _bars(
        axes[1],
        names,
        {"peak memory": ([tools[n].get("peak_mb") for n in names], LEGACY_COLOUR)},
        title="Peak memory (lower is better)",
        ylabel="MB",
    )
    for axis in axes:
        axis.tick_params(axis="x", labelsize=7, labelrotation=20)
    return _save(figure, "migration", "Migration: migrate_articles vs other tools")


def _migration_tools(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    shapes = results.get("shapes")
    if isinstance(shapes, dict):  # one section per file shape
        return {
            f"{shape}: {name}": item
            for shape, section in shapes.items()
            if isinstance(section, dict)
            for name, item in _migration_tools(section).items()
        }
    found: dict[str, dict[str, Any]] = {}
    candidates = (
        results.get("tools") or results.get("runs") or results.get("results") or {}
    )
    if isinstance(candidates, list):
        candidates = {
            item.get("name", str(i)): item for i, item in enumerate(candidates)
        }
    for name, item in candidates.items():
        if not isinstance(item, dict):
            continue
        seconds = next(
            (
                item[k]
                for k in ("seconds", "wall_seconds", "wall_time_s", "median_seconds")
                if k in item
            ),
            None,
        )
        memory = next(
            (
                item[k]
                for k in ("peak_mb", "peak_memory_mb", "peak_rss_mb")
                if k in item
            ),
            None,
        )
        if seconds is not None or memory is not None:
            cpu = [item.get("client_cpu_s"), item.get("server_cpu_s")]
            found[str(name)] = {
                "complete": item.get("complete") is not False,
                "seconds": seconds,
                "peak_mb": memory,
                "cpu_s": sum(cpu) if None not in cpu else None,
            }
    return found


# The readable summary ----------------------------------------------------------------


def write_summary() -> Path:
    """``bench/results/SUMMARY.md``: every benchmark's latest figures in tables."""
    sections = [
        "# Latest benchmark results",
        "",
        "Written by `python -m bench` from the JSON files beside it; the README "
        "explains the methods and the targets.",
    ]
    for name, render in (
        ("writers", _summary_writers),
        ("migration", _summary_migration),
        ("import", _summary_import),
        ("scale", _summary_scale),
    ):
        path = RESULTS_DIR / f"{name}.json"
        if not path.exists():
            continue
        results = json.loads(path.read_text())
        machine_info = results.get("machine", {})
        sections += [
            "",
            f"## {name}",
            "",
            f"Measured {machine_info.get('measured_at')} at commit "
            f"{machine_info.get('commit')} on {machine_info.get('cpus')} CPUs.",
            "",
            *render(results),
            "",
            *_summary_targets(results.get("targets", [])),
            "",
            f"![{name}]({name}.png)" if (RESULTS_DIR / f"{name}.png").exists() else "",
        ]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "SUMMARY.md"
    path.write_text("\n".join(sections).rstrip() + "\n")
    return path


def _cell(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines


def _summary_targets(targets: list[dict[str, Any]]) -> list[str]:
    return [
        f"- {'met' if target.get('met') else '**missed**'}: {target.get('target')} "
        f"({target.get('measured')})"
        for target in targets
    ]


def _summary_writers(results: dict[str, Any]) -> list[str]:
    rows = []
    for item in results.get("setups", []):
        if item.get("unavailable"):
            continue
        write, reads = item["write_batch_latency"], item["read_latency"]
        rows.append(
            [
                ARCHITECTURE_LABELS.get(item["architecture"], item["architecture"]),
                item["writers"],
                item["articles_per_second"],
                item["write_errors"],
                item["database_is_locked"],
                f"{_cell(write['p50_ms'])} / {_cell(write['p95_ms'])} / "
                f"{_cell(write['p99_ms'])}",
                f"{_cell(reads['list']['p50_ms'])} / {_cell(reads['list']['p95_ms'])}"
                f" / {_cell(reads['list']['p99_ms'])}",
                f"{_cell(reads['search']['p50_ms'])} / "
                f"{_cell(reads['search']['p95_ms'])} / "
                f"{_cell(reads['search']['p99_ms'])}",
                item["read_errors"],
                item.get("cpu_busy_percent"),
            ]
        )
    waits = [
        f"- PostgreSQL wait events, {item['writers']} writer(s): "
        f"{_waits(item['postgresql_wait_events'])}"
        for item in results.get("setups", [])
        if item.get("postgresql_wait_events")
    ]
    ratios = [
        f"- {row['writers']} writer(s): PostgreSQL throughput = "
        f"{_cell(row.get('throughput_ratio_as_written'))} x the legacy app as it "
        f"wrote, {_cell(row['throughput_ratio'])} x its write path without pauses"
        for row in results.get("comparison", [])
    ]
    workload = results.get("workload", {})
    return [
        f"{_cell(workload.get('articles_per_setup'))} articles per setup in batches "
        f"of {workload.get('batch_size')}, on top of "
        f"{_cell(workload.get('seed_articles'))} seeded articles; "
        f"{workload.get('readers')} readers. The legacy app as it wrote pauses "
        f"{workload.get('legacy_pause_s')} s between groups of "
        f"{workload.get('legacy_group_size')} articles and saves "
        f"{_cell(workload.get('articles_per_paced_setup'))} articles per setup.",
        "",
        *_table(
            [
                "architecture",
                "writers",
                "articles/s",
                "write errors",
                "database is locked",
                "batch write p50/p95/p99 ms",
                "list p50/p95/p99 ms",
                "search p50/p95/p99 ms",
                "read errors",
                "machine CPU %",
            ],
            rows,
        ),
        "",
        *ratios,
        *waits,
    ]


def _summary_import(results: dict[str, Any]) -> list[str]:
    imported = results.get("import", {})
    idle = results.get("idle", {}).get("endpoints", {})
    busy = results.get("during_import", {}).get("endpoints", {})
    after = results.get("after_import", {}).get("endpoints", {})
    rows = [
        [
            name,
            " / ".join(_cell(base.get(k)) for k in ("p50_ms", "p95_ms", "p99_ms")),
            " / ".join(
                _cell(busy.get(name, {}).get(k)) for k in ("p50_ms", "p95_ms", "p99_ms")
            ),
            results.get("ratios", {}).get(name),
            " / ".join(
                _cell(after.get(name, {}).get(k))
                for k in ("p50_ms", "p95_ms", "p99_ms")
            ),
            results.get("ratios_to_after_import", {}).get(name),
            busy.get(name, {}).get("errors"),
            busy.get(name, {}).get("count"),
        ]
        for name, base in idle.items()
    ]
    waits = _waits(results.get("wait_events_during_import", {}))
    return [
        f"`{imported.get('command')}` of {_cell(imported.get('articles'))} articles: "
        f"{_cell(imported.get('seconds'))} s, exit {imported.get('exit_code')}; "
        f"machine CPU busy {_cell(results.get('idle', {}).get('cpu_busy_percent'))} % "
        f"idle and {_cell(results.get('during_import', {}).get('cpu_busy_percent'))} "
        "% during the import.",
        "",
        *_table(
            [
                "page",
                "idle p50/p95/p99 ms",
                "during import p50/p95/p99 ms",
                "p95 ratio to idle before",
                "idle after import p50/p95/p99 ms",
                "p95 ratio to idle after",
                "errors",
                "requests",
            ],
            rows,
        ),
        "",
        f"PostgreSQL wait events during the import (session: type/event count): "
        f"{waits}.",
    ]


def _waits(sampled: dict[str, Any]) -> str:
    events = ", ".join(
        f"{event} {count}" for event, count in sampled.get("events", {}).items()
    )
    return f"{events} ({sampled.get('samples', 0)} samples)"


def _summary_scale(results: dict[str, Any]) -> list[str]:
    rows = [
        [
            name,
            item.get("p50_ms"),
            item.get("p95_ms"),
            item.get("p99_ms"),
            item.get("analytics_sql_p95_ms"),
            item.get("target_ms"),
            item.get("errors"),
            " / ".join(_cell(value) for value in item.get("first_request_ms") or []),
        ]
        for name, item in results.get("endpoints", {}).items()
    ]
    return [
        f"{_cell(results.get('articles'))} articles generated in "
        f"{_cell(results.get('generate_seconds'))} s; "
        f"{results.get('samples_per_page')} requests per page, after one request "
        "to each distinct URL (its time is the last column: the cold cost).",
        "",
        *_table(
            [
                "page",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "SQL p95 ms",
                "target ms",
                "errors",
                "first request per URL ms",
            ],
            rows,
        ),
    ]


def _summary_migration(results: dict[str, Any]) -> list[str]:
    tools = _migration_tools(results)
    if not tools:
        return ["See `migration.json`."]
    return _table(
        ["tool", "wall time s", "peak memory MB", "CPU s (client + server)"],
        [
            [
                name if item["complete"] else f"{name} (did not finish)",
                item.get("seconds"),
                item.get("peak_mb"),
                item.get("cpu_s"),
            ]
            for name, item in tools.items()
        ],
    )
