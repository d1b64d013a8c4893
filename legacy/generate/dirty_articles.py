"""Planted rows of the articles, their child tables and mediabias.

The catalogue the migration was first tested against: every date shape,
boolean spelling, score precision and broken text in ``articles``, orphans and
repairs in the child tables, and keys that trimming would merge in
``mediabias``.
"""

from __future__ import annotations

from legacy.convert import (
    EMPTY_TO_NULL,
    INVALID_JSON,
    NUL_REMOVED,
    UNPARSEABLE_DATE,
)
from legacy.convert import INVALID_UTF8_REPAIRED as INVALID_UTF8
from legacy.generate.dirty import (
    BOOLEANS,
    BROKEN_TEXTS,
    DATE_SHAPES,
    DIRTY_URI,
    EXACT_TEXTS,
    SCORES,
    Dirty,
    Note,
)
from legacy.generate.factory import KeywordLayout
from legacy.generate.facts import (
    Row,
    Value,
)
from legacy.generate.text import NOW, WHEN
from legacy.rows import DUPLICATE_KEY, NULL_KEY, ORPHAN, REQUIRED_MISSING

DUPLICATE_URI = f"{DIRTY_URI}/duplicate"
NUL_URI = f"{DIRTY_URI}/nul-in\x00-uri"
NUL_URI_NOTE = Note("uri", "nul in key", NUL_REMOVED, NUL_URI.replace("\x00", ""))
# Plain articles that the planted child rows belong to.
PARENTS = tuple(f"{DIRTY_URI}/parent-{n}" for n in range(5))
ORPHANS = (
    ("raw_articles", 3),
    ("keyword_article_matches", 3),
    ("keyword_alerts", 3),
    ("article_annotations", 2),
)

RAW_NUL = "A NUL \x00 in scraped markdown. " * 30
RAW_LATIN1 = b"Scraped as Latin-1: caf\xe9 cr\xe8me. " * 30


def article(slug: str, note: Note, stored: Value) -> Dirty:
    values: Row = {"uri": f"{DIRTY_URI}/{slug}", note.column: stored}
    return Dirty("articles", values, (note,))


def child(table: str, parent: int, note: Note, stored: Value) -> Dirty:
    link = "uri" if table == "raw_articles" else "article_uri"
    return Dirty(table, {link: PARENTS[parent], note.column: stored}, (note,))


def orphan(table: str, n: int) -> Dirty:
    link = "uri" if table == "raw_articles" else "article_uri"
    values: Row = {link: f"{DIRTY_URI}/deleted-{table}-{n}"}
    return Dirty(table, values, reject=ORPHAN, reject_column=link)


def special_articles() -> list[Dirty]:
    return [
        # SQLite allows NULL in a primary key that is not INTEGER PRIMARY KEY.
        Dirty(
            "articles",
            {"uri": None, "title": "No uri"},
            reject=NULL_KEY,
            reject_column="uri",
        ),
        # These two differ only by a NUL, so they collide once NULs are removed.
        Dirty("articles", {"uri": DUPLICATE_URI}),
        Dirty(
            "articles",
            {"uri": DUPLICATE_URI.replace("dup", "du\x00p")},
            reject=DUPLICATE_KEY,
            reject_column="uri",
        ),
        Dirty("articles", {"uri": NUL_URI}, (NUL_URI_NOTE,)),
        # The legacy app seeds a placeholder row; it migrates like any other.
        Dirty(
            "articles",
            {"uri": "initial", "title": "Placeholder", "summary": None},
            (Note("title", "placeholder"),),
        ),
        *(Dirty("articles", {"uri": uri}) for uri in PARENTS),
    ]


def planted_articles() -> list[Dirty]:
    rows = special_articles()
    for n, (kind, stored, conversion, expected) in enumerate(DATE_SHAPES):
        note = Note("publication_date", kind, conversion, expected)
        rows.append(article(f"date-{n}", note, stored))
    for n, (word, conversion, truth) in enumerate(BOOLEANS):
        note = Note("analyzed", f"boolean {word!r}", conversion, truth)
        rows.append(article(f"boolean-{n}", note, word))
    for n, (kind, column, text) in enumerate(EXACT_TEXTS):
        rows.append(article(f"text-{n}", Note(column, kind), text))
    for n, (kind, column, score, conversion) in enumerate(SCORES):
        rows.append(article(f"score-{n}", Note(column, kind, conversion), score))
    for n, (kind, column, broken, conversion, fixed) in enumerate(BROKEN_TEXTS):
        note = Note(column, kind, conversion, fixed)
        rows.append(article(f"broken-{n}", note, broken))
    return rows


