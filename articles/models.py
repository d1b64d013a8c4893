"""The analytical data, stored in the ``analytics`` PostgreSQL database.

Table and column names are the legacy application's, so SQL users, validation
and rollback line up with the legacy file; the types are the proper ones
(``timestamptz``, ``boolean``, ``double precision``, ``jsonb``).

References to rows that live in SQLite (keyword groups, keywords, users) are
plain integer columns: see ``articles.crossdb`` for the bulk resolvers.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.urls import reverse

# Unmapped legacy columns and the original text of values that could not be
# converted, kept with the row so nothing from the legacy file is lost.
LEGACY_EXTRA_HELP = (
    'Legacy values with no typed home: {"unmapped": {column: value}, '
    '"unparsed": {column: original text}}.'
)

SEARCH_CONFIG = "english_unaccent"


def _legacy_extra() -> models.JSONField:
    return models.JSONField(null=True, blank=True, help_text=LEGACY_EXTRA_HELP)


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
    legacy_extra = _legacy_extra()
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
            GinIndex(fields=["search_vector"], name="idx_articles_search"),
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
    legacy_extra = _legacy_extra()

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
    legacy_extra = _legacy_extra()

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
    legacy_extra = _legacy_extra()

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
    legacy_extra = _legacy_extra()

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
    legacy_extra = _legacy_extra()

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
    legacy_extra = _legacy_extra()

    class Meta:
        db_table = "mediabias"
        verbose_name_plural = "media bias ratings"

    def __str__(self) -> str:
        return self.source


# --- State of the legacy migration engine (articles.legacy) ------------------


class MigrationRun(models.Model):
    """One run of ``migrate_articles``; ``summary`` holds its per-table figures."""

    class Status(models.TextChoices):
        RUNNING = "running"
        FINISHED = "finished"
        FAILED = "failed"
        # Its process died (killed, machine restarted) before it could say so.
        INTERRUPTED = "interrupted"

    source_path = models.TextField()
    source_sha256 = models.CharField(max_length=64)
    mode = models.CharField(max_length=16)  # migrate, catch-up
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.RUNNING)
    # {table: {source, migrated, rejected, repaired, seconds, conversions}}
    summary = models.JSONField(default=dict, blank=True)
    # Who runs it, for the message a second run prints while this one holds the
    # run lock.
    host = models.TextField(blank=True, default="")
    pid = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = "legacy_migration_runs"
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"{self.mode} of {self.source_path} ({self.status})"


class LegacyReject(models.Model):
    """A legacy row that could not land, with the whole row and the reason."""

    run = models.ForeignKey(
        MigrationRun, null=True, on_delete=models.SET_NULL, related_name="rejects"
    )
    source_path = models.TextField()
    table_name = models.TextField()
    legacy_rowid = models.BigIntegerField()
    legacy_key = models.TextField(null=True, blank=True)
    reason = models.TextField()
    column = models.TextField(null=True, blank=True)
    # Every legacy column; bytes that are not UTF-8 as {"base64": ...}.
    row = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        db_table = "legacy_rejects"
        indexes = [
            models.Index(
                fields=["source_path", "table_name", "legacy_rowid"],
                name="idx_rejects_source_row",
            )
        ]

    def __str__(self) -> str:
        return f"{self.table_name} {self.legacy_key}: {self.reason}"


class LegacyCheckpoint(models.Model):
    """How far each legacy table has been copied, committed with each batch."""

    source_path = models.TextField()
    table_name = models.TextField()
    # A large table is copied by parallel streams, each over its own rowid range
    # (above start_rowid, up to end_rowid; the last range is open-ended).
    part = models.SmallIntegerField(default=0)
    start_rowid = models.BigIntegerField(default=0)
    end_rowid = models.BigIntegerField(null=True, blank=True)
    last_rowid = models.BigIntegerField(default=0)
    source_rows = models.BigIntegerField(default=0)
    migrated = models.BigIntegerField(default=0)
    rejected = models.BigIntegerField(default=0)
    repaired = models.BigIntegerField(default=0)
    seconds = models.FloatField(default=0)
    # {column: {issue: count}}
    conversions = models.JSONField(default=dict, blank=True)
    completed = models.BooleanField(default=False)
    # [[name, CREATE INDEX statement]] of the secondary indexes dropped for the
    # bulk load of an empty table (part 0 only), until they are built again.
    deferred_indexes = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "legacy_checkpoints"
        constraints = [
            models.UniqueConstraint(
                fields=["source_path", "table_name", "part"],
                name="uniq_checkpoint_table_part",
            )
        ]

    def __str__(self) -> str:
        return f"{self.table_name} part {self.part} up to rowid {self.last_rowid}"


class LegacyAppChange(models.Model):
    """A row the app created, changed or deleted since the legacy file was synced.

    Written by a trigger on every tracked analytics table for every session but
    the migration engine's own, while a legacy file is being caught up. Catch-up
    never overwrites such a row: a legacy change to it becomes a conflict.
    """

    table_name = models.TextField()
    key = models.TextField()
    # The row as the legacy file last had it (to_jsonb of the row before the
    # first change); NULL when the app created the key.
    base = models.JSONField(null=True, blank=True)
    # application_name of the session that changed it: "aunoo" for the app.
    origin = models.TextField(blank=True, default="")
    first_changed_at = models.DateTimeField()
    changed_at = models.DateTimeField()

    class Meta:
        db_table = "legacy_app_changes"
        constraints = [
            models.UniqueConstraint(
                fields=["table_name", "key"], name="uniq_app_change_table_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.table_name} {self.key} changed in the app"


class LegacyConflict(models.Model):
    """A row changed on both sides since the last catch-up; both versions kept."""

    class Kind(models.TextChoices):
        BOTH_CHANGED = "changed on both sides"
        BOTH_CREATED = "created on both sides"
        DELETED_IN_LEGACY = "deleted in the legacy file, changed in the app"
        DELETED_IN_APP = "changed in the legacy file, deleted in the app"
        OUTSIDE = "changed in PostgreSQL outside the app"

    class Resolution(models.TextChoices):
        LEGACY = "legacy"
        APP = "app"
        # Both sides came to hold the same row again.
        SETTLED = "settled"

    run = models.ForeignKey(
        MigrationRun, null=True, on_delete=models.SET_NULL, related_name="conflicts"
    )
    source_path = models.TextField()
    table_name = models.TextField()
    key = models.TextField()
    kind = models.TextField(choices=Kind)
    columns = models.JSONField(default=list, blank=True)  # names that differ
    legacy_rowid = models.BigIntegerField(null=True, blank=True)
    # Both versions as {column: value}; NULL where that side has no row.
    legacy_row = models.JSONField(null=True, blank=True)
    app_row = models.JSONField(null=True, blank=True)
    detected_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(choices=Resolution, blank=True, default="")

    class Meta:
        db_table = "legacy_conflicts"
        constraints = [
            # One open conflict per row; resolved ones stay as the record.
            models.UniqueConstraint(
                fields=["source_path", "table_name", "key"],
                condition=models.Q(resolved_at__isnull=True),
                name="uniq_open_conflict",
            )
        ]

    def __str__(self) -> str:
        return f"{self.table_name} {self.key}: {self.kind}"


class LegacyFingerprints(models.Model):
    """Fingerprints of a block of legacy rows as the last catch-up read them.

    One row per table and block of 4,096 rowids: the next catch-up converts
    and compares only the rows whose fingerprint changed (see
    ``articles.legacy.fingerprints``).
    """

    source_path = models.TextField()
    table_name = models.TextField()
    block = models.BigIntegerField()
    rowids = ArrayField(models.BigIntegerField())
    fingerprints = ArrayField(models.BigIntegerField())
    keys = ArrayField(models.TextField(null=True))

    class Meta:
        db_table = "legacy_fingerprints"
        constraints = [
            models.UniqueConstraint(
                fields=["source_path", "table_name", "block"],
                name="uniq_fingerprint_block",
            )
        ]

    def __str__(self) -> str:
        return f"{self.table_name} rowids {self.rowids[0]}..{self.rowids[-1]}"
