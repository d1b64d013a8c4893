"""Admin for configuration and keyword monitoring (SQLite)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.http import HttpRequest

from config_app.models import (
    AppSetting,
    AuspexPrompt,
    BuildingBlock,
    ConfigItem,
    FeedGroupSource,
    FeedKeywordGroup,
    KeywordGroup,
    KeywordGroupFollow,
    KeywordMonitorSettings,
    KeywordMonitorStatus,
    LegacyConfigReject,
    LegacyMigrationHistory,
    LegacySchemaMigration,
    MediaBiasSettings,
    MonitoredKeyword,
    NewsletterPrompt,
    OrganizationalProfile,
    PodcastSetting,
    Scenario,
    ScenarioBlock,
    SignalInstruction,
    Tag,
    UserFeedSubscription,
    VantageDeskFilter,
)

_ModelT = TypeVar("_ModelT", bound=Model)


@admin.register(AppSetting)
class AppSettingAdmin(admin.ModelAdmin[AppSetting]):
    list_display = ("config_key", "config_value", "updated_at")
    search_fields = ("config_key", "config_value")
    readonly_fields = ("updated_at",)


class MonitoredKeywordInline(admin.TabularInline[MonitoredKeyword, KeywordGroup]):
    model = MonitoredKeyword
    extra = 1
    readonly_fields = ("created_at", "last_checked")
    exclude = ("legacy_extra",)


@admin.register(KeywordGroup)
class KeywordGroupAdmin(admin.ModelAdmin[KeywordGroup]):
    list_display = ("id", "name", "topic", "owner", "provider", "source", "created_at")
    list_filter = ("topic", "provider", "source")
    list_select_related = ("owner",)
    search_fields = ("name", "topic")
    readonly_fields = ("created_at", "legacy_extra")
    inlines = (MonitoredKeywordInline,)


@admin.register(MonitoredKeyword)
class MonitoredKeywordAdmin(admin.ModelAdmin[MonitoredKeyword]):
    list_display = ("id", "keyword", "group", "created_at", "last_checked")
    list_filter = ("group",)
    list_select_related = ("group",)
    search_fields = ("keyword",)
    readonly_fields = ("created_at", "legacy_extra")


@admin.register(KeywordGroupFollow)
class KeywordGroupFollowAdmin(admin.ModelAdmin[KeywordGroupFollow]):
    list_display = ("user", "group", "created_at")
    list_select_related = ("user", "group")
    readonly_fields = ("created_at",)


@admin.register(KeywordMonitorSettings)
class KeywordMonitorSettingsAdmin(admin.ModelAdmin[KeywordMonitorSettings]):
    list_display = ("__str__", "is_enabled", "provider", "check_interval", "page_size")
    readonly_fields = ("legacy_extra",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not KeywordMonitorSettings.objects.exists()

    def has_delete_permission(
        self, request: HttpRequest, obj: KeywordMonitorSettings | None = None
    ) -> bool:
        return False


@admin.register(FeedKeywordGroup)
class FeedKeywordGroupAdmin(admin.ModelAdmin[FeedKeywordGroup]):
    list_display = ("name", "color", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "description")
    readonly_fields = ("created_at", "updated_at", "legacy_extra")


@admin.register(UserFeedSubscription)
class UserFeedSubscriptionAdmin(admin.ModelAdmin[UserFeedSubscription]):
    list_display = ("group", "user", "legacy_user_id", "notification_enabled")
    list_filter = ("notification_enabled",)
    list_select_related = ("group", "user")
    readonly_fields = ("created_at", "legacy_extra")


# --- the rest of the legacy configuration tables ----------------------------------


class LegacyTableAdmin(admin.ModelAdmin[_ModelT]):
    """A table filled from the legacy file: what had no typed home is shown only."""

    readonly_fields = ("legacy_extra",)


@admin.register(KeywordMonitorStatus)
class KeywordMonitorStatusAdmin(LegacyTableAdmin[KeywordMonitorStatus]):
    list_display = (
        "__str__",
        "last_check_time",
        "requests_today",
        "last_reset_date",
        "last_error",
    )


@admin.register(FeedGroupSource)
class FeedGroupSourceAdmin(LegacyTableAdmin[FeedGroupSource]):
    list_display = (
        "source_type",
        "group",
        "enabled",
        "last_checked",
        "date_range_days",
    )
    list_filter = ("source_type", "enabled")
    search_fields = ("=group_id",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[FeedGroupSource]:
        # Feed groups are in this database: one subquery names each row's group.
        names = FeedKeywordGroup.objects.filter(pk=OuterRef("group_id"))
        return (
            super()
            .get_queryset(request)
            .annotate(group_name=Subquery(names.values("name")[:1]))
        )

    @admin.display(description="feed group", ordering="group_name")
    def group(self, obj: FeedGroupSource) -> str:
        return getattr(obj, "group_name", None) or f"#{obj.group_id} (gone)"


@admin.register(VantageDeskFilter)
class VantageDeskFilterAdmin(LegacyTableAdmin[VantageDeskFilter]):
    list_display = ("user_key", "group_id", "source_type", "sort_by", "layout_mode")
    list_filter = ("layout_mode",)
    search_fields = ("user_key",)


@admin.register(NewsletterPrompt)
class NewsletterPromptAdmin(LegacyTableAdmin[NewsletterPrompt]):
    list_display = ("content_type_id", "description", "last_updated")
    search_fields = ("content_type_id", "description")


@admin.register(AuspexPrompt)
class AuspexPromptAdmin(LegacyTableAdmin[AuspexPrompt]):
    list_display = ("name", "title", "is_default", "user_created", "updated_at")
    list_filter = ("is_default",)
    search_fields = ("name", "title")


@admin.register(OrganizationalProfile)
class OrganizationalProfileAdmin(LegacyTableAdmin[OrganizationalProfile]):
    list_display = ("name", "industry", "organization_type", "region", "is_default")
    list_filter = ("is_default", "organization_type", "risk_tolerance")
    search_fields = ("name", "industry")


@admin.register(SignalInstruction)
class SignalInstructionAdmin(LegacyTableAdmin[SignalInstruction]):
    list_display = ("id", "name", "topic", "is_active", "updated_at")
    list_filter = ("is_active", "topic")
    search_fields = ("name", "description", "instruction")


@admin.register(BuildingBlock)
class BuildingBlockAdmin(LegacyTableAdmin[BuildingBlock]):
    list_display = ("id", "name", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "prompt")


@admin.register(Scenario)
class ScenarioAdmin(LegacyTableAdmin[Scenario]):
    list_display = ("id", "name", "topic", "article_table", "created_at")
    search_fields = ("name", "topic", "article_table")


@admin.register(ScenarioBlock)
class ScenarioBlockAdmin(LegacyTableAdmin[ScenarioBlock]):
    list_display = ("scenario_id", "building_block_id")
    search_fields = ("=scenario_id", "=building_block_id")


@admin.register(PodcastSetting)
class PodcastSettingAdmin(LegacyTableAdmin[PodcastSetting]):
    list_display = ("key", "value")
    search_fields = ("key",)


@admin.register(MediaBiasSettings)
class MediaBiasSettingsAdmin(LegacyTableAdmin[MediaBiasSettings]):
    list_display = ("__str__", "enabled", "source_file", "last_updated")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not MediaBiasSettings.objects.exists()

    def has_delete_permission(
        self, request: HttpRequest, obj: MediaBiasSettings | None = None
    ) -> bool:
        return False


@admin.register(ConfigItem)
class ConfigItemAdmin(LegacyTableAdmin[ConfigItem]):
    list_display = ("name", "content")
    search_fields = ("name",)


@admin.register(Tag)
class TagAdmin(LegacyTableAdmin[Tag]):
    list_display = ("id", "name")
    search_fields = ("name",)


@admin.register(LegacySchemaMigration)
class LegacySchemaMigrationAdmin(LegacyTableAdmin[LegacySchemaMigration]):
    list_display = ("id", "name", "applied_at")
    search_fields = ("name",)


@admin.register(LegacyMigrationHistory)
class LegacyMigrationHistoryAdmin(LegacyTableAdmin[LegacyMigrationHistory]):
    list_display = ("migration_name", "applied_at", "success", "checksum")
    list_filter = ("success",)
    search_fields = ("migration_name",)


@admin.register(LegacyConfigReject)
class LegacyConfigRejectAdmin(admin.ModelAdmin[LegacyConfigReject]):
    """Written by import_legacy_config only; here to be read."""

    list_display = ("table_name", "legacy_key", "reason", "column", "recorded_at")
    list_filter = ("table_name", "reason")
    search_fields = ("legacy_key", "message")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
