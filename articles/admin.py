"""Admin for the analytics data: the main browsing tool for millions of articles.

Three things keep the article changelist fast on a large table: counts are
bounded (``BoundedCountPaginator``), filter menus walk indexes
(``articles.facets``) instead of ``SELECT DISTINCT``, and the date hierarchy
probes index ranges instead of truncating every row's date. Columns naming what
a plain id points at in SQLite resolve a whole page in one query
(``CrossDatabaseColumn``).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.postgres.search import SearchQuery
from django.db import connections
from django.db.models import F, Max, Min, Model, Q, QuerySet
from django.http import HttpRequest

from articles import crossdb, facets
from articles.models import (
    SEARCH_CONFIG,
    AnalysisVersion,
    AnalysisVersionV2,
    Article,
    ArticleAnalysisCache,
    ArticleAnnotation,
    AuspexChat,
    AuspexMessage,
    DailyNewsFeed,
    FeedItem,
    IncidentStatus,
    KeywordAlert,
    KeywordAlertArticle,
    KeywordArticleMatch,
    KeywordScan,
    LegacyAppChange,
    LegacyArchive,
    LegacyConflict,
    LegacyReject,
    MediaBias,
    MigrationRun,
    ModelBiasArenaArticle,
    ModelBiasArenaResult,
    ModelBiasArenaRun,
    Podcast,
    RawArticle,
    Report,
    ScenarioArticle,
    SharedNewsFeed,
    SignalAlert,
    TrendConsistencyMetric,
)
from articles.paginators import BoundedCountPaginator
from legacy import runs


class FacetFilter(admin.SimpleListFilter):
    """Filter on one indexed text column, its choices read by an index walk."""

    column = ""
    model: type[Model] = Article

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        values = facets.distinct_values(self.column, model=self.model)
        return [(value, value) for value in values]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() is None:
            return queryset
        return queryset.filter(**{self.column: self.value()})


def facet_filter(column: str, model: type[Model] = Article) -> type[FacetFilter]:
    title = column.replace("_", " ")
    return type(
        f"{column.title().replace('_', '')}Filter",
        (FacetFilter,),
        {"column": column, "model": model, "title": title, "parameter_name": column},
    )


class DateProbeQuerySet(QuerySet[Any]):
    """Answers the admin date hierarchy with index probes, not a full scan.

    Django's hierarchy asks for ``datetimes(field, "year")`` and so on, which
    PostgreSQL computes by truncating every row's date. Here each candidate
    period is checked with an ``EXISTS`` over an index range instead.
    """

    def datetimes(  # type: ignore[override]
        self,
        field_name: str,
        kind: str,
        order: str = "ASC",
        tzinfo: Any = None,
        **kw: Any,
    ) -> list[datetime]:
        bounds = self.aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        found = [
            start
            for start, end in _periods(bounds["first"], bounds["last"], kind)
            if self.filter(
                **{f"{field_name}__gte": start, f"{field_name}__lt": end}
            ).exists()
        ]
        return found if order == "ASC" else found[::-1]


def _periods(
    first: datetime, last: datetime, kind: str
) -> list[tuple[datetime, datetime]]:
    if kind == "year":
        return [
            (datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC))
            for year in range(first.year, last.year + 1)
        ]
    if kind == "month":
        year = first.year
        return [
            (
                datetime(year, month, 1, tzinfo=UTC),
                datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC),
            )
            for month in range(1, 13)
        ]
    year, month = first.year, first.month
    days = calendar.monthrange(year, month)[1]
    starts = [datetime(year, month, day, tzinfo=UTC) for day in range(1, days + 1)]
    return [(start, start + timedelta(days=1)) for start in starts]


_ModelT = TypeVar("_ModelT", bound=Model)


@dataclass(frozen=True)
class CrossDatabaseColumn:
    """A list column showing what a plain id points at in the other database.

    ``AnalyticsAdmin`` resolves the ids of a whole page with one call of
    ``resolve`` (one of the ``articles.crossdb`` helpers) before the page is
    drawn; each row then reads its own. An id whose row is gone shows as such.
    """

    id_field: str
    resolve: Callable[[Iterable[int | None]], Mapping[int, Model]]
    short_description: str

    @property
    def attribute(self) -> str:
        return f"_resolved_{self.id_field}"

    def attach(self, rows: Sequence[Model]) -> None:
        targets = self.resolve(getattr(row, self.id_field) for row in rows)
        for row in rows:
            setattr(row, self.attribute, targets.get(getattr(row, self.id_field)))

    @property
    def __name__(self) -> str:
        # The admin names a callable column's CSS class after it.
        return self.id_field

    def __call__(self, row: Model) -> str:
        pk = getattr(row, self.id_field)
        if pk is None:
            return "-"
        target = getattr(row, self.attribute, None)
        return str(target) if target is not None else f"#{pk} (gone)"


class AnalyticsChangeList(ChangeList):
    """Django's changelist, with what large analytics tables need.

    Date-hierarchy links past the calendar's end are refused: Django computes
    the end of the chosen year, month or day, and for the last of each in year
    9999 that end cannot be written, so the page would fail. Cross-database
    columns are resolved once per page.
    """

    def get_filters(self, request: HttpRequest) -> Any:
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as exc:
            # The admin answers this with the changelist and ?e=1.
            raise IncorrectLookupParameters(exc) from exc

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        columns = [c for c in self.list_display if isinstance(c, CrossDatabaseColumn)]
        if columns:
            # Evaluates the page once; the template reuses these same rows.
            rows = list(self.result_list)
            for column in columns:
                column.attach(rows)


class AnalyticsAdmin(admin.ModelAdmin[_ModelT]):
    """Defaults for tables that hold millions of imported rows."""

    paginator = BoundedCountPaginator
    show_full_result_count = False
    readonly_fields = ("legacy_extra",)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return AnalyticsChangeList


class RawArticleInline(admin.StackedInline[RawArticle, Article]):
    model = RawArticle
    extra = 0
    readonly_fields = ("submission_date", "last_updated", "legacy_extra")


class KeywordMatchInline(admin.TabularInline[KeywordArticleMatch, Article]):
    model = KeywordArticleMatch
    extra = 0
    fields = ("group_id", "keyword_ids", "detected_at", "is_read", "below_threshold")
    readonly_fields = ("detected_at",)


@admin.register(Article)
class ArticleAdmin(AnalyticsAdmin[Article]):
    list_display = (
        "title",
        "topic",
        "category",
        "sentiment",
        "publication_date",
        "analyzed",
        "auto_ingested",
        "ingest_status",
    )
    list_filter = (
        facet_filter("topic"),
        facet_filter("category"),
        facet_filter("sentiment"),
        facet_filter("time_to_impact"),
        facet_filter("driver_type"),
        "analyzed",
        "auto_ingested",
        facet_filter("ingest_status"),
    )
    date_hierarchy = "publication_date"
    search_fields = ("title", "uri")
    search_help_text = "Words of the title (full-text), or the start of a URI."
    # Undated articles last, as on the list page (PostgreSQL puts NULL first in
    # a descending order); idx_articles_pubdate_nl serves this order.
    ordering = (F("publication_date").desc(nulls_last=True), "-uri")
    list_per_page = 50
    inlines = (RawArticleInline, KeywordMatchInline)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Article | None = None
    ) -> tuple[str, ...]:
        # The uri is the primary key: changing it would save a second article
        # and leave the first, with its matches and notes, behind.
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if obj is None else ("uri", *fields)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        queryset = super().get_queryset(request)
        return DateProbeQuerySet(
            model=queryset.model, query=queryset.query, using=queryset.db
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Article], search_term: str
    ) -> tuple[QuerySet[Article], bool]:
        # ILIKE '%term%' reads every row; the stored search vector and the
        # uri's pattern index answer the same question from indexes.
        term = search_term.strip()
        if not term:
            return queryset, False
        words = SearchQuery(term, search_type="websearch", config=SEARCH_CONFIG)
        matches = Q(search_vector=words) | Q(uri__startswith=term)
        return queryset.filter(matches), False


@admin.register(RawArticle)
class RawArticleAdmin(AnalyticsAdmin[RawArticle]):
    list_display = ("article_id", "submission_date", "last_updated", "topic")
    raw_id_fields = ("article",)
    search_fields = ("=article__uri",)


@admin.register(KeywordArticleMatch)
class KeywordArticleMatchAdmin(AnalyticsAdmin[KeywordArticleMatch]):
    list_display = ("article_id", "group_id", "keyword_ids", "detected_at", "is_read")
    list_filter = ("is_read", "below_threshold")
    raw_id_fields = ("article",)
    search_fields = ("=article__uri", "=group_id")


@admin.register(KeywordAlert)
class KeywordAlertAdmin(AnalyticsAdmin[KeywordAlert]):
    list_display = ("article_id", "keyword_id", "detected_at", "is_read")
    list_filter = ("is_read",)
    raw_id_fields = ("article",)
    search_fields = ("=article__uri", "=keyword_id")


@admin.register(KeywordScan)
class KeywordScanAdmin(AnalyticsAdmin[KeywordScan]):
    list_display = (
        "keyword",
        "keyword_id",
        "requested_at",
        "finished_at",
        "articles_matched",
        "alerts_created",
        "error",
    )
    search_fields = ("=keyword_id", "keyword")
    # No legacy_extra here: a scan is this app's own record, never imported.
    readonly_fields = ("requested_at",)


@admin.register(ArticleAnalysisCache)
class ArticleAnalysisCacheAdmin(AnalyticsAdmin[ArticleAnalysisCache]):
    list_display = ("article_uri", "analysis_type", "model_used", "generated_at")
    list_filter = ("analysis_type",)
    search_fields = ("=article_uri",)


@admin.register(ArticleAnnotation)
class ArticleAnnotationAdmin(AnalyticsAdmin[ArticleAnnotation]):
    list_display = ("article_id", "author", "is_private", "created_at")
    list_filter = ("is_private",)
    raw_id_fields = ("article",)
    search_fields = ("=article__uri", "author")


@admin.register(MediaBias)
class MediaBiasAdmin(AnalyticsAdmin[MediaBias]):
    list_display = ("source", "country", "bias", "factual_reporting", "enabled")
    list_filter = ("enabled", "bias", "factual_reporting")
    search_fields = ("source",)


# --- the rest of the legacy analytics tables --------------------------------------

FEED_GROUP = CrossDatabaseColumn("group_id", crossdb.feed_groups_by_id, "feed group")
SIGNAL_INSTRUCTION = CrossDatabaseColumn(
    "instruction_id", crossdb.signal_instructions_by_id, "instruction"
)
PROFILE = CrossDatabaseColumn("profile_id", crossdb.profiles_by_id, "profile")


@admin.register(KeywordAlertArticle)
class KeywordAlertArticleAdmin(AnalyticsAdmin[KeywordAlertArticle]):
    list_display = (
        "title",
        "source",
        "topic",
        "submission_date",
        "analyzed",
        "moved_to_articles",
    )
    list_filter = ("analyzed", "moved_to_articles")
    search_fields = ("title", "=url")


@admin.register(FeedItem)
class FeedItemAdmin(AnalyticsAdmin[FeedItem]):
    list_display = (
        "title",
        "source_type",
        FEED_GROUP,
        "author",
        "publication_date",
        "is_starred",
        "is_hidden",
    )
    list_filter = (facet_filter("source_type", FeedItem), "is_starred", "is_hidden")
    search_fields = ("title", "=source_id", "=url")
    ordering = ("-publication_date",)


@admin.register(DailyNewsFeed)
class DailyNewsFeedAdmin(AnalyticsAdmin[DailyNewsFeed]):
    list_display = (
        "topic",
        "feed_date",
        "model_used",
        "generated_at",
        "processing_time_seconds",
    )
    search_fields = ("topic",)
    ordering = ("-feed_date", "topic")


@admin.register(SharedNewsFeed)
class SharedNewsFeedAdmin(AnalyticsAdmin[SharedNewsFeed]):
    list_display = (
        "share_token",
        "feed_type",
        "date_filter",
        "topic_filter",
        "created_at",
        "expires_at",
        "access_count",
    )
    list_filter = ("feed_type",)
    search_fields = ("=share_token", "topic_filter")


@admin.register(SignalAlert)
class SignalAlertAdmin(AnalyticsAdmin[SignalAlert]):
    list_display = (
        "article_uri",
        SIGNAL_INSTRUCTION,
        "threat_level",
        "confidence",
        "detected_at",
        "is_acknowledged",
    )
    list_filter = (facet_filter("threat_level", SignalAlert), "is_acknowledged")
    search_fields = ("=article_uri", "instruction_name")


@admin.register(IncidentStatus)
class IncidentStatusAdmin(AnalyticsAdmin[IncidentStatus]):
    list_display = ("incident_name", "topic", "status", "created_at", "updated_at")
    list_filter = ("status",)
    search_fields = ("incident_name", "topic")


@admin.register(AuspexChat)
class AuspexChatAdmin(AnalyticsAdmin[AuspexChat]):
    list_display = ("title", "topic", "user_id", PROFILE, "created_at", "updated_at")
    search_fields = ("title", "topic", "=user_id")


@admin.register(AuspexMessage)
class AuspexMessageAdmin(AnalyticsAdmin[AuspexMessage]):
    list_display = ("chat_id", "role", "model_used", "tokens_used", "timestamp")
    list_filter = (facet_filter("role", AuspexMessage),)
    search_fields = ("=chat_id",)


@admin.register(ModelBiasArenaRun)
class ModelBiasArenaRunAdmin(AnalyticsAdmin[ModelBiasArenaRun]):
    list_display = (
        "name",
        "benchmark_model",
        "status",
        "article_count",
        "rounds",
        "created_at",
        "completed_at",
    )
    list_filter = ("status",)
    search_fields = ("name", "benchmark_model")


@admin.register(ModelBiasArenaResult)
class ModelBiasArenaResultAdmin(AnalyticsAdmin[ModelBiasArenaResult]):
    list_display = (
        "run_id",
        "model_name",
        "article_uri",
        "round_number",
        "bias_score",
        "confidence_score",
        "political_bias",
        "factuality",
    )
    list_filter = (facet_filter("model_name", ModelBiasArenaResult),)
    search_fields = ("=run_id", "=article_uri")


@admin.register(ModelBiasArenaArticle)
class ModelBiasArenaArticleAdmin(AnalyticsAdmin[ModelBiasArenaArticle]):
    list_display = ("run_id", "article_title", "article_uri", "selected_for_benchmark")
    list_filter = ("selected_for_benchmark",)
    search_fields = ("=run_id", "=article_uri", "article_title")


@admin.register(AnalysisVersion)
class AnalysisVersionAdmin(AnalyticsAdmin[AnalysisVersion]):
    list_display = ("topic", "model_used", "analysis_depth", "created_at")
    list_filter = ("analysis_depth",)
    search_fields = ("topic",)


@admin.register(AnalysisVersionV2)
class AnalysisVersionV2Admin(AnalyticsAdmin[AnalysisVersionV2]):
    list_display = ("cache_key", "topic", "created_at", "accessed_at")
    search_fields = ("=cache_key", "topic")


@admin.register(TrendConsistencyMetric)
class TrendConsistencyMetricAdmin(AnalyticsAdmin[TrendConsistencyMetric]):
    list_display = ("topic", "consistency_score", "comparison_count", "analysis_date")
    search_fields = ("topic",)


@admin.register(Podcast)
class PodcastAdmin(AnalyticsAdmin[Podcast]):
    list_display = ("title", "status", "created_at", "completed_at")
    list_filter = ("status",)
    search_fields = ("title", "=id")


@admin.register(Report)
class ReportAdmin(AnalyticsAdmin[Report]):
    list_display = ("__str__", "created_at")
    search_fields = ("content",)


@admin.register(ScenarioArticle)
class ScenarioArticleAdmin(AnalyticsAdmin[ScenarioArticle]):
    list_display = ("title", "article_table", "topic", "publication_date", "analyzed")
    list_filter = (facet_filter("article_table", ScenarioArticle), "analyzed")
    search_fields = ("title", "=uri")


# --- the migration engine's records: read-only ----------------------------------


class EngineRecordAdmin(admin.ModelAdmin[_ModelT]):
    """Written by the migration engine only; here to be read."""

    paginator = BoundedCountPaginator
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MigrationRun)
class MigrationRunAdmin(EngineRecordAdmin[MigrationRun]):
    list_display = ("id", "mode", "status", "source_path", "started_at", "finished_at")
    list_filter = ("status", "mode")
    date_hierarchy = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[MigrationRun]:
        # A run whose process died is shown as such, not as running forever.
        with connections["analytics"].cursor() as cursor:
            runs.settle_interrupted(cursor.connection)
        return super().get_queryset(request)


@admin.register(LegacyConflict)
class LegacyConflictAdmin(EngineRecordAdmin[LegacyConflict]):
    list_display = ("table_name", "key", "kind", "columns", "detected_at", "resolution")
    list_filter = ("table_name", "kind", "resolution")
    search_fields = ("key",)


@admin.register(LegacyAppChange)
class LegacyAppChangeAdmin(EngineRecordAdmin[LegacyAppChange]):
    list_display = ("table_name", "key", "origin", "first_changed_at", "changed_at")
    list_filter = ("table_name", "origin")
    search_fields = ("key",)


@admin.register(LegacyReject)
class LegacyRejectAdmin(EngineRecordAdmin[LegacyReject]):
    list_display = ("table_name", "legacy_key", "reason", "column", "created_at")
    list_filter = ("table_name",)
    search_fields = ("legacy_key",)


@admin.register(LegacyArchive)
class LegacyArchiveAdmin(EngineRecordAdmin[LegacyArchive]):
    list_display = ("table_name", "legacy_rowid", "legacy_key", "archived_at")
    list_filter = ("table_name",)
    search_fields = ("legacy_key",)
    ordering = ("source_path", "table_name", "legacy_rowid")  # its unique index
