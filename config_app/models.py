"""Application configuration and keyword monitoring, stored in SQLite (``default``).

Legacy table names are kept; keyword group and keyword ids are kept on import
too, because the analytics rows in PostgreSQL refer to them by number.

The tables below the keyword monitoring ones are the rest of the legacy app's
configuration, typed, with legacy column names. Their references to one another
are plain columns: the legacy file enforced its foreign keys only on some
connections, and a row whose parent is gone is kept rather than refused. Every
table filled from the legacy file has a ``legacy_extra`` column for what has no
typed home; ``LegacyConfigReject`` holds the legacy rows that could not land.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from articles.models.fields import legacy_extra_field

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
    legacy_extra = legacy_extra_field()

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
    legacy_extra = legacy_extra_field()

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
    legacy_extra = legacy_extra_field()

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
    legacy_extra = legacy_extra_field()

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
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "user_feed_subscriptions"

    def __str__(self) -> str:
        return f"{self.user or self.legacy_user_id} -> {self.group}"


class KeywordMonitorStatus(models.Model):
    """The keyword monitor's state: its last check and today's request count."""

    last_check_time = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(null=True, blank=True)
    requests_today = models.IntegerField(null=True, blank=True, default=0)
    # The day the count was last reset, which the legacy app compares as
    # 'YYYY-MM-DD' text: a date, so a rollback writes back the same text.
    last_reset_date = models.DateField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "keyword_monitor_status"
        verbose_name_plural = "keyword monitor status"

    def __str__(self) -> str:
        return f"Keyword monitor status {self.pk}"


class FeedGroupSource(models.Model):
    """A source (Bluesky, arXiv, TheNewsAPI…) a feed group collects from."""

    # A FeedKeywordGroup id (ids are kept on import).
    group_id = models.IntegerField(db_index=True)
    # The legacy CHECK (bluesky, arxiv, thenewsapi) is not repeated: later legacy
    # releases added sources, and their files must still land.
    source_type = models.TextField()
    keywords = models.JSONField()  # a list of keywords
    enabled = models.BooleanField(null=True, default=True)
    last_checked = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    date_range_days = models.IntegerField(null=True, blank=True, default=7)
    # Dates as the user typed them into the legacy app, passed on verbatim.
    custom_start_date = models.TextField(null=True, blank=True)
    custom_end_date = models.TextField(null=True, blank=True)
    search_settings = models.JSONField(null=True, blank=True, default=dict)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "feed_group_sources"

    def __str__(self) -> str:
        return f"{self.source_type} for feed group {self.group_id}"


class VantageDeskFilter(models.Model):
    """A user's saved filters of the Vantage Desk (the feed items view)."""

    # "local:<username>" or "<oauth provider>:<email>", as the legacy app built it.
    user_key = models.TextField()
    group_id = models.IntegerField(null=True, blank=True)  # a FeedKeywordGroup id
    source_type = models.TextField(null=True, blank=True)
    sort_by = models.TextField(null=True, blank=True, default="publication_date")
    limit_count = models.IntegerField(null=True, blank=True, default=50)
    search_term = models.TextField(null=True, blank=True)
    date_range = models.TextField(null=True, blank=True)
    author_filter = models.TextField(null=True, blank=True)
    min_engagement = models.IntegerField(null=True, blank=True)
    starred_filter = models.TextField(null=True, blank=True)
    include_hidden = models.BooleanField(null=True, default=False)
    layout_mode = models.TextField(null=True, blank=True, default="cards")
    topic_filter = models.TextField(null=True, blank=True)
    source_date_combinations = models.JSONField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "vantage_desk_filters"
        indexes = [
            models.Index(fields=["user_key", "group_id"], name="idx_vdf_user_group")
        ]

    def __str__(self) -> str:
        return f"filters of {self.user_key}"


# --- prompts, profiles and signal instructions ----------------------------------


class NewsletterPrompt(models.Model):
    """The prompt template of one newsletter section, keyed by its content type."""

    content_type_id = models.TextField(primary_key=True)
    prompt_template = models.TextField()
    description = models.TextField()
    last_updated = models.DateTimeField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "newsletter_prompts"

    def __str__(self) -> str:
        return self.content_type_id


class AuspexPrompt(models.Model):
    """A system prompt of Auspex, the research assistant."""

    name = models.TextField()
    title = models.TextField()
    content = models.TextField()
    description = models.TextField(null=True, blank=True)
    is_default = models.BooleanField(null=True, default=False)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    # The legacy username of its author, as the legacy app kept it.
    user_created = models.TextField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "auspex_prompts"
        constraints = [
            models.UniqueConstraint(fields=["name"], name="uniq_auspex_prompt_name")
        ]

    def __str__(self) -> str:
        return self.title


class OrganizationalProfile(models.Model):
    """Who the analysis is for: their concerns and priorities (JSON lists)."""

    name = models.TextField()
    description = models.TextField(null=True, blank=True)
    industry = models.TextField(null=True, blank=True)
    organization_type = models.TextField(null=True, blank=True)
    key_concerns = models.JSONField(null=True, blank=True)
    strategic_priorities = models.JSONField(null=True, blank=True)
    risk_tolerance = models.TextField(null=True, blank=True)
    innovation_appetite = models.TextField(null=True, blank=True)
    decision_making_style = models.TextField(null=True, blank=True)
    stakeholder_focus = models.JSONField(null=True, blank=True)
    competitive_landscape = models.JSONField(null=True, blank=True)
    regulatory_environment = models.JSONField(null=True, blank=True)
    custom_context = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    is_default = models.BooleanField(null=True, default=False)
    region = models.TextField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "organizational_profiles"
        constraints = [
            models.UniqueConstraint(fields=["name"], name="uniq_org_profile_name")
        ]

    def __str__(self) -> str:
        return self.name


