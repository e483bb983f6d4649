"""ReleaseApproval comes from the releases app (whose models no longer name campaigns or decisions); the table
is renamed, its rows kept."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0007_submission_launch_token"),
        ("committee", "0003_slug_validator"),
        ("releases", "0002_release_approval_moves_to_committee"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ReleaseApproval",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("approved_at", models.DateTimeField()),
                        (
                            "campaign",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="release_approvals",
                                to="campaigns.campaign",
                            ),
                        ),
                        (
                            "decision",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="release_approvals",
                                to="committee.decision",
                            ),
                        ),
                        (
                            "release",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="approvals",
                                to="releases.release",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-approved_at"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("release", "campaign"), name="release_approval_once_per_campaign"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE releases_releaseapproval RENAME TO committee_releaseapproval",
                    "ALTER TABLE committee_releaseapproval RENAME TO releases_releaseapproval",
                ),
            ],
        ),
    ]
