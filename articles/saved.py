"""Saved searches: the navigation's menu and "N new since last look".

A saved search with ``alert`` on counts the articles stored (``submission_date``)
since its owner last opened it, through the same filters the list applies,
capped at ``NEW_COUNT_CAP`` (an indexed range read, never a full count). The
counts are cached per reader for a minute, and forgotten when a search is
saved, opened, changed or deleted.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.http import QueryDict

from accounts.models import SavedSearch
from articles.forms import ArticleFilterForm
from articles.search import filter_articles

NEW_COUNT_CAP = 99
CACHE_SECONDS = 60


def _key(user: AbstractBaseUser | AnonymousUser) -> str:
    return f"articles:saved-searches:{user.pk}"


def with_new_counts(user: AbstractBaseUser | AnonymousUser) -> list[SavedSearch]:
    """The reader's saved searches, each with ``new`` (None when not alerting)."""
    if not user.is_authenticated:
        return []
    searches: list[SavedSearch] | None = cache.get(_key(user))
    if searches is None:
        searches = list(SavedSearch.objects.filter(user_id=user.pk))
        for searched in searches:
            new = new_count(searched) if searched.alert else None
            searched.new = new  # type: ignore[attr-defined]
        cache.set(_key(user), searches, CACHE_SECONDS)
    return searches


def new_count(searched: SavedSearch) -> int:
    """Articles matching the search stored since it was last opened, capped."""
    form = ArticleFilterForm(QueryDict(searched.query))
    if not form.is_valid():
        return 0
    stored_since = filter_articles(form.filters()).filter(
        submission_date__gt=searched.last_seen_at
    )
    return stored_since.order_by()[: NEW_COUNT_CAP + 1].count()


def forget_counts(user: AbstractBaseUser | AnonymousUser) -> None:
    cache.delete(_key(user))
