"""Build legacy-format ``fnaapp.db`` files of any size for tests and benchmarks.

The files look like the legacy application's SQLite database: every table of
the release is created from the schema registry (:mod:`legacy.schema`), with
the exact ``CREATE TABLE`` text of the real 2025-10 or 2025-03 copy (later
columns arrive by ``ALTER TABLE``, as they did there); dirty files also have the
release's occasional tables. Row sizes follow the real data, and a dirty file
holds a fixed catalogue of the values a migration must survive.
:class:`GeneratedFacts` says exactly what was written::

    facts = generate_legacy_file(tmp_path / "fnaapp.db", articles=300)
    facts.expected_rows("articles")        # rows written minus planted rejects
    facts.conversions["articles"]          # {"unparseable date": 2, ...}
    facts.keys["mediabias"]                # ("source",): how to find a key

The package, one module per concern: ``build`` (the whole file, in order),
``factory`` and ``config_rows`` (ordinary rows), ``text`` (words, sizes and
dates), ``dirty``, ``dirty_articles`` (the planted values), ``writer`` (the
inserts), ``facts`` (what tests read) and ``cli``.

Command line, no Django settings needed::

    python -m legacy.generate OUT.db --articles 20000 [--schema 2025-03]
        [--clean] [--seed S] [--column-order shuffled] [--extra-article-column X]

Vocabulary
----------
The words are the migration's own (``legacy.convert`` issues and
``legacy.rows`` reject reasons), so its report compares directly.

Reject reasons, ``facts.rejects[table]``, each with the row's legacy key:

``"null key"``                the primary key is NULL (SQLite allows it).
``"duplicate key"``           the key equals an earlier row's once NULs are
                              removed; the later row (higher rowid) is the reject.
``"article does not exist"``  an orphan: raw_articles, keyword_article_matches,
                              keyword_alerts or article_annotations pointing at no
                              article. article_analysis_cache orphans are legal.
``"required value missing"``  a NOT NULL column holds text that is not an
                              integer (``group_id = 'abc'``).

Conversions, ``facts.conversions[table][category]``, counted per value in rows
that are not rejected:

``"empty to null"``           ``''`` in a date, number or boolean column.
``"unparseable date"``        no date shape fits (``'yesterday'``); NULL.
``"invalid boolean"``         not a boolean spelling (``'maybe'``); NULL.
``"non-number"``              text in a REAL column (``'n/a'``); NULL.
``"nul removed"``             NUL characters dropped from text (keys included).
``"invalid utf-8 repaired"``  TEXT holding bytes that are not UTF-8.
``"invalid json"``            metadata that is not JSON; kept as a JSON string.

Everything planted is also in ``facts.planted``: table, key, column, a ``kind``
label (``"date rfc 2822"``, ``"emoji"``, ``"copy null marker"``...), the stored
value (``bytes`` for invalid UTF-8) and the value the migrated row should hold.
``conversion=None`` means the value must arrive unchanged or parse cleanly:
ISO, RFC 2822 and epoch dates, ``'true'``/``'yes'`` booleans, 17-digit scores,
exact text. Expected dates are aware UTC datetimes (naive means UTC); invalid
UTF-8 bytes are expected read as Windows-1252, as the migration reads them.

Not planted: a number stored as text in a REAL column (``'0.75'``). SQLite's
column affinity turns it into a REAL on insert, so no legacy file can hold one.
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
    NULL_KEY,
    ORPHAN,
    REQUIRED_MISSING,
)
from legacy.schema import COLUMN_ORDERS, SCHEMAS, create_legacy_schema

__all__ = [
    "COLUMN_ORDERS",
    "CONVERSIONS",
    "DUPLICATE_KEY",
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