class SignalInstruction(models.Model):
    """What to flag in incoming articles; its alerts are articles.SignalAlert."""

    name = models.TextField()
    description = models.TextField(null=True, blank=True)
    instruction = models.TextField()
    topic = models.TextField(null=True, blank=True)
    is_active = models.BooleanField(null=True, default=True)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "signal_instructions"
        constraints = [
            models.UniqueConstraint(
                fields=["name"], name="uniq_signal_instruction_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


# --- scenarios and their building blocks ------------------------------------------


class BuildingBlock(models.Model):
    """A question the analysis asks of an article, with its allowed answers."""

    name = models.TextField()
    kind = models.TextField()
    prompt = models.TextField()
    options = models.JSONField(null=True, blank=True)  # a list of answers
    created_at = models.DateTimeField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "building_blocks"
        constraints = [
            models.UniqueConstraint(fields=["name"], name="uniq_building_block_name")
        ]

    def __str__(self) -> str:
        return self.name


class Scenario(models.Model):
    """A set of building blocks; its analysed articles are articles.ScenarioArticle."""

    name = models.TextField()
    topic = models.TextField()
    # The legacy table of its articles ("articles_scenario_<id>"), whose rows are
    # articles.ScenarioArticle rows with this article_table.
    article_table = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "scenarios"
        constraints = [
            models.UniqueConstraint(fields=["name"], name="uniq_scenario_name"),
            models.UniqueConstraint(
                fields=["article_table"], name="uniq_scenario_article_table"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ScenarioBlock(models.Model):
    """A building block of a scenario (the legacy key is the pair of ids)."""

    scenario_id = models.IntegerField()  # a Scenario id
    building_block_id = models.IntegerField(db_index=True)  # a BuildingBlock id
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "scenario_blocks"
        constraints = [
            models.UniqueConstraint(
                fields=["scenario_id", "building_block_id"],
                name="uniq_scenario_block",
            )
        ]

    def __str__(self) -> str:
        return f"scenario {self.scenario_id} uses block {self.building_block_id}"


# --- other settings ------------------------------------------------------------------


class PodcastSetting(models.Model):
    """One key of the podcast settings, its value a JSON document."""

    key = models.TextField(primary_key=True)
    value = models.JSONField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "settings_podcasts"

    def __str__(self) -> str:
        return self.key


class MediaBiasSettings(models.Model):
    """The single row (id 1) of media bias settings."""

    enabled = models.BooleanField(null=True, default=False)
    last_updated = models.DateTimeField(null=True, blank=True)
    source_file = models.TextField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "mediabias_settings"
        verbose_name_plural = "media bias settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="mediabias_settings_single_row"
            )
        ]

    def __str__(self) -> str:
        return "Media bias settings"

    def save(self, *args: object, **kwargs: object) -> None:
        self.pk = 1
        super().save(*args, **kwargs)  # type: ignore[arg-type]


# --- older files and the legacy app's own records -----------------------------------


class ConfigItem(models.Model):
    """A named document of the early legacy app's ``config`` table, kept verbatim.

    ``import_legacy_config`` also copies these rows into ``app_config``
    (AppSetting), the settings this app reads; this table is the legacy record.
    """

    name = models.TextField(primary_key=True)
    content = models.TextField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "config"
        verbose_name = "legacy config item"

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A tag name of the early legacy app's ``tags`` table."""

    name = models.TextField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "tags"
        constraints = [models.UniqueConstraint(fields=["name"], name="uniq_tag_name")]

    def __str__(self) -> str:
        return self.name or f"tag {self.pk}"


class LegacySchemaMigration(models.Model):
    """A schema change the legacy app applied to its file (its ``migrations``)."""

    name = models.TextField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "migrations"
        constraints = [
            models.UniqueConstraint(fields=["name"], name="uniq_legacy_migration_name")
        ]

    def __str__(self) -> str:
        return self.name or f"migration {self.pk}"


class LegacyMigrationHistory(models.Model):
    """A SQL migration the later legacy app ran (its ``migration_history``)."""

    migration_name = models.TextField()
    applied_at = models.DateTimeField(null=True, blank=True)
    success = models.BooleanField(null=True, default=True)
    error_message = models.TextField(null=True, blank=True)
    checksum = models.TextField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "migration_history"
        verbose_name_plural = "legacy migration history"
        constraints = [
            models.UniqueConstraint(
                fields=["migration_name"], name="uniq_legacy_migration_history"
            )
        ]

    def __str__(self) -> str:
        return self.migration_name


# --- the import's own record ------------------------------------------------------


class LegacyConfigReject(models.Model):
    """A legacy configuration row that could not land here, why, and the fix.

    ``import_legacy_config`` keeps this table current for each legacy file: a row
    fixed in the file and imported again leaves it, so what is here is exactly
    what the last import of that file left behind.
    """

    source_path = models.TextField()
    table_name = models.TextField()
    legacy_rowid = models.BigIntegerField()
    legacy_key = models.TextField(null=True, blank=True)
    reason = models.TextField()
    column = models.TextField(null=True, blank=True)
    message = models.TextField()  # the whole report line, with the fix
    # Every legacy column; bytes that are not UTF-8 as {"base64": ...}.
    row = models.JSONField()
    recorded_at = models.DateTimeField()

    class Meta:
        db_table = "legacy_config_rejects"
        ordering = ["source_path", "table_name", "legacy_rowid"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_path", "table_name", "legacy_rowid"],
                name="uniq_config_reject_row",
            )
        ]

    def __str__(self) -> str:
        return f"{self.table_name} {self.legacy_key}: {self.reason}"
