"""Exports of the list, a search or the alerts: CSV, JSON Lines and Markdown.

Rows are read in keyset chunks (each chunk one indexed query starting after
the last row of the one before) and written out as they come, so an export of
a million articles holds one chunk in memory, never the whole result. The
caller streams what ``render`` yields.

Every cell of a CSV export that a spreadsheet would read as a formula (it
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
prefixed with an apostrophe, so a title such as ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q

from articles.models import Article, ArticleAnnotation

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
    "md": ("text/markdown; charset=utf-8", "md"),
}
CHUNK = 1000
ARTICLE_FIELDS = (
    "uri",
    "title",
    "news_source",
    "publication_date",
    "submission_date",
    "topic",
    "category",
    "sentiment",
    "time_to_impact",
    "driver_type",
    "future_signal",
    "tags",
    "analyzed",
    "summary",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# One chunk of rows and the token of the next one (None: the last chunk).
Fetch = Callable[[str], tuple[Sequence[Any], str | None]]


@dataclass(frozen=True)
class Column:
    name: str
    value: Callable[[Any], object]


def chunks(fetch: Fetch) -> Iterator[Sequence[Any]]:
    """Every chunk ``fetch`` gives, following its tokens until the last."""
    token = ""
    while True:
        rows, token_or_none = fetch(token)
        if rows:
            yield rows
        if not token_or_none:
            return
        token = token_or_none


def article_columns(article_of: Callable[[Any], Article]) -> list[Column]:
    """The article's exported fields, read through ``article_of(row)``."""

    def field(name: str) -> Callable[[Any], object]:
        return lambda row: getattr(article_of(row), name)

    return [Column(name, field(name)) for name in ARTICLE_FIELDS]


def attach_notes(
    articles: Iterable[Article], user: AbstractBaseUser | AnonymousUser
) -> None:
    """Sets ``article.export_notes``: shared notes and the reader's private ones.

    The visibility rule of the article page (never another reader's private
    note), for a whole chunk in one query.
    """
    by_uri: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        article.export_notes = []  # type: ignore[attr-defined]
        by_uri[article.uri].append(article)
    shared = Q(is_private=False) | Q(is_private__isnull=True)
    own = Q(user_id=user.pk) | Q(user_id__isnull=True, author=user.get_username())
    notes = ArticleAnnotation.objects.filter(article_id__in=list(by_uri)).filter(
        shared | own
    )
    for note in notes.order_by("created_at", "id"):
        for article in by_uri[note.article_id]:
            article.export_notes.append(  # type: ignore[attr-defined]
                f"{note.author}: {note.content}"
            )


def neutralise(value: object) -> str:
    """A CSV cell that no spreadsheet runs as a formula."""
    text = _text(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)


def render(
    kind: str, rows: Iterable[Sequence[Any]], columns: list[Column], title: str
) -> Iterator[str]:
    """The export as text pieces, one per chunk of rows."""
    if kind == "csv":
        return _csv(rows, columns)
    if kind == "jsonl":
        return _jsonl(rows, columns)
    return _markdown(rows, columns, title)


def _csv(rows: Iterable[Sequence[Any]], columns: list[Column]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # A byte order mark, so spreadsheets read the file as UTF-8.
    writer.writerow([column.name for column in columns])
    yield "\ufeff" + _drain(buffer)
    for chunk in rows:
        for row in chunk:
            writer.writerow([neutralise(column.value(row)) for column in columns])
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _jsonl(rows: Iterable[Sequence[Any]], columns: list[Column]) -> Iterator[str]:
    for chunk in rows:
        lines = (
            json.dumps(
                {column.name: column.value(row) for column in columns},
                default=_text,
                ensure_ascii=False,
            )
            for row in chunk
        )
        yield "".join(f"{line}\n" for line in lines)


def _markdown(
    rows: Iterable[Sequence[Any]], columns: list[Column], title: str
) -> Iterator[str]:
    yield f"# {_md(title)}\n\n"
    values = {column.name: column for column in columns}
    for chunk in rows:
        yield "".join(_md_entry(row, values) for row in chunk)


def _md_entry(row: Any, columns: dict[str, Column]) -> str:
    def get(name: str) -> str:
        return _text(columns[name].value(row)) if name in columns else ""

    heading = _md(get("title") or get("uri"))
    uri = get("uri")
    link = f"[{heading}](<{uri.replace('>', '%3E')}>)" if "://" in uri else heading
    meta = " · ".join(
        part
        for part in (get("news_source"), get("publication_date")[:10], get("topic"))
        if part
    )
    lines = [f"## {link}", ""]
    if meta:
        lines += [_md(meta), ""]
    if get("summary"):
        lines += [_md(get("summary")), ""]
    for note in get("notes").splitlines():
        lines += [f"> {_md(note)}", ""]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Plain text that Markdown shows as it is (no links, emphasis or HTML)."""
    for char in "\\`*_[]<>#|":
        text = text.replace(char, f"\\{char}")
    return " ".join(text.split())
