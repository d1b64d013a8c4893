"""What analysis produces over many articles: versions, trends, podcasts, reports."""

from __future__ import annotations

from django.db import models

from articles.models.fields import legacy_extra_field


class AnalysisVersion(models.Model):
    """A saved version of a topic's trend analysis (the legacy app's first format)."""

    topic = models.TextField()
    version_data = models.JSONField()
    created_at = models.DateTimeField(null=True, blank=True)
    model_used = models.TextField(null=True, blank=True)
    analysis_depth = models.TextField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "analysis_versions"

    def __str__(self) -> str:
        return f"{self.topic} analysis {self.pk}"


class AnalysisVersionV2(models.Model):
    """A cached trend analysis, found again by its cache key."""

    cache_key = models.TextField()
    topic = models.TextField()
    version_data = models.JSONField()
    cache_metadata = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    accessed_at = models.DateTimeField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "analysis_versions_v2"
        verbose_name = "analysis version (v2)"
        verbose_name_plural = "analysis versions (v2)"
        constraints = [
            models.UniqueConstraint(
                fields=["cache_key"], name="uniq_analysis_v2_cache_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["topic", "-created_at"], name="idx_analysis_v2_topic_created"
            )
        ]

    def __str__(self) -> str:
        return self.cache_key


class TrendConsistencyMetric(models.Model):
    """How consistent successive analyses of a topic were."""

    topic = models.TextField()
    consistency_score = models.FloatField()
    comparison_count = models.IntegerField(null=True, blank=True)
    detailed_metrics = models.JSONField(null=True, blank=True)
    analysis_date = models.DateTimeField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "trend_consistency_metrics"
        indexes = [
            models.Index(
                fields=["topic", "-analysis_date"], name="idx_consistency_topic_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic}: {self.consistency_score}"


class Podcast(models.Model):
    """A generated podcast episode; its id is the legacy app's text id."""

    id = models.TextField(primary_key=True)
    title = models.TextField(null=True, blank=True)
    status = models.TextField(null=True, blank=True, default="processing")
    audio_url = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(null=True, blank=True)
    transcript = models.TextField(null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "podcasts"

    def __str__(self) -> str:
        return self.title or self.id


class Report(models.Model):
    """A report saved by early releases of the legacy app (older files only)."""

    content = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "reports"

    def __str__(self) -> str:
        return f"report {self.pk}"
