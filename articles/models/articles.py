"""Articles and what is derived from them one article at a time.

Matches, alerts, cached analyses, analysts' notes, raw markdown and the media
bias ratings the analysis draws on.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F
from django.urls import reverse

from articles.models.fields import legacy_extra_field

SEARCH_CONFIG = "english_unaccent"


class Article(models.Model):
    uri = models.TextField(primary_key=True)
    title = models.TextField(null=True, blank=True)
    news_source = models.TextField(null=True, blank=True)
    publication_date = models.DateTimeField(null=True, blank=True)
    submission_date = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(null=True, blank=True)
    category = models.TextField(null=True, blank=True)
    future_signal = models.TextField(null=True, blank=True)
    future_signal_explanation = models.TextField(null=True, blank=True)
    sentiment = models.TextField(null=True, blank=True)
    sentiment_explanation = models.TextField(null=True, blank=True)
    time_to_impact = models.TextField(null=True, blank=True)
    time_to_impact_explanation = models.TextField(null=True, blank=True)
    tags = models.TextField(null=True, blank=True)
    driver_type = models.TextField(null=True, blank=True)
    driver_type_explanation = models.TextField(null=True, blank=True)
    topic = models.TextField(null=True, blank=True)
    analyzed = models.BooleanField(null=True, default=False)
    bias = models.TextField(null=True, blank=True)
    factual_reporting = models.TextField(null=True, blank=True)
    mbfc_credibility_rating = models.TextField(null=True, blank=True)
    bias_source = models.TextField(null=True, blank=True)
    bias_country = models.TextField(null=True, blank=True)
    press_freedom = models.TextField(null=True, blank=True)
    media_type = models.TextField(null=True, blank=True)
    popularity = models.TextField(null=True, blank=True)
    topic_alignment_score = models.FloatField(null=True, blank=True)
    keyword_relevance_score = models.FloatField(null=True, blank=True)
    confidence_score = models.FloatField(null=True, blank=True)
    overall_match_explanation = models.TextField(null=True, blank=True)
    extracted_article_topics = models.TextField(null=True, blank=True)
    extracted_article_keywords = models.TextField(null=True, blank=True)
    ingest_status = models.TextField(null=True, blank=True, default="manual")
    quality_score = models.FloatField(null=True, blank=True)
    quality_issues = models.TextField(null=True, blank=True)
    auto_ingested = models.BooleanField(null=True, default=False)
    legacy_extra = legacy_extra_field()
    # Computed by PostgreSQL on every write, so bulk loads and COPY keep it right.
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("tags", weight="B", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="C", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        db_table = "articles"
        indexes = [
            models.Index(fields=["topic"], name="idx_articles_topic"),
            models.Index(
                fields=["submission_date"], name="idx_articles_submission_date"
            ),
            models.Index(fields=["auto_ingested"], name="idx_articles_auto_ingested"),
            models.Index(fields=["analyzed"], name="idx_articles_analyzed"),
            models.Index(fields=["category"], name="idx_articles_category"),
            models.Index(fields=["sentiment"], name="idx_articles_sentiment"),
            models.Index(fields=["time_to_impact"], name="idx_articles_time_to_impact"),
            models.Index(fields=["driver_type"], name="idx_articles_driver_type"),
            models.Index(fields=["ingest_status"], name="idx_articles_ingest_status"),
            models.Index(fields=["news_source"], name="idx_articles_news_source"),
            # Keyset pagination: newest first, uri breaks ties.
            models.Index(
                fields=["-publication_date", "-uri"], name="idx_articles_pubdate_uri"
            ),
            # The admin's order: newest first, undated articles last.
            models.Index(
                F("publication_date").desc(nulls_last=True),
                F("uri").desc(),
                name="idx_articles_pubdate_nl",
            ),
            GinIndex(fields=["search_vector"], name="idx_articles_search"),
            # The trends aggregate: an index-only scan of a date range.
            models.Index(
                fields=["publication_date"],
                include=[
                    "sentiment",
                    "category",
                    "topic",
                    "driver_type",
                    "time_to_impact",
                    "news_source",
                    "analyzed",
                ],
                name="idx_articles_trends",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.uri

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"uri": self.uri})


class RawArticle(models.Model):
    article = models.OneToOneField(
        Article,
        primary_key=True,
        db_column="uri",
        on_delete=models.CASCADE,
        related_name="raw",
    )
    raw_markdown = models.TextField(null=True, blank=True)
    submission_date = models.DateTimeField(null=True, blank=True)
    last_updated = models.DateTimeField(null=True, blank=True)
    topic = models.TextField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "raw_articles"

    def __str__(self) -> str:
        return f"raw {self.article_id}"


class KeywordArticleMatch(models.Model):
    article = models.ForeignKey(
        Article,
        db_column="article_uri",
        on_delete=models.CASCADE,
        related_name="keyword_matches",
    )
    # Comma-separated ids of config_app.MonitoredKeyword rows (SQLite), as in the
    # legacy app; some point at keywords deleted since.
    keyword_ids = models.TextField()
    # config_app.KeywordGroup id (SQLite): a plain integer across databases.
    group_id = models.IntegerField(db_index=True)
    detected_at = models.DateTimeField(null=True, blank=True)
    is_read = models.BooleanField(null=True, default=False)
    below_threshold = models.BooleanField(null=True, default=False)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "keyword_article_matches"
        verbose_name_plural = "keyword article matches"
        constraints = [
            models.UniqueConstraint(
                fields=["article", "group_id"], name="uniq_match_article_group"
            )
        ]
        indexes = [
            models.Index(
                fields=["group_id", "is_read", "-detected_at"], name="idx_matches_inbox"
            )
        ]

    def __str__(self) -> str:
        return f"group {self.group_id}: {self.article_id}"

    @property
    def keyword_id_list(self) -> list[int]:
        return [
            int(part) for part in self.keyword_ids.split(",") if part.strip().isdigit()
        ]


class KeywordAlert(models.Model):
    # config_app.MonitoredKeyword id (SQLite).
    keyword_id = models.IntegerField(db_index=True)
    article = models.ForeignKey(
        Article,
        db_column="article_uri",
        on_delete=models.CASCADE,
        related_name="keyword_alerts",
    )
    detected_at = models.DateTimeField(null=True, blank=True)
    is_read = models.BooleanField(null=True, default=False)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "keyword_alerts"
        constraints = [
            models.UniqueConstraint(
                fields=["keyword_id", "article"], name="uniq_alert_keyword_article"
            )
        ]

    def __str__(self) -> str:
        return f"keyword {self.keyword_id}: {self.article_id}"


class ArticleAnalysisCache(models.Model):
    # No foreign key, as in the legacy app: analyses may outlive their article.
    article_uri = models.TextField()
    analysis_type = models.TextField()
    content = models.TextField()
    model_used = models.TextField()
    generated_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "article_analysis_cache"
        verbose_name_plural = "article analysis cache entries"
        constraints = [
            models.UniqueConstraint(
                fields=["article_uri", "analysis_type", "model_used"],
                name="uniq_analysis_uri_type_model",
            )
        ]

    def __str__(self) -> str:
        return f"{self.analysis_type} of {self.article_uri}"


class ArticleAnnotation(models.Model):
    article = models.ForeignKey(
        Article,
        db_column="article_uri",
        on_delete=models.CASCADE,
        related_name="annotations",
    )
    # The legacy username; user_id is the Django user (SQLite) for new rows.
    author = models.TextField()
    user_id = models.IntegerField(null=True, blank=True, db_index=True)
    content = models.TextField()
    is_private = models.BooleanField(null=True, default=False)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "article_annotations"

    def __str__(self) -> str:
        return f"{self.author} on {self.article_id}"


class MediaBias(models.Model):
    source = models.TextField(primary_key=True)
    country = models.TextField(null=True, blank=True)
    bias = models.TextField(null=True, blank=True)
    factual_reporting = models.TextField(null=True, blank=True)
    press_freedom = models.TextField(null=True, blank=True)
    media_type = models.TextField(null=True, blank=True)
    popularity = models.TextField(null=True, blank=True)
    mbfc_credibility_rating = models.TextField(null=True, blank=True)
    enabled = models.BooleanField(null=True, default=False)
    last_updated = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "mediabias"
        verbose_name_plural = "media bias ratings"

    def __str__(self) -> str:
        return self.source


class KeywordAlertArticle(models.Model):
    """An article found by the keyword monitor, awaiting analysis (older files).

    The legacy app's first keyword monitor (early 2025) kept these apart from
    ``articles`` until they were analysed and moved there.
    """

    url = models.TextField()
    title = models.TextField(null=True, blank=True)
    summary = models.TextField(null=True, blank=True)
    source = models.TextField(null=True, blank=True)
    submission_date = models.DateTimeField(null=True, blank=True)
    topic = models.TextField(null=True, blank=True)
    # The matched keywords, comma-separated, as the legacy app wrote them.
    keywords = models.TextField(null=True, blank=True)
    analyzed = models.BooleanField(null=True, default=False)
    moved_to_articles = models.BooleanField(null=True, default=False)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "keyword_alert_articles"
        constraints = [
            models.UniqueConstraint(
                fields=["url"], name="uniq_keyword_alert_article_url"
            )
        ]

    def __str__(self) -> str:
        return self.title or self.url
