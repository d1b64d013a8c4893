"""Admin for users' legacy flags, OAuth accounts and preferences (SQLite)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from accounts.models import (
    LegacyProfile,
    OAuthAllowlistEntry,
    OAuthSession,
    OAuthUser,
    SavedSearch,
    UserPreferences,
)


class LegacyProfileInline(admin.StackedInline[LegacyProfile, User]):
    model = LegacyProfile
    can_delete = False
    extra = 0
    readonly_fields = ("legacy_extra",)


class PreferencesInline(admin.StackedInline[UserPreferences, User]):
    model = UserPreferences
    can_delete = False
    extra = 0


admin.site.unregister(User)


@admin.register(User)
class AunooUserAdmin(UserAdmin[User]):
    inlines = (LegacyProfileInline, PreferencesInline)


@admin.register(LegacyProfile)
class LegacyProfileAdmin(admin.ModelAdmin[LegacyProfile]):
    list_display = ("user", "force_password_change", "completed_onboarding")
    list_filter = ("force_password_change", "completed_onboarding")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    readonly_fields = ("legacy_extra",)


@admin.register(OAuthUser)
class OAuthUserAdmin(admin.ModelAdmin[OAuthUser]):
    list_display = ("email", "provider", "name", "is_active", "last_login")
    list_filter = ("provider", "is_active")
    search_fields = ("email", "name")
    readonly_fields = ("created_at", "legacy_extra")


@admin.register(OAuthAllowlistEntry)
class OAuthAllowlistEntryAdmin(admin.ModelAdmin[OAuthAllowlistEntry]):
    list_display = ("email", "added_by", "added_at", "is_active")
    list_filter = ("is_active",)
    search_fields = ("email",)
    readonly_fields = ("added_at", "legacy_extra")


@admin.register(OAuthSession)
class OAuthSessionAdmin(admin.ModelAdmin[OAuthSession]):
    list_display = ("user_id", "provider", "created_at", "expires_at", "last_accessed")
    list_filter = ("provider",)
    search_fields = ("=user_id",)
    # A legacy bearer credential: kept in the table, never shown.
    exclude = ("session_token",)
    readonly_fields = ("legacy_extra",)


@admin.register(UserPreferences)
class UserPreferencesAdmin(admin.ModelAdmin[UserPreferences]):
    list_display = ("user", "page_size", "default_topic", "theme")
    list_select_related = ("user",)
    search_fields = ("user__username",)


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin[SavedSearch]):
    list_display = ("name", "user", "query", "alert", "last_seen_at")
    list_filter = ("alert",)
    list_select_related = ("user",)
    search_fields = ("name", "user__username")
