"""A committee's chair: at most one seat per committee. The seats named "Chair" (the change control board's)
become their committee's chair."""

from django.db import migrations, models


def chair_seats_chair(apps, schema_editor):
    Seat = apps.get_model("committee", "Seat")
    Seat.objects.filter(area="Chair").update(chair=True)


class Migration(migrations.Migration):
    dependencies = [
        ("committee", "0004_release_approval_from_releases"),
    ]

    operations = [
        migrations.AddField(
            model_name="seat",
            name="chair",
            field=models.BooleanField(default=False),
        ),
        migrations.AddConstraint(
            model_name="seat",
            constraint=models.UniqueConstraint(
                condition=models.Q(("chair", True)), fields=("committee",), name="seat_one_chair_per_committee"
            ),
        ),
        migrations.RunPython(chair_seats_chair, migrations.RunPython.noop),
    ]
