"""The request type of the pages behind the login."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    """A request LoginRequiredMiddleware let through: its user is signed in.

    Views that need a login are annotated with it so the type checker knows
    ``request.user`` is a real ``User``, never ``AnonymousUser``.
    """

    user: User
