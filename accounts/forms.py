"""The reader's own UI preferences, password change and sign-in forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.hashers import check_password

from accounts import sign_in_throttle
from accounts.models import UserPreferences


class PreferencesForm(forms.ModelForm[UserPreferences]):
    class Meta:
        model = UserPreferences
        fields = ["page_size", "default_topic", "theme"]
        labels = {
            "page_size": "Articles per page",
            "default_topic": "Default topic",
            "theme": "Theme",
        }
        help_texts = {
            "page_size": "Between 5 and 200.",
            "default_topic": "Applied to the article list when you pick no topic.",
        }
        widgets = {"theme": forms.RadioSelect}

    def clean_page_size(self) -> int:
        size = self.cleaned_data["page_size"]
        if not 5 <= size <= 200:
            raise forms.ValidationError("Choose between 5 and 200 articles per page.")
        return int(size)

    def clean_default_topic(self) -> str:
        return (self.cleaned_data.get("default_topic") or "").strip()


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (old password, AUTH_PASSWORD_VALIDATORS), refusing the same one.

    A forced change (imported accounts) exists to retire the old password, so
    keeping it must not count as a change.
    """

    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_unchanged": "Choose a password different from your current one.",
    }

    def clean_new_password2(self) -> str:
        password = str(self.cleaned_data.get("new_password2") or "")
        # Against the stored hash, so it works for every hasher, legacy bcrypt
        # included, and whatever was typed as the old password. No setter: this
        # check never rewrites the hash.
        if password and check_password(password, self.user.password):
            raise forms.ValidationError(
                self.error_messages["password_unchanged"], code="password_unchanged"
            )
        return password


class SignInForm(auth_forms.AuthenticationForm):
    """Django's sign-in form, refusing accounts with too many recent failures.

    Counts only wrong credentials: a right password refused for another reason
    (the admin turning away a member) is not a failure.
    """

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match. "
        "Try again (passwords are case-sensitive).",
    }

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        minutes = sign_in_throttle.minutes_locked(username)
        if minutes:
            raise forms.ValidationError(
                f"Too many failed sign-ins for this account; try again in "
                f"{minutes} minute{'' if minutes == 1 else 's'}.",
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username and self.user_cache is None:
                sign_in_throttle.record_failure(username)
            raise
        if self.user_cache is not None:
            sign_in_throttle.forget(username)
        return cleaned


class AdminSignInForm(SignInForm, AdminAuthenticationForm):
    """The admin's sign-in form (staff only), with the same throttle."""

    error_messages = AdminAuthenticationForm.error_messages
