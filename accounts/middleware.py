"""Send imported users whose legacy account was flagged to the password change form."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from accounts.models import LegacyProfile

# Pages a flagged user may still open: the change form itself and signing out.
OPEN_URL_NAMES = ("password_change", "logout")


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
        if not self._must_change(request):
            return self.get_response(request)
        change_url = _url("password_change")
        if request.path == change_url:
            response = self.get_response(request)
            # PasswordChangeView redirects only after saving a valid new password.
            if request.method == "POST" and response.status_code == 302:
                LegacyProfile.objects.filter(user_id=request.user.pk).update(
                    force_password_change=False
                )
            return response
        if request.path in {_url(name, required=False) for name in OPEN_URL_NAMES}:
            return self.get_response(request)
        return redirect(change_url)

    def _must_change(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_authenticated
            and LegacyProfile.objects.filter(
                user_id=user.pk, force_password_change=True
            ).exists()
        )


def _url(name: str, *, required: bool = True) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch as exc:
        if not required:
            return None
        raise ImproperlyConfigured(
            "ForcePasswordChangeMiddleware needs a URL named 'password_change': "
            'add path("accounts/", include("django.contrib.auth.urls")) to the '
            "URLconf."
        ) from exc
