"""The model bias arena: language models compared on the same articles.

Runs, results and articles refer to their run and article by plain columns: the
legacy file enforced its foreign keys only on some connections, so results of
deleted runs and articles exist, and they are kept rather than refused.
"""

from __future__ import annotations

from django.db import models

from articles.models.fields import legacy_extra_field


class ModelBiasArenaRun(models.Model):
    """Models compared with a benchmark model over a set of articles."""

    name = models.TextField()
    description = models.TextField(null=True, blank=True)
    benchmark_model = models.TextField()
    selected_models = models.JSONField()  # the compared models' names
    article_count = models.IntegerField(default=25)
    created_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    status = models.TextField(null=True, blank=True, default="running")
    rounds = models.IntegerField(null=True, blank=True, default=1)
    current_round = models.IntegerField(null=True, blank=True, default=1)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "model_bias_arena_runs"

    def __str__(self) -> str:
        return self.name


class ModelBiasArenaResult(models.Model):
    """One model's reading of one article in one round of a run."""

    run_id = models.BigIntegerField()  # a ModelBiasArenaRun id
    article_uri = models.TextField(db_index=True)
    model_name = models.TextField()
    response_text = models.TextField(null=True, blank=True)
    bias_score = models.FloatField(null=True, blank=True)
    confidence_score = models.FloatField(null=True, blank=True)
    response_time_ms = models.IntegerField(null=True, blank=True)
    error_message = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    sentiment = models.TextField(null=True, blank=True)
    sentiment_explanation = models.TextField(null=True, blank=True)
    future_signal = models.TextField(null=True, blank=True)
    future_signal_explanation = models.TextField(null=True, blank=True)
    time_to_impact = models.TextField(null=True, blank=True)
    time_to_impact_explanation = models.TextField(null=True, blank=True)
    driver_type = models.TextField(null=True, blank=True)
    driver_type_explanation = models.TextField(null=True, blank=True)
    category = models.TextField(null=True, blank=True)
    category_explanation = models.TextField(null=True, blank=True)
    political_bias = models.TextField(null=True, blank=True)
    political_bias_explanation = models.TextField(null=True, blank=True)
    factuality = models.TextField(null=True, blank=True)
    factuality_explanation = models.TextField(null=True, blank=True)
    round_number = models.IntegerField(null=True, blank=True, default=1)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "model_bias_arena_results"
        indexes = [
            models.Index(
                fields=["run_id", "round_number"], name="idx_arena_results_run_round"
            ),
            # Walked by the admin's model filter (articles.facets).
            models.Index(fields=["model_name"], name="idx_arena_results_model"),
        ]

    def __str__(self) -> str:
        return f"{self.model_name} on {self.article_uri} (run {self.run_id})"


class ModelBiasArenaArticle(models.Model):
    """An article chosen for a run."""

    run_id = models.BigIntegerField()  # a ModelBiasArenaRun id
    article_uri = models.TextField()
    article_title = models.TextField(null=True, blank=True)
    article_summary = models.TextField(null=True, blank=True)
    selected_for_benchmark = models.BooleanField(null=True, default=False)
    created_at = models.DateTimeField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "model_bias_arena_articles"
        constraints = [
            models.UniqueConstraint(
                fields=["run_id", "article_uri"], name="uniq_arena_article_run_uri"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_title or self.article_uri} (run {self.run_id})"
