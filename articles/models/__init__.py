"""The analytical data, stored in the ``analytics`` PostgreSQL database.

Table and column names are the legacy application's, so SQL users, validation
and rollback line up with the legacy file; the types are the proper ones
(``timestamptz``, ``boolean``, ``double precision``, ``jsonb``).

References to rows that live in SQLite (keyword groups, keywords, users) are
plain integer columns: see ``articles.crossdb`` for the bulk resolvers.

One module per concern; everything is importable from ``articles.models``.
"""

from articles.models.articles import (
    SEARCH_CONFIG,
    Article,
    ArticleAnalysisCache,
    ArticleAnnotation,
    KeywordAlert,
    KeywordArticleMatch,
    MediaBias,
    RawArticle,
)
from articles.models.engine import (
    LegacyAppChange,
    LegacyCheckpoint,
    LegacyConflict,
    LegacyReject,
    MigrationRun,
)
from articles.models.fields import LEGACY_EXTRA_HELP, legacy_extra_field

__all__ = [
    "LEGACY_EXTRA_HELP",
    "SEARCH_CONFIG",
    "Article",
    "ArticleAnalysisCache",
    "ArticleAnnotation",
    "KeywordAlert",
    "KeywordArticleMatch",
    "LegacyAppChange",
    "LegacyCheckpoint",
    "LegacyConflict",
    "LegacyReject",
    "MediaBias",
    "MigrationRun",
    "RawArticle",
    "legacy_extra_field",
]
