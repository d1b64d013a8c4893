"""Finding articles: filters, PostgreSQL full-text search and keyset pages.

This is the one module that knows about tsvector and tsquery. The stored,
GIN-indexed ``Article.search_vector`` (english with accents folded by
``unaccent``; title A, tags B, summary C) is
matched with ``websearch_to_tsquery`` (quoted phrases, ``-word`` negation,
``or``), ranked with ``ts_rank_cd`` and highlighted with ``ts_headline``.

Ranking is bounded: "most relevant first" ranks the newest
``settings.SEARCH_RANK_WINDOW`` matches (every match when there are fewer), so
a query matching a fifth of a million articles costs what a narrow one costs;
the page says when the window was full.

Accents: the ``english_unaccent`` configuration (migration 0005) folds them on
both sides, so ``cafe`` finds ``café`` and ``résumé`` finds ``resume``.

Pages are keyset pages: each page asks for the rows strictly after (or
before) the last row shown, so page 40,000 costs what page 1 costs. Nothing
counts the whole result. Rows without a publication date come last, read as a
second index range, so both ranges use ``idx_articles_pubdate_uri``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connections
from django.db.models import F, FloatField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.models import SEARCH_CONFIG, Article
from articles.paginators import BoundedCount, bounded_count, planner_estimate
from aunoo.routers import ANALYTICS_DB

SORT_NEWEST = "newest"
SORT_OLDEST = "oldest"
SORT_RELEVANCE = "relevance"
SORTS = (SORT_NEWEST, SORT_OLDEST, SORT_RELEVANCE)
# The quick date ranges of the daily flow: the last day, week and month.
WITHIN = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}

# ts_headline marks matches with these; they are swapped for <mark> only after
# the whole snippet has been HTML-escaped, so the article's own markup stays text.
MARK_START = "\ue000"
MARK_STOP = "\ue001"

# The list counts its matches exactly up to this many, then says "about".
LIST_COUNT_LIMIT = 1_000

# Columns the list never shows; the vector is the largest of them.
LIST_DEFERRED = ("search_vector", "legacy_extra")

EQUALITY_FILTERS = (
    "topic",
    "category",
    "sentiment",
    "time_to_impact",
    "driver_type",
    "news_source",
)


@dataclass(frozen=True)
class Filters:
    """What the reader asked for; empty values mean "any"."""

    q: str = ""
    topic: str = ""
    category: str = ""
    sentiment: str = ""
    time_to_impact: str = ""
    driver_type: str = ""
    news_source: str = ""
    date_from: date | None = None
    date_to: date | None = None
    analyzed: bool | None = None
    sort: str = ""
    # A quick range up to now ("24h", "7d", "30d"), on top of the dates.
    within: str = ""

    @property
    def effective_sort(self) -> str:
        if self.sort in SORTS and (self.sort != SORT_RELEVANCE or self.q):
            return self.sort
        return SORT_RELEVANCE if self.q else SORT_NEWEST


def web_query(text: str) -> SearchQuery:
    """The reader's words as ``websearch_to_tsquery(SEARCH_CONFIG, text)``."""
    return SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)


def only_common_words(text: str) -> bool:
    """Whether a search holds words, but only ones search ignores (stop words).

    ``websearch_to_tsquery`` drops "the", "and", "of"…; a query of nothing else
    matches no article, and the reader should be told why.
    """
    if not any(char.isalnum() for char in text):
        return False
    with connections[ANALYTICS_DB].cursor() as cursor:
        cursor.execute(
            "SELECT numnode(websearch_to_tsquery(%s::regconfig, %s)) = 0",
            [SEARCH_CONFIG, text],
        )
        return bool(cursor.fetchone()[0])


