"""Bulk resolvers for ids that point from one database into the other.

Keyword groups, keywords, users, feed groups, signal instructions and
organisational profiles live in SQLite; matches, alerts, annotations, feed
items, signal alerts and chats live in PostgreSQL and refer to them by plain
ids. No
join can cross the two, so each helper here resolves a whole page of ids in
one query: a template never triggers a query per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Model, Q

from articles.models import KeywordArticleMatch
from config_app.models import (
    FeedKeywordGroup,
    KeywordGroup,
    MonitoredKeyword,
    OrganizationalProfile,
    SignalInstruction,
)

_ModelT = TypeVar("_ModelT", bound=Model)


def _in_bulk(model: type[_ModelT], ids: Iterable[int | None]) -> dict[int, _ModelT]:
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return {}
    return model._default_manager.in_bulk(wanted)


def groups_by_id(ids: Iterable[int]) -> dict[int, KeywordGroup]:
    """SQLite -> the keyword groups with these ids, in one query."""
    wanted = set(ids)
    if not wanted:
        return {}
    return KeywordGroup.objects.in_bulk(wanted)


def keywords_by_id(ids: Iterable[int]) -> dict[int, MonitoredKeyword]:
    """SQLite -> the monitored keywords with these ids, in one query."""
    wanted = set(ids)
    if not wanted:
        return {}
    return MonitoredKeyword.objects.in_bulk(wanted)


def feed_groups_by_id(ids: Iterable[int | None]) -> dict[int, FeedKeywordGroup]:
    """SQLite -> the feed groups of these feed items' ``group_id``, in one query."""
    return _in_bulk(FeedKeywordGroup, ids)


def signal_instructions_by_id(
    ids: Iterable[int | None],
) -> dict[int, SignalInstruction]:
    """SQLite -> the signal instructions of these alerts, in one query."""
    return _in_bulk(SignalInstruction, ids)


def profiles_by_id(ids: Iterable[int | None]) -> dict[int, OrganizationalProfile]:
    """SQLite -> the organisational profiles of these chats, in one query."""
    return _in_bulk(OrganizationalProfile, ids)


def attach_groups(
    matches: Sequence[KeywordArticleMatch],
    *,
    known: dict[int, KeywordGroup] | None = None,
) -> None:
    """Sets ``match.group`` and ``match.keywords`` on each match: two queries in all.

    Groups already in ``known`` are not fetched again. A group or keyword
    deleted since the match was made resolves to None or is left out; the
    match itself is kept.
    """
    groups = dict(known or {})
    groups.update(groups_by_id({match.group_id for match in matches} - groups.keys()))
    keywords = keywords_by_id(
        keyword_id for match in matches for keyword_id in match.keyword_id_list
    )
    for match in matches:
        match.group = groups.get(match.group_id)  # type: ignore[attr-defined]
        match.keywords = [  # type: ignore[attr-defined]
            keywords[keyword_id]
            for keyword_id in match.keyword_id_list
            if keyword_id in keywords
        ]


def followed_groups(user: AbstractBaseUser | AnonymousUser) -> list[KeywordGroup]:
    """SQLite -> the keyword groups ``user`` follows, by name, in one query."""
    if not user.is_authenticated:
        return []
    return list(KeywordGroup.objects.filter(keywordgroupfollow__user_id=user.pk))


def followed_group_ids(user: AbstractBaseUser | AnonymousUser) -> list[int]:
    """SQLite -> the ids of the keyword groups ``user`` follows, in one query."""
    if not user.is_authenticated:
        return []
    return list(
        KeywordGroup.objects.filter(keywordgroupfollow__user_id=user.pk).values_list(
            "pk", flat=True
        )
    )


UNREAD = Q(is_read=False) | Q(is_read__isnull=True)


def unread_counts(group_ids: Sequence[int]) -> dict[int, int]:
    """PostgreSQL -> unread matches per group, one aggregate over the inbox index."""
    if not group_ids:
        return {}
    rows = (
        KeywordArticleMatch.objects.filter(UNREAD, group_id__in=group_ids)
        .values("group_id")
        .annotate(unread=Count("id"))
        .order_by()
    )
    return {row["group_id"]: row["unread"] for row in rows}
