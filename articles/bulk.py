"""Save batches of articles: upsert by ``uri``, then keyword monitoring.

:func:`save_bulk_articles` is the one write path for analysed articles (the
``ingest_articles`` command, the analysis pipeline, auto-ingest). One call is
one transaction on ``analytics``:

1. articles are upserted by ``uri``; a field a row omits keeps its stored value
   (or the model default on creation), an explicit ``None`` clears it;
2. rows that carry ``raw_markdown`` upsert their ``raw_articles`` row;
3. each article is matched against the monitored keywords (read once per call
   from SQLite, see :mod:`articles.keywords` for the rule); every matched group
   gets a ``keyword_article_matches`` row whose ``keyword_ids`` is the sorted
   union of the old and new ids, and every matched keyword a ``keyword_alerts``
   row.

Concurrency, on PostgreSQL READ COMMITTED:

* Every statement is a single ``INSERT ... ON CONFLICT`` over rows sorted by
  their unique key, and every call writes the tables in the same order, so
  concurrent batches take row locks in one global order and cannot deadlock.
* ``keyword_ids`` are merged inside the ``ON CONFLICT DO UPDATE``, which sees
  the latest committed row after waiting for a concurrent writer, so two
  writers never lose each other's ids.
* Readers never wait: plain ``SELECT`` takes no row locks (MVCC), and nothing
  here takes a table lock.

The SQL is written by hand, in this module only, because the ORM cannot say
"update only the fields this row provided" per row in one statement, nor merge
``keyword_ids`` with the stored value inside the upsert.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time
from typing import Any

from django.db import connections, models, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from articles.keywords import KeywordMatcher, load_keywords
from articles.models import Article
from aunoo.routers import ANALYTICS_DB

RAW_MARKDOWN = "raw_markdown"
# Kept by the database or the legacy migration, never written by callers.
_NOT_WRITABLE = frozenset({"search_vector", "legacy_extra"})

TEXT = "text"
TIMESTAMP = "timestamp"
BOOLEAN = "boolean"
NUMBER = "number"


@functools.cache
def article_fields() -> dict[str, str]:
    """The fields an article mapping may hold, and the kind of value of each."""
    kinds = {
        model_field.name: _kind_of(model_field)
        for model_field in Article._meta.concrete_fields
        if model_field.name not in _NOT_WRITABLE
    }
    kinds[RAW_MARKDOWN] = TEXT
    return kinds


def _kind_of(model_field: models.Field[Any, Any]) -> str:
    if isinstance(model_field, models.DateTimeField):
        return TIMESTAMP
    if isinstance(model_field, models.BooleanField):
        return BOOLEAN
    if isinstance(model_field, models.FloatField):
        return NUMBER
    if isinstance(model_field, models.TextField):
        return TEXT
    # A new kind of Article field needs a conversion here and in the schema.
    raise TypeError(f"Article.{model_field.name} has no bulk conversion")


# --- validation -------------------------------------------------------------


class ArticleValidationError(ValueError):
    """One article of a batch is not valid; names the article and the field."""

    def __init__(
        self,
        reason: str,
        *,
        field: str | None = None,
        position: int | None = None,
        uri: str | None = None,
    ) -> None:
        self.reason = reason
        self.field = field
        self.position = position
        self.uri = uri
        super().__init__(str(self))

    def __str__(self) -> str:
        where = "article" if self.position is None else f"article #{self.position}"
        if self.uri is not None:
            where += f" ({self.uri!r})"
        what = self.reason if self.field is None else f"{self.field}: {self.reason}"
        return f"{where}: {what}"

    @property
    def detail(self) -> str:
        """The field and the reason, without naming the article."""
        return self.reason if self.field is None else f"{self.field}: {self.reason}"


@dataclass(frozen=True)
class CleanArticle:
    """A validated article: typed values for the fields it provided."""

    uri: str
    values: dict[str, Any]
    raw_markdown: str | None = None
    has_raw: bool = False

    def merged_with(self, later: CleanArticle) -> CleanArticle:
        """The same article given twice in one batch: the later values win."""
        return CleanArticle(
            uri=self.uri,
            values={**self.values, **later.values},
            raw_markdown=later.raw_markdown if later.has_raw else self.raw_markdown,
            has_raw=self.has_raw or later.has_raw,
        )


def clean_article(data: object, *, position: int | None = None) -> CleanArticle:
    """Validate one article mapping and convert its values.

    Dates are ``datetime``, ``date`` or ISO 8601 text (naive means UTC);
    booleans are ``bool``; scores are finite numbers; text is ``str`` without
    NUL characters. Every field but ``uri`` may be ``None``.
    """
    if not isinstance(data, Mapping):
        raise ArticleValidationError(
            f"expected an object with article fields, got {type(data).__name__}",
            position=position,
        )
    uri = _clean_uri(data.get("uri"), position)
    kinds = article_fields()
    unknown = sorted(str(key) for key in data if key not in kinds)
    if unknown:
        raise ArticleValidationError(
            "unknown field; expected one of the documented article fields",
            field=unknown[0],
            position=position,
            uri=uri,
        )
    values: dict[str, Any] = {}
    for name, raw in data.items():
        if name == "uri":
            continue
        try:
            values[name] = _convert(kinds[name], raw)
        except ValueError as exc:
            raise ArticleValidationError(
                str(exc), field=name, position=position, uri=uri
            ) from exc
    has_raw = RAW_MARKDOWN in values
    raw_markdown = values.pop(RAW_MARKDOWN, None)
    return CleanArticle(uri, values, raw_markdown, has_raw)


def _clean_uri(raw: object, position: int | None) -> str:
    if raw is None:
        reason = "is required"
    elif not isinstance(raw, str):
        reason = f"expected text, got {type(raw).__name__}"
    elif not raw.strip():
        reason = "must not be blank"
    elif raw != raw.strip():
        reason = "must not start or end with whitespace"
    else:
        try:
            return _text(raw)
        except ValueError as exc:
            reason = str(exc)
    raise ArticleValidationError(reason, field="uri", position=position)


def _convert(kind: str, raw: object) -> Any:
    if raw is None:
        return None
    if kind == TIMESTAMP:
        return _timestamp(raw)
    if kind == BOOLEAN:
        if isinstance(raw, bool):
            return raw
        raise ValueError(f"expected true or false, got {_show(raw)}")
    if kind == NUMBER:
        return _number(raw)
    return _text(raw)


def _text(raw: object) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"expected text, got {_show(raw)}")
    if "\x00" in raw:
        raise ValueError("contains a NUL character, which PostgreSQL cannot store")
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("contains an unpaired surrogate, not valid Unicode") from exc
    return raw


def _number(raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValueError(f"expected a number, got {_show(raw)}")
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {raw!r}")
    return value


def _timestamp(raw: object) -> datetime:
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, date):
        value = datetime.combine(raw, time())
    elif isinstance(raw, str):
        try:
            value = datetime.fromisoformat(raw.strip())
        except ValueError as exc:
            raise ValueError(
                f"expected an ISO 8601 date-time such as 2025-10-07T09:30:00Z, "
                f"got {_show(raw)}"
            ) from exc
    else:
        raise ValueError(f"expected an ISO 8601 date-time, got {_show(raw)}")
    # Naive values are UTC, as in the legacy data.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _show(raw: object) -> str:
    if isinstance(raw, str):
        return repr(raw[:60] + "…") if len(raw) > 60 else repr(raw)
    return type(raw).__name__


# --- saving -----------------------------------------------------------------


@dataclass(frozen=True)
class BulkResult:
    """What one or more saves did, counted in rows."""

    created: int = 0
    updated: int = 0
    raw_saved: int = 0
    matches_created: int = 0
    matches_merged: int = 0
    alerts_created: int = 0

    def __add__(self, other: BulkResult) -> BulkResult:
        return BulkResult(
            **{
                name: getattr(self, name) + getattr(other, name)
                for name in (f.name for f in fields(self))
            }
        )


@dataclass
class _Upserted:
    created: set[str] = field(default_factory=set)
    text: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


def save_bulk_articles(
    articles: Iterable[Mapping[str, Any] | CleanArticle], *, dry_run: bool = False
) -> BulkResult:
    """Upsert a batch of articles by ``uri`` and record their keyword matches.

    All or nothing: the batch is validated first (``ArticleValidationError``
    names the first bad article and field; nothing is written), then saved in
    one transaction on ``analytics``. A ``uri`` given twice is saved once, the
    later values winning. With ``dry_run`` everything runs and is rolled back,
    so the counts are exact and nothing is kept. Articles already checked by
    :func:`clean_article` are taken as they are.
    """
    batch = _deduplicate(
        data if isinstance(data, CleanArticle) else clean_article(data, position=n)
        for n, data in enumerate(articles, start=1)
    )
    if not batch:
        return BulkResult()
    matcher = KeywordMatcher(load_keywords())
    with (
        transaction.atomic(using=ANALYTICS_DB),
        connections[ANALYTICS_DB].cursor() as cursor,
    ):
        result = _save(cursor, batch, matcher)
        if dry_run:
            transaction.set_rollback(True, using=ANALYTICS_DB)
    return result


def _deduplicate(articles: Iterable[CleanArticle]) -> list[CleanArticle]:
    by_uri: dict[str, CleanArticle] = {}
    for article in articles:
        earlier = by_uri.get(article.uri)
        by_uri[article.uri] = earlier.merged_with(article) if earlier else article
    return sorted(by_uri.values(), key=lambda article: article.uri)


def _save(
    cursor: CursorWrapper, batch: list[CleanArticle], matcher: KeywordMatcher
) -> BulkResult:
    upserted = _upsert_articles(cursor, batch)
    raw_saved = _upsert_raw(cursor, [article for article in batch if article.has_raw])
    matches_created = matches_merged = alerts_created = 0
    if matcher:
        matched = _match(cursor, batch, upserted, matcher)
        matches_created, matches_merged = _merge_matches(cursor, matched)
        alerts_created = _add_alerts(cursor, matched)
    return BulkResult(
        created=len(upserted.created),
        updated=len(batch) - len(upserted.created),
        raw_saved=raw_saved,
        matches_created=matches_created,
        matches_merged=matches_merged,
        alerts_created=alerts_created,
    )


@functools.cache
def _upsert_articles_sql() -> str:
    columns = [name for name in article_fields() if name not in {"uri", RAW_MARKDOWN}]
    keep_or_take = ",\n        ".join(
        f"CASE WHEN given.fields ? '{name}' THEN EXCLUDED.{name} ELSE a.{name} END"
        for name in columns
    )
    return f"""
