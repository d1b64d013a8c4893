"""Install pg_stat_statements where the server offers it and we may.

/metrics and the System page list the statements with the most time when the
server preloads the library (the embedded PostgreSQL does) and the extension
exists in this database. Installing it needs a superuser on most servers: a
plain user gets a notice and the metrics say the extension is not loaded.
"""

from django.db import migrations

INSTALL = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions
               WHERE name = 'pg_stat_statements') THEN
        CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'pg_stat_statements not installed: %', SQLERRM;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_trends_index"),
    ]

    # Left in place on the way back: other tools may read it too.
    operations = [migrations.RunSQL(INSTALL, migrations.RunSQL.noop)]
