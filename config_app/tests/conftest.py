"""Hand-made legacy files and a runner for ``import_legacy_config``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from config_app.tests.legacy_config_files import write_config_file


@pytest.fixture
def config_file(tmp_path: Path) -> Callable[..., Path]:
    """``config_file({"tags": [...], ...}, ddl=..., name=...)`` -> its path."""
    counter = iter(range(1_000_000))

    def build(rows: Mapping[str, Iterable[Mapping[str, Any]]], **options: Any) -> Path:
        name = options.pop("name", None) or f"fnaapp_{next(counter)}.db"
        return write_config_file(tmp_path / name, rows, **options)

    return build


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def import_legacy_config() -> Callable[..., Result]:
    """Run the command as an operator would; its exit code, never an exception."""

    def run(*args: str) -> Result:
        out, err = StringIO(), StringIO()
        code = 0
        try:
            call_command("import_legacy_config", *args, stdout=out, stderr=err)
        except SystemExit as exc:
            code = int(exc.code or 0)
        except CommandError as exc:
            err.write(str(exc))
            code = exc.returncode
        return Result(code, out.getvalue(), err.getvalue())

    return run