INSERT INTO articles AS a (uri, {", ".join(columns)})
SELECT r.uri, {", ".join(f"r.{name}" for name in columns)}
FROM jsonb_array_elements(%s::jsonb) AS e(row),
    jsonb_populate_record(NULL::articles, e.row) AS r
ORDER BY r.uri
ON CONFLICT (uri) DO UPDATE SET ({", ".join(columns)}) = (
    -- Per row, only the fields that row provided; the others stay as stored.
    -- The lookup is one binary search in a small jsonb object keyed by uri.
    SELECT
        {keep_or_take}
    FROM (SELECT %s::jsonb -> EXCLUDED.uri AS fields) AS given
)
-- xmax is 0 only on a freshly inserted row version.
RETURNING uri, title, summary, (xmax = 0) AS created
"""


def _upsert_articles(cursor: CursorWrapper, batch: list[CleanArticle]) -> _Upserted:
    defaults = _insert_defaults()
    rows = [{**defaults, **article.values, "uri": article.uri} for article in batch]
    given = {article.uri: sorted(article.values) for article in batch}
    cursor.execute(_upsert_articles_sql(), [_json(rows), _json(given)])
    upserted = _Upserted()
    for uri, title, summary, created in cursor.fetchall():
        upserted.text[uri] = (title, summary)
        if created:
            upserted.created.add(uri)
    return upserted


def _insert_defaults() -> dict[str, Any]:
    """Values for the fields a new article omits: the model defaults."""
    defaults = {
        model_field.name: model_field.get_default()
        for model_field in Article._meta.concrete_fields
        if model_field.name in article_fields() and model_field.has_default()
    }
    # A new article was submitted now unless the caller says when.
    defaults["submission_date"] = timezone.now()
    return defaults


_UPSERT_RAW_SQL = """
INSERT INTO raw_articles AS r (uri, raw_markdown, submission_date, last_updated, topic)
SELECT a.uri, given.raw_markdown, coalesce(a.submission_date, now()), now(), a.topic
FROM jsonb_to_recordset(%s::jsonb) AS given(uri text, raw_markdown text)
JOIN articles AS a ON a.uri = given.uri
ORDER BY a.uri
ON CONFLICT (uri) DO UPDATE SET
    raw_markdown = EXCLUDED.raw_markdown,
    last_updated = EXCLUDED.last_updated,
    topic = EXCLUDED.topic