def filter_articles(filters: Filters) -> QuerySet[Article]:
    """Articles matching every filter (unordered, unranked)."""
    queryset = Article.objects.defer(*LIST_DEFERRED)
    equal = {name: getattr(filters, name) for name in EQUALITY_FILTERS}
    queryset = queryset.filter(
        **{name: value for name, value in equal.items() if value}
    )
    if filters.date_from:
        queryset = queryset.filter(publication_date__gte=_start_of(filters.date_from))
    if filters.date_to and filters.date_to < date.max:
        # Until the last day of the calendar (9999-12-31) is no limit at all,
        # and its next day cannot be written.
        next_day = filters.date_to + timedelta(days=1)
        queryset = queryset.filter(publication_date__lt=_start_of(next_day))
    if filters.within in WITHIN:
        since = timezone.now() - WITHIN[filters.within]
        queryset = queryset.filter(publication_date__gte=since)
    if filters.analyzed is True:
        queryset = queryset.filter(analyzed=True)
    elif filters.analyzed is False:
        queryset = queryset.filter(Q(analyzed=False) | Q(analyzed__isnull=True))
    if filters.q:
        queryset = queryset.filter(search_vector=web_query(filters.q))
    return queryset


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def with_rank_and_headlines(
    queryset: QuerySet[Article], text: str
) -> QuerySet[Article]:
    """Adds ``rank`` (ts_rank_cd) and marked ``title_headline``/``summary_headline``.

    PostgreSQL evaluates ts_headline after ORDER BY ... LIMIT, so only the
    rows of the page pay for it.
    """
    query = web_query(text)
    return queryset.annotate(
        # double precision: a real read back as text loses bits, and the
        # next page's "rank <= cursor" would then skip the cursor's ties.
        rank=Cast(
            SearchRank(F("search_vector"), query, cover_density=True),
            output_field=FloatField(),
        ),
        title_headline=SearchHeadline(
            "title",
            query,
            config=SEARCH_CONFIG,
            highlight_all=True,
            start_sel=MARK_START,
            stop_sel=MARK_STOP,
        ),
        summary_headline=SearchHeadline(
            "summary",
            query,
            config=SEARCH_CONFIG,
            max_words=40,
            min_words=15,
            max_fragments=2,
            fragment_delimiter=" … ",
            start_sel=MARK_START,
            stop_sel=MARK_STOP,
        ),
    )


def highlight(marked: str | None) -> SafeString:
    """HTML for a ts_headline result: everything escaped, matches in <mark>."""
    escaped = str(escape(marked or ""))
    # Safe: every character of the article came through escape() just above.
    return mark_safe(
        escaped.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    )


# Keyset pages ------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """A position in the ordered list: the sort key of one row and its uri."""

    key: datetime | float | None
    uri: str

    def encode(self) -> str:
        key = self.key.isoformat() if isinstance(self.key, datetime) else self.key
        raw = json.dumps([key, self.uri], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, sort: str) -> Cursor | None:
        """The cursor in ``token``, or None when it is not one of ours.

        A cursor comes from the query string, so anything may be in it: a uri
        PostgreSQL cannot compare (NUL) or a date it cannot hold makes it None.
        """
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            key, uri = json.loads(raw)
            if not isinstance(uri, str) or "\x00" in uri:
                return None
            return cls(_parse_key(key, sort), uri)
        except (binascii.Error, ValueError, TypeError, OverflowError):
            return None

    @classmethod
    def of(cls, article: Article, sort: str) -> Cursor:
        if sort == SORT_RELEVANCE:
            return cls(getattr(article, "rank", None), article.uri)
        return cls(article.publication_date, article.uri)


def _parse_key(key: Any, sort: str) -> datetime | float | None:
    if key is None and sort != SORT_RELEVANCE:
        return None
    if sort == SORT_RELEVANCE:
        if isinstance(key, bool) or not isinstance(key, int | float):
            raise TypeError("a rank is a number")
        return float(key)
    return utc_from_iso(key)


def utc_from_iso(text: str) -> datetime:
    """A cursor's ISO 8601 date, with its offset, in UTC as cursors are written.

    Raises ValueError (no offset, not a date) or OverflowError (past year 9999
    in UTC). PostgreSQL refuses offsets beyond 15:59, so none reaches it.
    """
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError("a cursor date carries its offset")
    return parsed.astimezone(UTC)


@dataclass
class Page:
    articles: list[Article]
    next_cursor: str | None = None
    previous_cursor: str | None = None
    sort: str = SORT_NEWEST
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Segment:
    """One index range of the order: dated rows, undated rows, or ranked rows."""

    kind: str  # "dated", "undated" or "ranked"
    descending: bool

    def reversed(self) -> _Segment:
        return _Segment(self.kind, not self.descending)

    def holds(self, cursor: Cursor) -> bool:
        if self.kind == "undated":
            return cursor.key is None
        return cursor.key is not None

    def rows(
        self, queryset: QuerySet[Article], cursor: Cursor | None
    ) -> QuerySet[Article]:
        key = {"dated": "publication_date", "undated": None, "ranked": "rank"}[
            self.kind
        ]
        if key == "publication_date":
            queryset = queryset.filter(publication_date__isnull=False)
        elif key is None:
            queryset = queryset.filter(publication_date__isnull=True)
        if cursor is not None:
            queryset = queryset.filter(self._after(key, cursor))
        sign = "-" if self.descending else ""
        order = [f"{sign}uri"] if key is None else [f"{sign}{key}", f"{sign}uri"]
        return queryset.order_by(*order)

    def _after(self, key: str | None, cursor: Cursor) -> Q:
        past = "lt" if self.descending else "gt"
        if key is None:
            return Q(**{f"uri__{past}": cursor.uri})
        # "key <= k" alone is an index range; the OR only trims the ties at k.
        within = "lte" if self.descending else "gte"
        return Q(**{f"{key}__{within}": cursor.key}) & (
            Q(**{f"{key}__{past}": cursor.key}) | Q(**{f"uri__{past}": cursor.uri})
        )


