"""Search that folds accents, and raw markdown stored the cheapest way to write.

``english_unaccent`` is the english configuration with ``unaccent`` before
stemming, so "cafe" finds "café" and the other way round. The stored search
vector is recomputed with it.

Raw markdown (about 19 KB per article) dominated the cost of bulk writes when
PostgreSQL compressed it with its default pglz: lz4 is used where the server was
built with it; otherwise it is stored uncompressed, as the legacy SQLite file
stored it.
"""

import django.contrib.postgres.search
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations, models

CREATE_CONFIG = """
CREATE TEXT SEARCH CONFIGURATION english_unaccent (COPY = english);
ALTER TEXT SEARCH CONFIGURATION english_unaccent
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
"""
DROP_CONFIG = "DROP TEXT SEARCH CONFIGURATION IF EXISTS english_unaccent;"


def _lz4_available(cursor):
    cursor.execute("SAVEPOINT lz4_probe")
    try:
        cursor.execute("SET LOCAL default_toast_compression = 'lz4'")
    except Exception:  # the server was built without lz4
        cursor.execute("ROLLBACK TO SAVEPOINT lz4_probe")
        return False
    cursor.execute("RELEASE SAVEPOINT lz4_probe")
    return True


def store_markdown_cheaply(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if _lz4_available(cursor):
            cursor.execute(
                "ALTER TABLE raw_articles ALTER COLUMN raw_markdown SET COMPRESSION lz4"
            )
        else:
            cursor.execute(
                "ALTER TABLE raw_articles ALTER COLUMN raw_markdown SET STORAGE EXTERNAL"
            )


def store_markdown_as_before(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE raw_articles ALTER COLUMN raw_markdown SET STORAGE EXTENDED"
        )
        cursor.execute(
            "ALTER TABLE raw_articles ALTER COLUMN raw_markdown SET COMPRESSION DEFAULT"
        )


def _vector(config):
    search = django.contrib.postgres.search
    return search.CombinedSearchVector(
        search.CombinedSearchVector(
            search.SearchVector("title", config=config, weight="A"),
            "||",
            search.SearchVector("tags", config=config, weight="B"),
            search.SearchConfig(config),
        ),
        "||",
        search.SearchVector("summary", config=config, weight="C"),
        search.SearchConfig(config),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_legacy_deferred_indexes"),
    ]

    operations = [
        UnaccentExtension(),
        migrations.RunSQL(CREATE_CONFIG, DROP_CONFIG),
        # A generated column cannot be altered: drop it (and its index), add it back.
        migrations.RemoveIndex(model_name="article", name="idx_articles_search"),
        migrations.RemoveField(model_name="article", name="search_vector"),
        migrations.AddField(
            model_name="article",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=_vector("english_unaccent"),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=GinIndex(fields=["search_vector"], name="idx_articles_search"),
        ),
        migrations.RunPython(store_markdown_cheaply, store_markdown_as_before),
    ]
