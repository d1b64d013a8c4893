"""The legacy database's schema, declared once: every table of every release.

For each table of the legacy application's SQLite file: its side (``config``
stays in SQLite ``default``, ``analytics`` moves to PostgreSQL), its key, the
tables it refers to, and its exact DDL in each schema version, with the columns
later releases added by ALTER TABLE, the indexes and the trigger. The migration,
its checks, the rollback, the generator of test files and the benchmarks read
the schema from here.

    from legacy import schema

    schema.side("auspex_messages")              # "analytics"
    schema.TABLES["scenario_blocks"].key        # ("scenario_id", "building_block_id")
    schema.VERSIONS["2025-03"].tables           # that release's tables, in order
    schema.create_legacy_schema(connection, "2025-10")

A 2025-10 file has 44 application tables, ``articles_scenario_1`` among them:
each scenario of a file has its own ``articles_scenario_<id>`` table, whose
columns depend on the scenario's building blocks (:func:`scenario_table`).
"""

from __future__ import annotations

from legacy.schema.table import (
    ANALYTICS,
    CONFIG,
    SCENARIO_COLUMNS,
    SCENARIO_TABLE,
    SIDES,
    Index,
    LegacyTable,
    Reference,
    block_column,
    scenario_table,
)
from legacy.schema.versions import (
    COLUMN_ORDERS,
    IDENTIFIER,
    SCHEMAS,
    SHUFFLED_TABLES,
    TABLES,
    VERSIONS,
    SchemaVersion,
    check_options,
    create_indexes,
    create_legacy_schema,
    create_tables,
    legacy_table,
    side,
    table_columns,
    version,
)

__all__ = [
    "ANALYTICS",
    "COLUMN_ORDERS",
    "CONFIG",
    "IDENTIFIER",
    "SCENARIO_COLUMNS",
    "SCENARIO_TABLE",
    "SCHEMAS",
    "SHUFFLED_TABLES",
    "SIDES",
    "TABLES",
    "VERSIONS",
    "Index",
    "LegacyTable",
    "Reference",
    "SchemaVersion",
    "block_column",
    "check_options",
    "create_indexes",
    "create_legacy_schema",
    "create_tables",
    "legacy_table",
    "scenario_table",
    "side",
    "table_columns",
    "version",
]