def _segments(sort: str) -> list[_Segment]:
    if sort == SORT_RELEVANCE:
        return [_Segment("ranked", descending=True)]
    descending = sort == SORT_NEWEST
    return [_Segment("dated", descending), _Segment("undated", descending)]


def page_of(
    queryset: QuerySet[Article],
    *,
    sort: str,
    size: int,
    after: Cursor | None = None,
    before: Cursor | None = None,
) -> Page:
    """One page of ``queryset`` in ``sort`` order, after or before a cursor.

    At most one query per segment (two for date orders), each ``LIMIT size+1``.
    """
    backwards = before is not None and after is None
    cursor = before if backwards else after
    segments = _segments(sort)
    if backwards:
        segments = [segment.reversed() for segment in reversed(segments)]
    rows = _collect(queryset, segments, cursor, size + 1)
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    page = Page(rows, sort=sort)
    if rows:
        first, last = Cursor.of(rows[0], sort), Cursor.of(rows[-1], sort)
        has_next = (cursor is not None) if backwards else more
        has_previous = more if backwards else cursor is not None
        page.next_cursor = last.encode() if has_next else None
        page.previous_cursor = first.encode() if has_previous else None
    return page


def _collect(
    queryset: QuerySet[Article],
    segments: list[_Segment],
    cursor: Cursor | None,
    wanted: int,
) -> list[Article]:
    rows: list[Article] = []
    started = cursor is None
    for segment in segments:
        segment_cursor = None
        if not started:
            if not segment.holds(cursor):  # type: ignore[arg-type]
                continue
            started, segment_cursor = True, cursor
        rows.extend(segment.rows(queryset, segment_cursor)[: wanted - len(rows)])
        if len(rows) >= wanted:
            break
    return rows


def search_page(
    filters: Filters,
    *,
    size: int,
    after: str = "",
    before: str = "",
) -> Page:
    """The page of articles for ``filters``: filtered, searched, ranked, keyset."""
    sort = filters.effective_sort
    queryset = filter_articles(filters)
    left_out = False
    page_matches = None
    if filters.q and sort == SORT_RELEVANCE:
        # One more than the window tells whether older matches were left out.
        window = newest_matches(queryset, settings.SEARCH_RANK_WINDOW + 1)
        left_out = len(window) > settings.SEARCH_RANK_WINDOW
        page_matches = len(window)
        window = window[: settings.SEARCH_RANK_WINDOW]
        queryset = Article.objects.defer(*LIST_DEFERRED).filter(uri__in=window)
    if filters.q:
        queryset = with_rank_and_headlines(queryset, filters.q)
    page = page_of(
        queryset,
        sort=sort,
        size=size,
        after=Cursor.decode(after, sort) if after else None,
        before=Cursor.decode(before, sort) if before else None,
    )
    if left_out:
        page.extra["rank_window"] = settings.SEARCH_RANK_WINDOW
    if page_matches is not None:
        page.extra["matches_read"] = page_matches
    return page


def count_matches(filters: Filters, page: Page) -> BoundedCount:
    """How many articles match: exact up to a bound, "about" the estimate beyond.

    A ranked search has just read up to ``SEARCH_RANK_WINDOW + 1`` matches, so
    their number is the count when the window was not full; otherwise the
    planner's estimate. Other lists count at most ``LIST_COUNT_LIMIT + 1`` rows.
    """
    queryset = filter_articles(filters)
    read = page.extra.get("matches_read")
    if read is None:
        return bounded_count(queryset, LIST_COUNT_LIMIT)
    if read <= settings.SEARCH_RANK_WINDOW:
        return BoundedCount(read, exact=True)
    return BoundedCount(max(planner_estimate(queryset.order_by()), read), exact=False)


def newest_matches(queryset: QuerySet[Article], limit: int) -> list[str]:
    """The uris of the newest ``limit`` rows of ``queryset``, undated ones last.

    These are the rows "most relevant first" ranks. Two index-ordered reads
    of uris only, so ranking never reads more than ``limit`` rows however
    broad the query.
    """
    uris: list[str] = []
    for segment in _segments(SORT_NEWEST):
        rows = segment.rows(queryset, None).values_list("uri", flat=True)
        uris += rows[: limit - len(uris)]
        if len(uris) >= limit:
            break
    return uris
