"""Application configuration and keyword monitoring, stored in SQLite (``default``).

Legacy table names are kept; keyword group and keyword ids are kept on import
too, because the analytics rows in PostgreSQL refer to them by number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class AppSetting(models.Model):
    """One key/value row of the application's configuration."""

    config_key = models.CharField(max_length=255, unique=True)
    config_value = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "app_config"
        ordering = ["config_key"]

    def __str__(self) -> str:
        return self.config_key


class KeywordGroup(models.Model):
    name = models.CharField(max_length=255, unique=True)
    topic = models.CharField(max_length=255)
    created_at = models.DateTimeField(null=True, blank=True, auto_now_add=True)
    provider = models.CharField(max_length=64, default="news", blank=True)
    source = models.CharField(max_length=64, default="news")
    # Who created it here. Groups imported from the legacy app, and those whose
    # creator's account is gone, have none: only staff may rename or delete them.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_keyword_groups",
    )
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="KeywordGroupFollow",
        related_name="followed_keyword_groups",
        blank=True,
    )

    class Meta:
        db_table = "keyword_groups"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def can_be_changed_by(self, user: AbstractBaseUser | AnonymousUser) -> bool:
        """Renaming and deleting a shared group is for its owner and staff."""
        if not user.is_authenticated:
            return False
        return bool(getattr(user, "is_staff", False)) or (
            self.owner_id is not None and self.owner_id == user.pk
        )


class MonitoredKeyword(models.Model):
    group = models.ForeignKey(
        KeywordGroup, on_delete=models.CASCADE, related_name="keywords"
    )
    keyword = models.CharField(max_length=255)
    created_at = models.DateTimeField(null=True, blank=True, auto_now_add=True)
    last_checked = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "monitored_keywords"
        ordering = ["keyword"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "keyword"], name="uniq_keyword_in_group"
            )
        ]

    def __str__(self) -> str:
        return self.keyword


class KeywordGroupFollow(models.Model):
    """A user following a keyword group: its matches appear in their alerts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    group = models.ForeignKey(KeywordGroup, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "keyword_group_follows"
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="uniq_follow")
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.group}"


class KeywordMonitorSettings(models.Model):
    """The single row (id 1) of keyword monitor settings."""

    check_interval = models.IntegerField(default=15)
    interval_unit = models.IntegerField(default=60)
    search_fields = models.CharField(
        max_length=255, default="title,description,content"
    )
    language = models.CharField(max_length=16, default="en")
    sort_by = models.CharField(max_length=64, default="publishedAt")
    page_size = models.IntegerField(default=10)
    is_enabled = models.BooleanField(default=True)
    daily_request_limit = models.IntegerField(default=100)
    search_date_range = models.IntegerField(default=7)
    provider = models.CharField(max_length=64, default="newsapi")
    auto_ingest_enabled = models.BooleanField(default=False)
    min_relevance_threshold = models.FloatField(default=0.0)
    quality_control_enabled = models.BooleanField(default=True)
    auto_save_approved_only = models.BooleanField(default=False)
    default_llm_model = models.CharField(max_length=128, default="gpt-4o-mini")
    llm_temperature = models.FloatField(default=0.1)
    llm_max_tokens = models.IntegerField(default=1000)
    max_articles_per_run = models.IntegerField(null=True, blank=True, default=50)

    class Meta:
        db_table = "keyword_monitor_settings"
        verbose_name_plural = "keyword monitor settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="keyword_monitor_settings_single_row"
            )
        ]

    def __str__(self) -> str:
        return "Keyword monitor settings"

    def save(self, *args: object, **kwargs: object) -> None:
        self.pk = 1
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def load(cls) -> KeywordMonitorSettings:
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row


class FeedKeywordGroup(models.Model):
    name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    color = models.CharField(max_length=32, default="#FF69B4")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(null=True, blank=True, auto_now_add=True)
    updated_at = models.DateTimeField(null=True, blank=True, auto_now=True)

    class Meta:
        db_table = "feed_keyword_groups"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserFeedSubscription(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="feed_subscriptions",
    )
    # The legacy app was single-user and wrote user_id 1; kept for reference.
    legacy_user_id = models.IntegerField(null=True, blank=True)
    group = models.ForeignKey(
        FeedKeywordGroup, on_delete=models.CASCADE, related_name="subscriptions"
    )
    notification_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(null=True, blank=True, auto_now_add=True)

    class Meta:
        db_table = "user_feed_subscriptions"

    def __str__(self) -> str:
        return f"{self.user or self.legacy_user_id} -> {self.group}"
