"""Request hardening for every page: NUL characters are refused."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, QueryDict


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
