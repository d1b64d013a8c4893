"""Trends: articles per day or week by sentiment, category, topic and driver type.

Every chart of the trends page comes from one aggregate over the articles the
list would show (the same filters and search), bounded by a date window: one
scan with ``GROUPING SETS`` counts the four series over time, time to impact
and the sources together. The window defaults to the 90 days up to the newest
article, read from the publication-date index; ``bench/bench_scale.py`` times
this at a million articles beside a daily rollup table (see bench/README.md
for why the plain aggregate was kept).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db import OperationalError, connections, transaction
from django.db.models import Max, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from psycopg.errors import QueryCanceled

from articles.models import Article
from articles.search import WITHIN, Filters, filter_articles

# The charts over time, and the totals over the window, with their labels.
SERIES = (
    ("sentiment", "Sentiment"),
    ("category", "Category"),
    ("topic", "Topic"),
    ("driver_type", "Driver type"),
)
TOTALS = (("time_to_impact", "Time to impact"), ("news_source", "Top sources"))
COLUMNS = tuple(name for name, _ in (*SERIES, *TOTALS))
DEFAULT_DAYS = 90
# Longer windows are drawn per week unless days are asked for, up to a year.
DAILY_UP_TO_DAYS = 92
MAX_DAILY_DAYS = 366
# A chart stacks its most frequent values; the rest are added up as "Other".
MAX_STACKED = 8
TOP_SOURCES = 10
# An aggregate taking longer is stopped: a window of years over a broad search.
TIMEOUT_MS = 10_000
TOO_WIDE = (
    "Counting this took too long: choose a shorter date range, or add a filter, "
    "and try again."
)
OTHER = "Other"
UNSET = "Not set"


class TooWide(Exception):
    """The aggregate was stopped after ``TIMEOUT_MS``."""


@dataclass(frozen=True)
class Window:
    """The days the charts cover (both ends included) and their bucket size."""

    start: date
    end: date
    per: str  # "day" or "week"
    chosen: bool  # False: the default window, up to the newest article

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bucket_of(self, day: date) -> date:
        if self.per == "week":
            return day - timedelta(days=day.weekday())
        return day

    def buckets(self) -> list[date]:
        first, step = self.bucket_of(self.start), 7 if self.per == "week" else 1
        count = (self.end - first).days // step + 1
        return [first + timedelta(days=step * n) for n in range(count)]

    def bucket_days(self, bucket: date) -> tuple[date, date]:
        """The first and last day of ``bucket`` that lie inside the window."""
        last = bucket + timedelta(days=6 if self.per == "week" else 0)
        return max(bucket, self.start), min(last, self.end)


def newest_day() -> date | None:
    """The publication day of the newest article not dated in the future."""
    newest = Article.objects.filter(publication_date__lte=timezone.now()).aggregate(
        newest=Max("publication_date")
    )["newest"]
    return timezone.localdate(newest) if newest else None


def window_for(filters: Filters, per: str) -> Window:
    """The window the filters ask for, or the 90 days up to the newest article."""
    today = timezone.localdate()
    end = filters.date_to
    start = filters.date_from
    if filters.within in WITHIN:
        since = timezone.localdate(timezone.now() - WITHIN[filters.within])
        start, end = max(start or since, since), min(end or today, today)
    chosen = bool(start or end)
    if end is None:
        end = (newest_day() or today) if start is None else max(start, today)
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    days = (end - start).days + 1
    if per not in ("day", "week") or (per == "day" and days > MAX_DAILY_DAYS):
        per = "day" if days <= DAILY_UP_TO_DAYS else "week"
    return Window(start, end, per, chosen)


class Links:
    """Addresses of the list narrowed to a chart's value, bucket, or both."""

    def __init__(self, query: QueryDict, window: Window) -> None:
        kept = query.copy()
        for key in ("after", "before", "per", "view", "within", "date_from", "date_to"):
            kept.pop(key, None)
        self.window = window
        # Encoded once: a chart holds thousands of links.
        self.prefix = reverse("articles:list") + "?" + kept.urlencode()
        self.names = set(kept)

    def to(self, name: str, value: str, bucket: date | None = None) -> str:
        first, last = (
            self.window.bucket_days(bucket)
            if bucket
            else (self.window.start, self.window.end)
        )
        changes = {"date_from": first.isoformat(), "date_to": last.isoformat()}
        prefix = self.prefix
        if value not in (OTHER, UNSET):
            changes = {name: value, **changes}
            if name in self.names:
                prefix = self._without(name)
        joiner = "&" if not prefix.endswith("?") else ""
        return prefix + joiner + urlencode(changes)

    def _without(self, name: str) -> str:
        path, _, query = self.prefix.partition("?")
        kept = QueryDict(query, mutable=True)
        kept.pop(name, None)
        return f"{path}?{kept.urlencode()}"


@dataclass
class Segment:
    value: str
    count: int
    series: int  # the colour: the value's place in the legend
    href: str = ""
    y: float = 0.0
    height: float = 0.0


@dataclass
class Bar:
    bucket: date
    total: int
    segments: list[Segment] = field(default_factory=list)
    x: float = 0.0
    # The data table's row: (articles, address) per legend value.
    cells: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Chart:
    """A stacked bar chart over time, with its geometry in a 1000 x 200 box."""

    name: str
    label: str
    legend: list[tuple[str, int, str]]  # (value, articles in the window, address)
    bars: list[Bar]
    width: float = 0.0
    peak: int = 0


@dataclass
class Totals:
    name: str
    label: str
    # (value, articles, share of the largest, address)
    rows: list[tuple[str, int, float, str]]


