"""Scenario articles: the rows of the legacy ``articles_scenario_N`` tables."""

from __future__ import annotations

from django.db import models

from articles.models.fields import legacy_extra_field

SCENARIO_VALUES_HELP = (
    "The columns of the scenario's table beyond the common ones, {column: value} "
    "as in the legacy table: a <block> and a <block>_explanation column per "
    "building block of the scenario."
)


class ScenarioArticle(models.Model):
    """One row of one scenario's article table, whichever scenario it is.

    The legacy app creates a table per scenario (``scenarios.article_table``,
    ``articles_scenario_<id>``): the columns below, which every such table has,
    then two TEXT columns per building block of the scenario, so the columns
    differ from scenario to scenario and from file to file. The rows of all of
    them live here, the varying columns in ``block_values``.
    """

    # The legacy table the row belongs to, e.g. "articles_scenario_1".
    article_table = models.TextField()
    # config_app.Scenario id (SQLite) whose article_table this is.
    scenario_id = models.IntegerField(null=True, blank=True, db_index=True)
    legacy_rowid = models.BigIntegerField(null=True, blank=True)
    uri = models.TextField()
    title = models.TextField(null=True, blank=True)
    news_source = models.TextField(null=True, blank=True)
    publication_date = models.DateTimeField(null=True, blank=True)
    submission_date = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(null=True, blank=True)
    tags = models.TextField(null=True, blank=True)
    topic = models.TextField(null=True, blank=True)
    analyzed = models.BooleanField(null=True, default=False)
    block_values = models.JSONField(
        default=dict, blank=True, help_text=SCENARIO_VALUES_HELP
    )
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "scenario_articles"
        constraints = [
            # The legacy key: uri is the primary key of each scenario table. Its
            # index also serves the admin's table filter (articles.facets).
            models.UniqueConstraint(
                fields=["article_table", "uri"], name="uniq_scenario_article_uri"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_table}: {self.title or self.uri}"
