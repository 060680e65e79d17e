# Built concurrently so that a ministry's users table stays writable while the index is made.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("people", "0005_user_index_covers_the_team"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="user",
            index=models.Index(
                condition=models.Q(("is_active", False)),
                fields=["id"],
                name="people_user_inactive",
            ),
        ),
    ]
