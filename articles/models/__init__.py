"""The analytical data, stored in the ``analytics`` PostgreSQL database.

Table and column names are the legacy application's, so SQL users, validation
and rollback line up with the legacy file; the types are the proper ones
(``timestamptz``, ``boolean``, ``double precision``, ``jsonb``).

References to rows that live in SQLite (keyword groups, keywords, users, feed
groups, signal instructions, organisational profiles, scenarios) are plain
columns: see ``articles.crossdb`` for the bulk resolvers.

One module per concern; everything is importable from ``articles.models``.
"""

from articles.models.analysis import (
    AnalysisVersion,
    AnalysisVersionV2,
    Podcast,
    Report,
    TrendConsistencyMetric,
)
from articles.models.arena import (
    ModelBiasArenaArticle,
    ModelBiasArenaResult,
    ModelBiasArenaRun,
)
from articles.models.articles import (
    SEARCH_CONFIG,
    Article,
    ArticleAnalysisCache,
    ArticleAnnotation,
    KeywordAlert,
    KeywordAlertArticle,
    KeywordArticleMatch,
    MediaBias,
    RawArticle,
)
from articles.models.chat import AuspexChat, AuspexMessage
from articles.models.engine import (
    LegacyAppChange,
    LegacyArchive,
    LegacyCheckpoint,
    LegacyConflict,
    LegacyFingerprints,
    LegacyReject,
    MigrationRun,
)
from articles.models.feeds import DailyNewsFeed, FeedItem, SharedNewsFeed
from articles.models.fields import LEGACY_EXTRA_HELP, legacy_extra_field
from articles.models.monitoring import KeywordScan
from articles.models.scenarios import ScenarioArticle
from articles.models.signals import IncidentStatus, SignalAlert

__all__ = [
    "LEGACY_EXTRA_HELP",
    "SEARCH_CONFIG",
    "AnalysisVersion",
    "AnalysisVersionV2",
    "Article",
    "ArticleAnalysisCache",
    "ArticleAnnotation",
    "AuspexChat",
    "AuspexMessage",
    "DailyNewsFeed",
    "FeedItem",
    "IncidentStatus",
    "KeywordAlert",
    "KeywordAlertArticle",
    "KeywordArticleMatch",
    "KeywordScan",
    "LegacyAppChange",
    "LegacyArchive",
    "LegacyCheckpoint",
    "LegacyConflict",
    "LegacyFingerprints",
    "LegacyReject",
    "MediaBias",
    "MigrationRun",
    "ModelBiasArenaArticle",
    "ModelBiasArenaResult",
    "ModelBiasArenaRun",
    "Podcast",
    "RawArticle",
    "Report",
    "ScenarioArticle",
    "SharedNewsFeed",
    "SignalAlert",
    "TrendConsistencyMetric",
    "legacy_extra_field",
]
