"""Send imported users whose legacy account was flagged to the password change form."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from accounts.models import LegacyProfile


class ForcePasswordChangeMiddleware:
    """Honour the legacy ``force_password_change`` flag.

    A signed-in user whose ``legacy_profile.force_password_change`` is set can
    only reach the password change form (and log out) until they change their
    password; a successful change clears the flag. Place it after
    ``AuthenticationMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user_id = _flagged_user_id(request)
        if user_id is None:
            return self.get_response(request)
        change_url = _change_url()
        if request.path == change_url:
            response = self.get_response(request)
            # PasswordChangeView redirects only after saving a valid new password.
            if request.method == "POST" and response.status_code == 302:
                LegacyProfile.objects.filter(user_id=user_id).update(
                    force_password_change=False
                )
            return response
        if request.path == _logout_url():
            return self.get_response(request)
        return redirect(change_url)


def _flagged_user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id when they must change their password, else None."""
    user_id = request.user.pk if request.user.is_authenticated else None
    if user_id is None:
        return None
    flagged = LegacyProfile.objects.filter(user_id=user_id, force_password_change=True)
    return int(user_id) if flagged.exists() else None


def _change_url() -> str:
    try:
        return reverse("password_change")
    except NoReverseMatch as exc:
        raise ImproperlyConfigured(
            "ForcePasswordChangeMiddleware needs a URL named 'password_change': "
            'add path("accounts/", include("django.contrib.auth.urls")) to the '
            "URLconf."
        ) from exc


def _logout_url() -> str | None:
    try:
        return reverse("logout")
    except NoReverseMatch:
        return None
