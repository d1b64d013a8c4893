from django.db import migrations

from legacy import tracking

# scenario_articles' rows come from every articles_scenario_N table (see
# legacy.scenario_tables): the journal keys them by their own id, and its
# ``base`` (the row before the app's first change) carries (article_table, uri),
# the legacy key, so a row the app deleted is known by it too.


def install_tracking():
    return tracking.install_sql("scenario_articles", "id")


def uninstall_tracking():
    return [
        "DROP TRIGGER IF EXISTS legacy_track ON scenario_articles",
        "DROP TRIGGER IF EXISTS legacy_guard ON scenario_articles",
        "DROP FUNCTION IF EXISTS legacy_track_scenario_articles()",
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_legacy_fingerprints"),
    ]

    operations = [
        migrations.RunSQL(sql=install_tracking(), reverse_sql=uninstall_tracking()),
    ]
