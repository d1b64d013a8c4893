"""Request and response hardening for every page: NUL characters, CSP, caching."""

from __future__ import annotations

import math
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.cache import patch_cache_control

from aunoo import replicas

# The app's own pages load scripts and styles from /static/ only and never
# inline them; article images may come from any HTTPS site.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class NulCharacterInRequest(SuspiciousOperation):
    """A URL or form held a NUL character (logged as ``django.security.…``)."""


class RejectNulCharactersMiddleware:
    """Answer 400 to a path, query string or form holding a NUL character.

    No page has a use for one, and PostgreSQL refuses text containing it: left
    to the views, a NUL in an admin filter or a primary key in the path would
    surface as a server error. Place it near the top, before anything reads
    parameters.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info or _holds_nul(request.GET):
            raise NulCharacterInRequest("NUL character in the URL")
        if request.method == "POST" and _holds_nul(request.POST):
            raise NulCharacterInRequest("NUL character in the form")
        return self.get_response(request)


def _holds_nul(data: QueryDict) -> bool:
    return any(
        "\x00" in text for key, values in data.lists() for text in (key, *values)
    )


class SecurityHeadersMiddleware:
    """A Content-Security-Policy on every response; signed-in pages never cached.

    With ``DEBUG`` on, the policy is only reported (browser console) so that
    Django's debug pages, which inline their scripts and styles, keep working.
    Place it right after ``SecurityMiddleware``: its response then carries the
    headers whatever the inner layers answered, errors included.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = (
            "Content-Security-Policy-Report-Only"
            if settings.DEBUG
            else "Content-Security-Policy"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault(self.header, CONTENT_SECURITY_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Pages for one reader: no shared cache or browser disk keeps them.
            patch_cache_control(response, private=True, no_store=True)
        return response


class ReadYourWritesMiddleware:
    """Send a request's analytics reads to a replica unless it must see the primary.

    A request that is not GET/HEAD/OPTIONS, or that writes to analytics, reads
    the primary, and so do the visitor's requests for the next
    ANALYTICS_REPLICA_PIN_SECONDS (a cookie): a user who has just written reads
    their write even before the replicas have it. Without replicas it does
    nothing.
    """

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.ANALYTICS_REPLICAS:
            return self.get_response(request)
        unsafe = request.method not in self.SAFE_METHODS
        token = replicas.begin_request(
            pinned=unsafe or replicas.PIN_COOKIE in request.COOKIES
        )
        try:
            response = self.get_response(request)
        finally:
            route = replicas.end_request(token)
        if unsafe or (route is not None and route.wrote):
            response.set_cookie(
                replicas.PIN_COOKIE,
                "1",
                max_age=math.ceil(settings.ANALYTICS_REPLICA_PIN_SECONDS),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
