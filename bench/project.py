"""The project side of the benchmarks: its write path, its pages, its tables.

Everything a benchmark needs from the teammates' code goes through here, so a
part that has not landed yet is reported as "unavailable" instead of crashing
the whole run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

ALERTS_URL_NAMES = ("articles:alerts", "alerts:list", "alerts:index", "alerts")
ADMIN_CHANGELIST = "/admin/articles/article/"


class Unavailable(Exception):
    """A part of the project this benchmark needs has not been built yet."""


def save_bulk_articles() -> Callable[[list[dict[str, Any]]], Any]:
    try:
        module = importlib.import_module("articles.bulk")
    except ImportError as exc:
        raise Unavailable(f"articles.bulk is not importable ({exc})") from exc
    function = getattr(module, "save_bulk_articles", None)
    if function is None:
        raise Unavailable("articles.bulk has no save_bulk_articles")
    return function  # type: ignore[no-any-return]


def payload(batch: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The batch as the write path takes it (field names as the legacy columns).

    An article without markdown leaves the key out, as the legacy app skipped its
    ``raw_articles`` row: ``None`` would ask the write path to store an empty one.
    """
    return [
        {
            key: value
            for key, value in article.items()
            if key != "raw_markdown" or value is not None
        }
        for article in batch
    ]


def command_exists(name: str) -> bool:
    from django.core.management import get_commands

    return name in get_commands()


def url(name: str, *, query: str = "") -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse(name)
    except NoReverseMatch as exc:
        raise Unavailable(f"no URL named {name!r}") from exc
    except Exception as exc:
        raise Unavailable(
            f"the URLconf does not load ({type(exc).__name__}: {exc})"
        ) from exc
    return f"{path}?{query}" if query else path


def first_url(names: Sequence[str]) -> str:
    for name in names:
        try:
            return url(name)
        except Unavailable:
            continue
    raise Unavailable(f"none of the URL names {', '.join(names)} exists")


def article_url(uri: str) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("articles:detail", kwargs={"uri": uri})
    except NoReverseMatch as exc:
        raise Unavailable("no URL named 'articles:detail'") from exc
    except Exception as exc:
        raise Unavailable(
            f"the URLconf does not load ({type(exc).__name__}: {exc})"
        ) from exc


def analytics_tables() -> list[str]:
    """Every table of the analytics schema but Django's migration record."""
    from django.db import connections

    with connections["analytics"].cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'django_migrations' ORDER BY tablename"
        )
        return [row[0] for row in cursor.fetchall()]


def reset_analytics() -> None:
    """Empty the analytics tables between measurements (the schema stays).

    Every one of them: the homes of the legacy tables, the migration engine's
    rejects, checkpoints and archive.
    """
    from django.db import connections

    tables = ", ".join(f'"{table}"' for table in analytics_tables())
    with connections["analytics"].cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def analyze() -> None:
    from django.db import connections

    with connections["analytics"].cursor() as cursor:
        cursor.execute("ANALYZE")


def vacuum_analyze() -> None:
    """Tidy tables after a measurement, as autovacuum would between busy hours."""
    from django.db import connections

    with connections["analytics"].cursor() as cursor:
        for table in analytics_tables():
            cursor.execute(f'VACUUM ANALYZE "{table}"')


# Tables holding a foreign key to articles, and the name of that column.
ARTICLE_CHILDREN = (
    ("raw_articles", "uri"),
    ("keyword_article_matches", "article_uri"),
    ("keyword_alerts", "article_uri"),
    ("article_annotations", "article_uri"),
)


def delete_articles_except(prefixes: Sequence[str]) -> None:
    """Delete the articles whose URIs start otherwise, children first.

    Django's foreign keys cascade in the ORM, not in the database, so the rows
    that point at an article are deleted explicitly.
    """
    from django.db import connections, transaction

    patterns = [f"{prefix}%" for prefix in prefixes]
    with (
        transaction.atomic(using="analytics"),
        connections["analytics"].cursor() as cursor,
    ):
        for table, column in (*ARTICLE_CHILDREN, ("articles", "uri")):
            keep = " AND ".join(f"{column} NOT LIKE %s" for _ in patterns)
            cursor.execute(f"DELETE FROM {table} WHERE {keep}", patterns)


def set_up_alerts(user_name: str, uris: Sequence[str]) -> None:
    """A followed keyword group with matches, so the alerts page has rows to show."""
    from django.contrib.auth.models import User

    from articles.models import KeywordArticleMatch
    from config_app.models import KeywordGroup, KeywordGroupFollow, MonitoredKeyword

    user = User.objects.get(username=user_name)
    group, _ = KeywordGroup.objects.get_or_create(
        name="Benchmark group", defaults={"topic": "Climate Change"}
    )
    keyword, _ = MonitoredKeyword.objects.get_or_create(group=group, keyword="climate")
    KeywordGroupFollow.objects.get_or_create(user=user, group=group)
    KeywordArticleMatch.objects.bulk_create(
        [
            KeywordArticleMatch(
                article_id=uri, keyword_ids=str(keyword.id), group_id=group.id
            )
            for uri in uris
        ],
        ignore_conflicts=True,
    )
