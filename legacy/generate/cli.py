"""``python -m legacy.generate``: write a file and print its facts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from legacy.generate.build import generate_legacy_file
from legacy.schema import COLUMN_ORDERS, SCHEMAS


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m legacy.generate",
        description="Write a legacy-format fnaapp.db and print what it holds.",
    )
    parser.add_argument("out", type=Path, help="the SQLite file to create")
    parser.add_argument("--articles", type=int, required=True)
    parser.add_argument("--schema", choices=SCHEMAS, default="2025-10")
    parser.add_argument("--clean", action="store_true", help="plant no dirty values")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--column-order", choices=COLUMN_ORDERS, default="legacy")
    parser.add_argument(
        "--extra-article-column",
        action="append",
        default=[],
        dest="extra_article_columns",
        help="a legacy column the target has no place for (repeatable)",
    )
    parser.add_argument(
        "--extra-table",
        action="append",
        default=[],
        dest="extra_tables",
        help="a table no legacy release has, holding every storage class (repeatable)",
    )
    parser.add_argument(
        "--extra-table-without-rowid",
        action="append",
        default=[],
        dest="extra_tables_without_rowid",
        help="the same as a WITHOUT ROWID table (repeatable)",
    )
    parser.add_argument(
        "--raw-scale",
        type=float,
        default=1.0,
        help="raw markdown lengths times this (0.05-1.0; 0.36 gives about 3.5 KB "
        "of raw markdown per article, a row-heavy file)",
    )
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")
    args = parser.parse_args(argv)
    if args.out.exists():
        if not args.force:
            parser.error(f"{args.out} exists; pass --force to replace it")
        args.out.unlink()
    try:
        facts = generate_legacy_file(
            args.out,
            articles=args.articles,
            schema=args.schema,
            dirty=not args.clean,
            seed=args.seed,
            column_order=args.column_order,
            extra_article_columns=tuple(args.extra_article_columns),
            extra_tables=tuple(args.extra_tables),
            extra_tables_without_rowid=tuple(args.extra_tables_without_rowid),
            raw_scale=args.raw_scale,
        )
    except ValueError as exc:
        parser.error(str(exc))
    sys.stdout.write(facts.summary())
    return 0
