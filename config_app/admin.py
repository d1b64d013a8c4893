"""Admin for configuration and keyword monitoring (SQLite)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from config_app.models import (
    AppSetting,
    FeedKeywordGroup,
    KeywordGroup,
    KeywordGroupFollow,
    KeywordMonitorSettings,
    MonitoredKeyword,
    UserFeedSubscription,
)


@admin.register(AppSetting)
class AppSettingAdmin(admin.ModelAdmin[AppSetting]):
    list_display = ("config_key", "config_value", "updated_at")
    search_fields = ("config_key", "config_value")
    readonly_fields = ("updated_at",)


class MonitoredKeywordInline(admin.TabularInline[MonitoredKeyword, KeywordGroup]):
    model = MonitoredKeyword
    extra = 1
    readonly_fields = ("created_at", "last_checked")


@admin.register(KeywordGroup)
class KeywordGroupAdmin(admin.ModelAdmin[KeywordGroup]):
    list_display = ("id", "name", "topic", "owner", "provider", "source", "created_at")
    list_filter = ("topic", "provider", "source")
    list_select_related = ("owner",)
    search_fields = ("name", "topic")
    readonly_fields = ("created_at",)
    inlines = (MonitoredKeywordInline,)


@admin.register(MonitoredKeyword)
class MonitoredKeywordAdmin(admin.ModelAdmin[MonitoredKeyword]):
    list_display = ("id", "keyword", "group", "created_at", "last_checked")
    list_filter = ("group",)
    list_select_related = ("group",)
    search_fields = ("keyword",)
    readonly_fields = ("created_at",)


@admin.register(KeywordGroupFollow)
class KeywordGroupFollowAdmin(admin.ModelAdmin[KeywordGroupFollow]):
    list_display = ("user", "group", "created_at")
    list_select_related = ("user", "group")
    readonly_fields = ("created_at",)


@admin.register(KeywordMonitorSettings)
class KeywordMonitorSettingsAdmin(admin.ModelAdmin[KeywordMonitorSettings]):
    list_display = ("__str__", "is_enabled", "provider", "check_interval", "page_size")

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
    readonly_fields = ("created_at", "updated_at")


@admin.register(UserFeedSubscription)
class UserFeedSubscriptionAdmin(admin.ModelAdmin[UserFeedSubscription]):
    list_display = ("group", "user", "legacy_user_id", "notification_enabled")
    list_filter = ("notification_enabled",)
    list_select_related = ("group", "user")
    readonly_fields = ("created_at",)
