"""A starting rule for work lost with its node (issue 18): a job that stopped without an exit status in a run that
ended ("the node or the pilot job running it was lost", ``console_stack/run_report.py``), Parsl's ``ManagerLost``,
Slurm's ``NODE_FAIL``; retried once the node or another is there, after a minute."""

from django.db import migrations

TYPE = {
    "name": "Lost node or pilot job",
    "origin": "infrastructure",
    "description": "The node or the pilot job running a job died under it (a node failure, a pilot job killed or "
    "requeued): the job stopped without an exit status. Usually gone on the next try.",
}
RULE = {
    "name": "Lost node or pilot job",
    "position": 15,
    "message_pattern": r"the node or the pilot job running it was lost|ManagerLost|NODE_FAIL",
    "action": "retry",
    "max_retries": 2,
    "memory_multiplier": None,
    "retry_after_seconds": 60,
}


def add_rule(apps, schema_editor):
    ErrorType = apps.get_model("campaigns", "ErrorType")
    ErrorRule = apps.get_model("campaigns", "ErrorRule")
    error_type, _ = ErrorType.objects.get_or_create(
        name=TYPE["name"], defaults={"origin": TYPE["origin"], "description": TYPE["description"]}
    )
    if not ErrorRule.objects.filter(name=RULE["name"], message_pattern=RULE["message_pattern"]).exists():
        ErrorRule.objects.create(**RULE, error_type=error_type)


def remove_rule(apps, schema_editor):
    ErrorType = apps.get_model("campaigns", "ErrorType")
    ErrorRule = apps.get_model("campaigns", "ErrorRule")
    ErrorRule.objects.filter(
        name=RULE["name"], message_pattern=RULE["message_pattern"], error_type__name=TYPE["name"]
    ).delete()
    # A type people gave rules of their own since stays with them.
    ErrorType.objects.filter(name=TYPE["name"], rules__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0013_submit_host_worker_seen"),
    ]

    operations = [
        migrations.RunPython(add_rule, remove_rule),
    ]
