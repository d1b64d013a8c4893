"""The migration benchmark (``bench/bench_migration.py``) under the same entry point."""

from __future__ import annotations

import importlib
import json
from typing import Any

from bench import report
from bench.environment import PROJECT_DIR, RESULTS_DIR


def argv_for(
    *, quick: bool, articles: int | None, database_url: str | None
) -> list[str]:
    argv = ["--database-url", database_url] if database_url else []
    if articles is not None:
        return [*argv, "--articles", str(articles)]
    return [*argv, "--quick"] if quick else argv


def run(
    *, quick: bool, articles: int | None, database_url: str | None
) -> dict[str, Any]:
    try:
        module = importlib.import_module("bench.bench_migration")
    except ImportError as exc:
        print(f"   unavailable: bench/bench_migration.py is not importable ({exc})")
        return {"targets": [], "unavailable": str(exc)}
    argv = argv_for(quick=quick, articles=articles, database_url=database_url)
    shown = [_hide_password(word) for word in argv]
    print(f"   bench.bench_migration.main({shown})", flush=True)
    code = module.main(argv)
    if code not in (None, 0):
        raise RuntimeError(f"the migration benchmark exited with {code}")
    return {"targets": _targets_from_json()}


def _hide_password(word: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(word)
    if parts.password:
        return word.replace(f":{parts.password}@", ":***@")
    return word


def _targets_from_json() -> list[dict[str, Any]]:
    path = RESULTS_DIR / "migration.json"
    if not path.exists():
        return []
    results = json.loads(path.read_text())
    picture = RESULTS_DIR / "migration.png"
    # The migration benchmark writes JSON only: draw its chart unless it did.
    if not picture.exists() or picture.stat().st_mtime < path.stat().st_mtime:
        chart = report.chart_migration(results)
        if chart:
            print(f"   wrote {chart.relative_to(PROJECT_DIR)}")
    targets = results.get("targets", [])
    if isinstance(targets, dict):
        targets = [
            {
                "target": name,
                "measured": value.get("measured"),
                "met": bool(value.get("met")),
            }
            for name, value in targets.items()
            if isinstance(value, dict)
        ]
    return [t for t in targets if isinstance(t, dict) and {"target", "met"} <= set(t)]
