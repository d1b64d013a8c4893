"""Build legacy-format ``fnaapp.db`` files of any size for tests and benchmarks.

The files look like the legacy application's SQLite database: every table of
the release is created from the schema registry (:mod:`legacy.schema`), with
the exact ``CREATE TABLE`` text of the real 2025-10 or 2025-03 copy (later
columns arrive by ``ALTER TABLE``, as they did there), and every table has rows.
Row counts and sizes follow the real data and grow with the article count;
dirty files also have the release's occasional tables (``config`` and
``daily_news_feeds``; ``config``, ``tags``, ``reports`` and
``keyword_alert_articles`` for 2025-03) and hold a fixed catalogue of the
values a migration must survive, in every table. A 2025-10 file has three
scenarios, each with its ``articles_scenario_<id>`` table whose columns are its
building blocks'. :class:`GeneratedFacts` says exactly what was written::

    facts = generate_legacy_file(tmp_path / "fnaapp.db", articles=300)
    facts.expected_rows("articles")        # rows written minus planted rejects
    facts.conversions["articles"]          # {"unparseable date": 2, ...}
    facts.keys["scenario_blocks"]          # ("scenario_id", "building_block_id")
    facts.planted_in("auspex_messages")    # what was planted there, and why

``extra_tables=("custom_notes",)`` adds a table no legacy release has (and
``extra_tables_without_rowid`` a WITHOUT ROWID one), holding every SQLite
storage class, for the migration's ``legacy_archive``.

Command line, no Django settings needed::

    python -m legacy.generate OUT.db --articles 20000 [--schema 2025-03]
        [--clean] [--seed S] [--column-order shuffled] [--extra-article-column X]
        [--extra-table T] [--extra-table-without-rowid T] [--raw-scale 0.36]

The package, one module per concern: ``build`` (the whole file, in order),
``factory`` (the articles and their child tables, from the file's main random
sequence), ``config_rows`` and ``analytics_rows`` (every other table, each from
a random sequence of its own, see ``context``), ``text`` (words, sizes and
dates), ``dirty``, ``dirty_articles`` and ``dirty_tables`` (the planted values),
``unknown`` (the extra tables), ``writer`` (the inserts), ``facts`` (what tests
read) and ``cli``.

Vocabulary
----------
The words are the migration's own (``legacy.convert`` issues and
``legacy.rows`` reject reasons), so its report compares directly.

Reject reasons, ``facts.rejects[table]``, each with the row's legacy key:

``"null key"``                the primary key is NULL (SQLite allows it in a
                              TEXT key).
``"duplicate key"``           the key equals an earlier row's once NULs are
                              removed; the later row (higher rowid) is the reject.
``"duplicate unique value"``  the same for a UNIQUE column that is not the key
                              (a share token, a cache key, a prompt name).
``"article does not exist"``  an orphan: raw_articles, keyword_article_matches,
                              keyword_alerts or article_annotations pointing at no
                              article. Elsewhere a row whose parent is gone lands:
                              kind ``"orphan allowed"``.
``"required value missing"``  a NOT NULL column holds what its type cannot take:
                              text in an integer (``group_id = 'abc'``) or real
                              column, ``''`` in a JSON one.

Conversions, ``facts.conversions[table][category]``, counted per value in rows
that are not rejected:

``"empty to null"``           ``''`` in a date, number, boolean or JSON column.
``"unparseable date"``        no date shape fits (``'yesterday'``); NULL.
``"invalid boolean"``         not a boolean spelling (``'maybe'``); NULL.
``"non-number"``              text in a REAL column (``'n/a'``, ``'0,85'``); NULL.
``"invalid integer"``         a number written as text that is not an integer
                              (``'1,234'``, ``'7 days'``); NULL.
``"nul removed"``             NUL characters dropped from text, keys and JSON.
``"invalid utf-8 repaired"``  TEXT holding bytes that are not UTF-8.
``"invalid json"``            a JSON column holding what is not JSON; kept as a
                              JSON string.

Everything planted is also in ``facts.planted``: table, key, column, a ``kind``
label (``"date rfc 2822"``, ``"emoji"``, ``"json csv"``, ``"orphan allowed"``...),
the stored value and its SQLite storage class (``bytes`` are TEXT that is not
UTF-8, or a BLOB in an unknown table), and the value the migrated row should
hold. ``conversion=None`` means the value must arrive unchanged or parse
cleanly: ISO, RFC 2822 and epoch dates, ``'true'``/``'yes'`` booleans, 17-digit
scores, exact text, JSON with escapes. Expected dates are aware UTC datetimes
(naive means UTC); invalid UTF-8 bytes are expected read as Windows-1252, as
the migration reads them; JSON is expected parsed, ``'null'`` as NULL. An
unknown table's values are expected as ``legacy_archive.row`` holds them.

Not planted: a number stored as text in a REAL or INTEGER column (``'0.75'``,
``' 42'``). SQLite's column affinity turns it into a number on insert, so no
legacy file can hold one; the same goes for an epoch written as text into a
TIMESTAMP column, which is why epochs there are INTEGERs. Nor a role outside
user/assistant/system, or a feed source outside the three: SQLite enforces
those CHECKs.
"""

from __future__ import annotations

from legacy.generate.build import generate_legacy_file
from legacy.generate.cli import main
from legacy.generate.config_rows import PASSWORDS
from legacy.generate.facts import (
    CONVERSIONS,
    REJECT_REASONS,
    GeneratedFacts,
    Planted,
    Reject,
)
from legacy.rows import (
    DUPLICATE_KEY,
    DUPLICATE_UNIQUE,
    NULL_KEY,
    ORPHAN,
    REQUIRED_MISSING,
)
from legacy.schema import COLUMN_ORDERS, SCHEMAS, create_legacy_schema

__all__ = [
    "COLUMN_ORDERS",
    "CONVERSIONS",
    "DUPLICATE_KEY",
    "DUPLICATE_UNIQUE",
    "NULL_KEY",
    "ORPHAN",
    "PASSWORDS",
    "REJECT_REASONS",
    "REQUIRED_MISSING",
    "SCHEMAS",
    "GeneratedFacts",
    "Planted",
    "Reject",
    "create_legacy_schema",
    "generate_legacy_file",
    "main",
]