"""


def _upsert_raw(cursor: CursorWrapper, batch: list[CleanArticle]) -> int:
    if not batch:
        return 0
    rows = [{"uri": a.uri, "raw_markdown": a.raw_markdown} for a in batch]
    cursor.execute(_UPSERT_RAW_SQL, [_json(rows)])
    return int(cursor.rowcount)


# (article uri, group id) -> matched keyword ids
_Matched = dict[tuple[str, int], set[int]]


def _match(
    cursor: CursorWrapper,
    batch: list[CleanArticle],
    upserted: _Upserted,
    matcher: KeywordMatcher,
) -> _Matched:
    """Match the stored title and summary and the newest raw markdown."""
    raw = {article.uri: article.raw_markdown for article in batch if article.has_raw}
    missing = [article.uri for article in batch if not article.has_raw]
    if missing:
        cursor.execute(
            "SELECT uri, raw_markdown FROM raw_articles WHERE uri = ANY(%s)", [missing]
        )
        raw.update(cursor.fetchall())
    matched: _Matched = {}
    for article in batch:
        title, summary = upserted.text[article.uri]
        groups = matcher.match(title, summary, raw.get(article.uri))
        for group_id, keyword_ids in groups.items():
            matched[(article.uri, group_id)] = keyword_ids
    return matched


# keyword_ids is legacy comma-separated text, unsorted and sometimes padded:
# ids are compared as numbers and written back sorted, each once.
_MERGE_MATCHES_SQL = """
INSERT INTO keyword_article_matches AS m
    (article_uri, group_id, keyword_ids, detected_at, is_read, below_threshold)
