"""ReleaseApproval moves to the committee app (the effect of a decision); its table is renamed there, and kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("releases", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ReleaseApproval")],
            database_operations=[],
        ),
    ]
