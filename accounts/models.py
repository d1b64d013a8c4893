"""Users' legacy flags, OAuth accounts and UI preferences, stored in SQLite."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from articles.models.fields import legacy_extra_field


class LegacyProfile(models.Model):
    """The legacy app's per-user flags, kept for users imported from it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="legacy_profile",
    )
    force_password_change = models.BooleanField(default=False)
    completed_onboarding = models.BooleanField(default=False)
    # The other columns of the legacy users row, and originals that did not parse.
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "user_legacy_profiles"

    def __str__(self) -> str:
        return f"legacy flags of {self.user}"


class OAuthUser(models.Model):
    email = models.EmailField()
    name = models.CharField(max_length=255, null=True, blank=True)
    provider = models.CharField(max_length=64)
    provider_id = models.CharField(max_length=255, null=True, blank=True)
    avatar_url = models.URLField(max_length=1000, null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True, auto_now_add=True)
    last_login = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="oauth_accounts",
    )
    # Holds the legacy id ("unmapped"): rows are imported by (email, provider).
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "oauth_users"
        verbose_name = "OAuth user"
        constraints = [
            models.UniqueConstraint(
                fields=["email", "provider"], name="uniq_oauth_email_provider"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.provider})"


class OAuthAllowlistEntry(models.Model):
    email = models.EmailField(unique=True)
    added_by = models.CharField(max_length=255, null=True, blank=True)
    added_at = models.DateTimeField(null=True, blank=True, auto_now_add=True)
    is_active = models.BooleanField(default=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "oauth_allowlist"
        verbose_name = "OAuth allowlist entry"
        verbose_name_plural = "OAuth allowlist"

    def __str__(self) -> str:
        return self.email


class OAuthSession(models.Model):
    """A sign-in session of the legacy app's OAuth users, kept as its record.

    This app has its own sessions; these are the legacy ones, typed, so nothing
    from the legacy file is left behind.
    """

    # The legacy oauth_users id. A plain column: OAuthUser rows are imported by
    # (email, provider); their legacy id is in their legacy_extra.
    user_id = models.IntegerField(null=True, blank=True, db_index=True)
    session_token = models.TextField(null=True, blank=True)
    provider = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_accessed = models.DateTimeField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "oauth_sessions"
        verbose_name = "legacy OAuth session"
        constraints = [
            models.UniqueConstraint(
                fields=["session_token"], name="uniq_oauth_session_token"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} session of OAuth user {self.user_id}"


class UserPreferences(models.Model):
    class Theme(models.TextChoices):
        SYSTEM = "system", "Follow the system"
        LIGHT = "light", "Light"
        DARK = "dark", "Dark"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    page_size = models.PositiveSmallIntegerField(default=25)
    default_topic = models.CharField(max_length=255, blank=True, default="")
    theme = models.CharField(max_length=16, choices=Theme, default=Theme.SYSTEM)

    class Meta:
        db_table = "user_preferences"
        verbose_name_plural = "user preferences"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(page_size__gte=5, page_size__lte=200),
                name="preferences_page_size_range",
            )
        ]

    def __str__(self) -> str:
        return f"preferences of {self.user}"

    @classmethod
    def for_user(cls, user: object) -> UserPreferences:
        preferences, _ = cls.objects.get_or_create(user=user)
        return preferences


class SavedSearch(models.Model):
    """A reader's named search: the list's query string, q and its filters.

    Kept in SQLite with the other per-user settings: it belongs to a Django user
    (a foreign key PostgreSQL could not hold), is written one form at a time
    and is read on every page for the navigation.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_searches",
    )
    name = models.CharField(max_length=100)
    query = models.TextField(blank=True, default="")
    # Show how many articles were stored since the search was last opened.
    alert = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()

    class Meta:
        db_table = "saved_searches"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], name="uniq_saved_search_user_name"
            )
        ]

    def __str__(self) -> str:
        return self.name
