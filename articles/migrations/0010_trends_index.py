"""The trends page's covering index: its aggregate reads no table row."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_scenario_articles_tracking"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["publication_date"],
                include=[
                    "sentiment",
                    "category",
                    "topic",
                    "driver_type",
                    "time_to_impact",
                    "news_source",
                    "analyzed",
                ],
                name="idx_articles_trends",
            ),
        ),
    ]
