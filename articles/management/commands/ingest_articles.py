"""Save articles from a JSON Lines file through ``save_bulk_articles``."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from articles.bulk import (
    ArticleValidationError,
    BulkResult,
    CleanArticle,
    clean_article,
    save_bulk_articles,
)
from articles.schemas import ARTICLE_LINE_SCHEMA_PATH, schema_errors

# Seconds between progress lines when the output is not a terminal.
PROGRESS_INTERVAL = 10.0


class BadLine(ValueError):
    """A line that is not a valid article; the message is the reason."""


def parse_line(text: str) -> CleanArticle:
    """One JSON Lines line as a validated article, or ``BadLine`` saying why."""
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        column = (
            f" at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        )
        raise BadLine(f"not valid JSON: {reason}{column}") from exc
    problems = schema_errors(data)
    if problems:
        raise BadLine("; ".join(problems))
    try:
        return clean_article(data)
    except ArticleValidationError as exc:
        raise BadLine(exc.detail) from exc


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON and PostgreSQL jsonb do not.
    raise ValueError(f"{name} is not a JSON value")


@dataclass
class Progress:
    """Counts of one run, and the clock for rows per second."""

    lines: int = 0
    bad: int = 0
    result: BulkResult = field(default_factory=BulkResult)
    started: float = field(default_factory=time.monotonic)

    @property
    def saved(self) -> int:
        return self.result.created + self.result.updated

    @property
    def rate(self) -> float:
        return self.lines / max(time.monotonic() - self.started, 1e-9)

    def line(self) -> str:
        return (
            f"{self.lines:,} lines, {self.saved:,} articles saved, {self.bad:,} bad, "
            f"{self.rate:,.0f} rows/s"
        )


class Command(BaseCommand):
    help = (
        "Save articles from a JSON Lines file (one article object per line, see "
        f"articles/schemas/{ARTICLE_LINE_SCHEMA_PATH.name}), in batches, with "
        "keyword monitoring. Bad lines are reported by number and skipped; the "
        "rest is saved."
    )
    # Tests pass their own input stream, as createsuperuser does.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON Lines file, or - for standard input.")
        parser.add_argument(
            "--batch-size",
            type=_positive_int,
            default=500,
            help="Articles saved per transaction (default 500).",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Exit with status 1 when any line was bad (the others are saved).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=(
                "Validate, save each batch and roll it back: the same checks and "
                "counts, nothing kept."
            ),
        )

    def handle(
        self,
        *,
        file: str,
        batch_size: int,
        strict: bool,
        dry_run: bool,
        verbosity: int,
        **options: Any,
    ) -> None:
        self.verbosity = verbosity
        self.on_terminal = self.stdout.isatty()
        self.last_report = time.monotonic()
        with self._open(file, options.get("stdin")) as stream:
            progress = self._ingest(_lines(stream), batch_size, dry_run)
        self._summarise(progress, dry_run)
        if strict and progress.bad:
            sys.exit(1)

    def _open(
        self, file: str, stdin: IO[Any] | None
    ) -> contextlib.AbstractContextManager[IO[Any]]:
        if file == "-":
            # Closing standard input is not ours to do.
            return contextlib.nullcontext(stdin or sys.stdin.buffer)
        try:
            return open(file, "rb")
        except OSError as exc:
            raise CommandError(
                f"Cannot read {file}: {exc.strerror}. Give a JSON Lines file, "
                "or - to read standard input."
            ) from exc

    def _ingest(
        self, lines: Iterable[tuple[int, str | None]], batch_size: int, dry_run: bool
    ) -> Progress:
        progress = Progress()
        batch: list[CleanArticle] = []
        first_line = 1
        for number, text in lines:
            progress.lines = number
            article = self._parse(number, text, progress)
            if article is None:
                continue
            if not batch:
                first_line = number
            batch.append(article)
            if len(batch) >= batch_size:
                self._save(batch, (first_line, number), progress, dry_run)
                batch = []
        if batch:
            self._save(batch, (first_line, progress.lines), progress, dry_run)
        return progress

    def _parse(
        self, number: int, text: str | None, progress: Progress
    ) -> CleanArticle | None:
        try:
            if text is None:
                raise BadLine("not UTF-8 text")
            if not text.strip():
                return None  # blank lines separate nothing; skip them quietly
            return parse_line(text)
        except BadLine as exc:
            progress.bad += 1
            if self.verbosity >= 1:
                self._clear_progress()
                # Django styles stderr as an error on a terminal.
                self.stderr.write(f"line {number}: {exc}")
            return None

    def _save(
        self,
        batch: list[CleanArticle],
        lines: tuple[int, int],
        progress: Progress,
        dry_run: bool,
    ) -> None:
        try:
            progress.result += save_bulk_articles(batch, dry_run=dry_run)
        except DatabaseError as exc:
            raise CommandError(
                f"Saving lines {lines[0]}-{lines[1]} failed: {exc}. Earlier lines are "
                "saved; saving is an upsert by uri, so running the command again is "
                "safe."
            ) from exc
        self._report(progress)

    def _report(self, progress: Progress) -> None:
        if self.verbosity < 1:
            return
        if self.on_terminal:
            self.stdout.write(f"\r\x1b[K{progress.line()}", ending="")
            self.stdout.flush()
        elif time.monotonic() - self.last_report >= PROGRESS_INTERVAL:
            self.stdout.write(progress.line())
            self.last_report = time.monotonic()

    def _clear_progress(self) -> None:
        if self.on_terminal:
            self.stdout.write("\r\x1b[K", ending="")

    def _summarise(self, progress: Progress, dry_run: bool) -> None:
        if self.verbosity < 1:
            return
        self._clear_progress()
        result = progress.result
        seconds = time.monotonic() - progress.started
        style = self.style.WARNING if progress.bad else self.style.SUCCESS
        self.stdout.write(
            style(
                f"{'Dry run, nothing saved. ' if dry_run else ''}"
                f"Lines read: {progress.lines:,}; articles saved: {progress.saved:,} "
                f"({result.created:,} created, {result.updated:,} updated, "
                f"{result.raw_saved:,} with raw markdown); bad lines: {progress.bad:,}."
            )
        )
        self.stdout.write(
            f"Keyword matches: {result.matches_created:,} new, "
            f"{result.matches_merged:,} merged; new alerts: {result.alerts_created:,}. "
            f"{seconds:.1f} s, {progress.lines / max(seconds, 1e-9):,.0f} rows/s."
        )


def _lines(stream: IO[Any]) -> Iterator[tuple[int, str | None]]:
    """Numbered lines, decoded one by one so one bad byte spoils one line only."""
    for number, line in enumerate(stream, start=1):
        if isinstance(line, str):
            yield number, line
            continue
        try:
            text = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            yield number, None
        else:
            yield number, text


def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number above 0, not {raw!r}")
    return value