def planted_children(layout: KeywordLayout) -> list[Dirty]:
    kept, gone = layout.groups[0].keyword_ids, layout.deleted_keyword_ids
    unsorted_ids = f"{kept[2]},{gone[0]},{kept[0]}"
    cache = "article_analysis_cache"
    matches, alerts = "keyword_article_matches", "keyword_alerts"
    annotations = "article_annotations"
    return [
        *(orphan(table, n) for table, count in ORPHANS for n in range(count)),
        # NOT NULL INTEGER columns holding text: the row cannot land.
        Dirty(matches, {"article_uri": PARENTS[0], "group_id": "abc"},
              reject=REQUIRED_MISSING, reject_column="group_id"),
        Dirty(alerts, {"article_uri": PARENTS[0], "keyword_id": "xyz"},
              reject=REQUIRED_MISSING, reject_column="keyword_id"),
        Dirty("raw_articles", {"uri": NUL_URI}, (NUL_URI_NOTE,)),
        child("raw_articles", 0, Note("raw_markdown", "nul in text", NUL_REMOVED,
               RAW_NUL.replace("\x00", "")), RAW_NUL),
        child("raw_articles", 1, Note("raw_markdown", "invalid utf-8", INVALID_UTF8,
               RAW_LATIN1.decode("cp1252")), RAW_LATIN1),
        child("raw_articles", 2, Note("last_updated", "date unparseable",
               UNPARSEABLE_DATE), "yesterday"),
        child("raw_articles", 3, Note("submission_date", "date empty",
               EMPTY_TO_NULL), ""),
        child(matches, 1, Note("keyword_ids", "keyword ids unsorted, one deleted"),
               unsorted_ids),
        child(matches, 2, Note("is_read", "boolean 'yes'", None, True), "yes"),
        child(matches, 3, Note("below_threshold", "boolean 'TRUE'", None, True),
               "TRUE"),
        child(matches, 4, Note("detected_at", "date empty", EMPTY_TO_NULL), ""),
        child(alerts, 1, Note("keyword_id", "deleted keyword id"), gone[1]),
        child(alerts, 2, Note("is_read", "boolean 'false'", None, False), "false"),
        child(alerts, 3, Note("detected_at", "date unparseable", UNPARSEABLE_DATE),
               "yesterday"),
        child(alerts, 4, Note("detected_at", "date epoch text", None, WHEN),
               str(NOW)),
        # No foreign key here on purpose: analyses may outlive their article.
        *(Dirty(cache, {"article_uri": f"{DIRTY_URI}/analysed-then-deleted-{n}"},
                 (Note("article_uri", "orphan allowed"),)) for n in range(3)),
        # Invalid JSON is kept as a JSON string holding the original text.
        child(cache, 0, Note("metadata", "json truncated", INVALID_JSON),
               '{"tokens": 812,'),
        child(cache, 1, Note("metadata", "json single quotes", INVALID_JSON),
               "{'model': 'gpt-4o-mini'}"),
        child(cache, 2, Note("metadata", "json escapes", None,
               {"note": "caf\u00e9 \U0001f30d", "tokens": 1}),
               '{"note": "caf\\u00e9 \\ud83c\\udf0d", "tokens": 1}'),
        # TIMESTAMP columns have numeric affinity: the epoch stays an INTEGER.
        child(cache, 3, Note("generated_at", "date epoch integer", None, WHEN), NOW),
        child(annotations, 0, Note("is_private", "boolean 'no'", None, False), "no"),
        child(annotations, 1, Note("created_at", "date epoch integer", None, WHEN),
               NOW),
        child(annotations, 2, Note("content", "nul in text", NUL_REMOVED,
               "Checked by the desk"), "Checked\x00 by the desk"),
    ]  # fmt: skip


def planted_mediabias() -> list[Dirty]:
    def source(name: str, *notes: Note, **values: Value) -> Dirty:
        return Dirty("mediabias", {"source": name, **values}, notes)

    return [
        source("dirty-enabled.example", Note("enabled", "boolean 'yes'", None, True),
               enabled="yes"),
        source("dirty-epoch.example",
               Note("updated_at", "date epoch integer", None, WHEN), updated_at=NOW),
        source("dirty-date.example",
               Note("last_updated", "date unparseable", UNPARSEABLE_DATE),
               last_updated="yesterday"),
        # Two keys that differ by a trailing space: trimming would merge them.
        source("trailing-space.example"),
        source("trailing-space.example ", Note("source", "trailing spaces")),
    ]  # fmt: skip


def catalogue(layout: KeywordLayout) -> list[Dirty]:
    """Every planted row of these tables, in insertion order."""
    return [*planted_articles(), *planted_children(layout), *planted_mediabias()]
