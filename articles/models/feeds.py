"""Feeds: collected social and research posts, generated daily feeds, shared feeds."""

from __future__ import annotations

from django.db import models

from articles.models.fields import legacy_extra_field


class FeedItem(models.Model):
    """A post or paper collected for a feed group (Bluesky, arXiv, TheNewsAPI…)."""

    # The legacy CHECK (bluesky, arxiv, thenewsapi) is not repeated: later legacy
    # releases added sources, and their files must still land.
    source_type = models.TextField()
    source_id = models.TextField()
    # config_app.FeedKeywordGroup id (SQLite): a plain integer across databases.
    group_id = models.IntegerField()
    title = models.TextField()
    content = models.TextField(null=True, blank=True)
    author = models.TextField(null=True, blank=True)
    author_handle = models.TextField(null=True, blank=True)
    url = models.TextField()
    publication_date = models.DateTimeField(null=True, blank=True)
    engagement_metrics = models.JSONField(null=True, blank=True)
    tags = models.JSONField(null=True, blank=True)
    mentions = models.JSONField(null=True, blank=True)
    images = models.JSONField(null=True, blank=True)
    is_hidden = models.BooleanField(null=True, default=False)
    is_starred = models.BooleanField(null=True, default=False)
    created_at = models.DateTimeField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "feed_items"
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "group_id"],
                name="uniq_feed_item_source_group",
            )
        ]
        indexes = [
            # A group's feed, newest first.
            models.Index(
                fields=["group_id", "-publication_date"],
                name="idx_feed_items_group_date",
            ),
            # Walked by the admin's source filter (articles.facets).
            models.Index(fields=["source_type"], name="idx_feed_items_source_type"),
        ]

    def __str__(self) -> str:
        return self.title


class DailyNewsFeed(models.Model):
    """A topic's generated daily feed: the overview and the six-article report.

    The legacy app creates this table lazily, when it saves its first feed, so
    most files lack it; the columns follow its ``CREATE TABLE IF NOT EXISTS
    daily_news_feeds`` (``app/tasks/news_feed_scheduler.py`` in the legacy
    source).
    """

    topic = models.TextField()
    # A calendar day, which the legacy app writes and compares as 'YYYY-MM-DD':
    # a date, not an instant, so a rollback writes back the same text.
    feed_date = models.DateField()
    overview_data = models.JSONField()
    six_articles_data = models.JSONField()
    generated_at = models.DateTimeField(null=True, blank=True)
    processing_time_seconds = models.FloatField(null=True, blank=True)
    model_used = models.TextField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "daily_news_feeds"
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "feed_date"], name="uniq_daily_feed_topic_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} on {self.feed_date}"


class SharedNewsFeed(models.Model):
    """A generated feed shared by link: ``share_token`` opens it without a login."""

    share_token = models.TextField()
    feed_type = models.TextField()  # overview, six-articles
    feed_data = models.JSONField()
    # The filters the sharer chose, shown back as they were given.
    date_filter = models.TextField(null=True, blank=True)
    topic_filter = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    access_count = models.IntegerField(null=True, blank=True, default=0)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "shared_news_feeds"
        constraints = [
            models.UniqueConstraint(
                fields=["share_token"], name="uniq_shared_feed_token"
            )
        ]

    def __str__(self) -> str:
        return f"{self.feed_type} shared as {self.share_token}"