@dataclass
class Trends:
    window: Window
    total: int
    charts: list[Chart]
    totals: list[Totals]


def trends(filters: Filters, window: Window, links: Links) -> Trends:
    """Every chart of the trends page, from one aggregate query."""
    counted = _aggregate(_in_window(filters, window), window.per)
    buckets = window.buckets()
    charts = [
        _chart(name, label, counted.get(name, {}), buckets, links)
        for name, label in SERIES
    ]
    totals = [
        _totals(name, label, counted.get(name, {}), links) for name, label in TOTALS
    ]
    total = sum(count for (_, _), count in counted.get("sentiment", {}).items())
    return Trends(window, total, charts, totals)


def _in_window(filters: Filters, window: Window) -> QuerySet[Article]:
    bounded = replace(filters, date_from=window.start, date_to=window.end, within="")
    return filter_articles(bounded).filter(publication_date__isnull=False)


Counts = dict[str, dict[tuple[date | None, str], int]]


def _aggregate(queryset: QuerySet[Article], per: str) -> Counts:
    """{column: {(bucket or None, value): articles}} in one scan.

    Raw SQL because the ORM has no GROUPING SETS; the filtered queryset (the
    same one the list pages) is its subquery, so its parameters stay bound.
    ``per`` is "day" or "week" (checked by ``window_for``), never free text.
    """
    inner, params = queryset.values(
        "publication_date", *COLUMNS
    ).query.sql_with_params()
    columns = ", ".join(f"a.{name}" for name in COLUMNS)
    sets = ", ".join(
        [f"(bucket, a.{name})" for name, _ in SERIES]
        + [f"(a.{name})" for name, _ in TOTALS]
    )
    sql = f"""
        SELECT date_trunc(%s, a.publication_date AT TIME ZONE %s)::date AS bucket,
               {columns}, GROUPING({columns}) AS unused, count(*)
        FROM ({inner}) AS a
        GROUP BY GROUPING SETS ({sets})
    """
    zone = timezone.get_current_timezone_name()
    counted: Counts = defaultdict(dict)
    try:
        with (
            transaction.atomic(using=queryset.db),
            connections[queryset.db].cursor() as cursor,
        ):
            cursor.execute(f"SET LOCAL statement_timeout = {TIMEOUT_MS}")
            cursor.execute(sql, [per, zone, *params])
            rows = cursor.fetchall()
    except OperationalError as exc:
        if not isinstance(exc.__cause__, QueryCanceled):
            raise
        raise TooWide(TOO_WIDE) from exc
    for bucket, *values, unused, count in rows:
        # GROUPING sets a bit, left to right, for each column left out.
        place = next(
            n for n in range(len(COLUMNS)) if not unused >> (len(COLUMNS) - 1 - n) & 1
        )
        key = (bucket, (values[place] or "").strip() or UNSET)
        column = counted[COLUMNS[place]]
        column[key] = column.get(key, 0) + count
    return counted


def _chart(
    name: str,
    label: str,
    counted: dict[tuple[date | None, str], int],
    buckets: list[date],
    links: Links,
) -> Chart:
    overall: dict[str, int] = defaultdict(int)
    for (_, value), count in counted.items():
        overall[value] += count
    ranked = sorted(overall.items(), key=lambda item: (-item[1], item[0]))
    shown = ranked[:MAX_STACKED]
    if len(ranked) > MAX_STACKED:
        shown.append((OTHER, sum(count for _, count in ranked[MAX_STACKED:])))
    place = {value: n for n, (value, _) in enumerate(shown)}
    bars = {bucket: Bar(bucket, 0) for bucket in buckets}
    for (bucket, value), count in counted.items():
        bar = bars.get(bucket)  # type: ignore[arg-type]
        if bar is None:
            continue
        series = place.get(value, place.get(OTHER, 0))
        key = value if value in place else OTHER
        existing = next((s for s in bar.segments if s.value == key), None)
        if existing:
            existing.count += count
        else:
            bar.segments.append(
                Segment(key, count, series, links.to(name, key, bar.bucket))
            )
        bar.total += count
    for bar in bars.values():
        held = {segment.value: segment for segment in bar.segments}
        bar.cells = [
            (held[value].count, held[value].href) if value in held else (0, "")
            for value, _ in shown
        ]
    legend = [(value, count, links.to(name, value)) for value, count in shown]
    chart = Chart(name, label, legend, list(bars.values()))
    _lay_out(chart)
    return chart


def _lay_out(chart: Chart, width: float = 1000.0, height: float = 200.0) -> None:
    chart.peak = max((bar.total for bar in chart.bars), default=0)
    chart.width = width / max(len(chart.bars), 1)
    scale = height / chart.peak if chart.peak else 0.0
    for n, bar in enumerate(chart.bars):
        bar.x = n * chart.width
        bar.segments.sort(key=lambda segment: segment.series)
        top = height
        for segment in bar.segments:
            segment.height = segment.count * scale
            top -= segment.height
            segment.y = top


def _totals(
    name: str, label: str, counted: dict[tuple[date | None, str], int], links: Links
) -> Totals:
    ranked = sorted(
        ((value, count) for (_, value), count in counted.items()),
        key=lambda item: (-item[1], item[0]),
    )[:TOP_SOURCES]
    peak = max((count for _, count in ranked), default=0)
    rows = [
        (value, count, count / peak if peak else 0.0, links.to(name, value))
        for value, count in ranked
    ]
    return Totals(name, label, rows)