SELECT given.article_uri, given.group_id, given.keyword_ids, now(), false, false
FROM jsonb_to_recordset(%s::jsonb)
    AS given(article_uri text, group_id integer, keyword_ids text)
ORDER BY given.article_uri, given.group_id
ON CONFLICT (article_uri, group_id) DO UPDATE SET
    keyword_ids = (
        SELECT string_agg(id::text, ',' ORDER BY id)
        FROM (
            SELECT DISTINCT btrim(part)::bigint AS id
            FROM unnest(
                string_to_array(m.keyword_ids || ',' || EXCLUDED.keyword_ids, ',')
            ) AS part
            WHERE btrim(part) ~ '^[0-9]{1,18}$'
        ) AS ids
    ),
    -- A new keyword for the group is news: surface the match again.
    detected_at = EXCLUDED.detected_at,
    is_read = false
-- Only when the new ids add something, so re-saving an article is a no-op.
WHERE NOT string_to_array(EXCLUDED.keyword_ids, ',')::bigint[] <@ ARRAY(
    SELECT btrim(part)::bigint
    FROM unnest(string_to_array(m.keyword_ids, ',')) AS part
    WHERE btrim(part) ~ '^[0-9]{1,18}$'
)
RETURNING (xmax = 0) AS created
"""


def _merge_matches(cursor: CursorWrapper, matched: _Matched) -> tuple[int, int]:
    """Create or merge one match row per article and group: (created, merged)."""
    if not matched:
        return 0, 0
    rows = [
        {
            "article_uri": uri,
            "group_id": group_id,
            "keyword_ids": ",".join(map(str, sorted(ids))),
        }
        for (uri, group_id), ids in sorted(matched.items())
    ]
    cursor.execute(_MERGE_MATCHES_SQL, [_json(rows)])
    created = [row[0] for row in cursor.fetchall()]
    return sum(created), len(created) - sum(created)


_ADD_ALERTS_SQL = """
INSERT INTO keyword_alerts (keyword_id, article_uri, detected_at, is_read)
SELECT given.keyword_id, given.article_uri, now(), false
FROM jsonb_to_recordset(%s::jsonb) AS given(keyword_id integer, article_uri text)
ORDER BY given.keyword_id, given.article_uri
ON CONFLICT (keyword_id, article_uri) DO NOTHING
"""


def _add_alerts(cursor: CursorWrapper, matched: _Matched) -> int:
    """One alert per matched keyword and article; existing ones are kept as is."""
    if not matched:
        return 0
    pairs = {
        (keyword_id, uri) for (uri, _), ids in matched.items() for keyword_id in ids
    }
    rows = [{"keyword_id": k, "article_uri": uri} for k, uri in sorted(pairs)]
    cursor.execute(_ADD_ALERTS_SQL, [_json(rows)])
    return int(cursor.rowcount)


def _json(value: object) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False)


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
