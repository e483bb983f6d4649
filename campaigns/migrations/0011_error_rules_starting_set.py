"""The starting set of error types and rules (issue 17): out of memory and transient filesystem or network errors,
retried; the demo's injected failure, retried twice. People change them on the rules page like any other.

The out-of-memory pattern covers what a killed Parsl job leaves: a ``MemoryError`` traceback, ``Cannot allocate
memory`` (errno 12), the kernel's OOM killer, the shell's "Killed" (case kept: "killed" is a common word), and the
run report's message for a job that died of SIGKILL before it could log anything, "terminated by signal 9 (exit
status 137)" (``console_stack/_submit_dir.py``).
"""

from django.db import migrations

TYPES = [
    {
        "name": "Out of memory",
        "origin": "infrastructure",
        "description": "A job ran out of memory: killed by the kernel (signal 9, exit status 137) or a MemoryError.",
    },
    {
        "name": "Transient filesystem or network error",
        "origin": "infrastructure",
        "description": "An I/O error, a stale NFS handle, a connection refused, reset or timed out, a name not "
        "resolved: usually gone on the next try.",
    },
    {
        "name": "Injected failure (demo)",
        "origin": "pipeline",
        "description": "The demo pipeline's failure switch (console_stack.tasks.InjectedFailureError): fails the "
        "chosen detectors while its marker file exists.",
    },
]

RULES = [
    {
        "name": "Out of memory",
        "position": 10,
        "message_pattern": r"MemoryError|Cannot allocate memory|\bOOM\b|out of memory|oom-kill|(?-i:\bKilled\b)"
        r"|signal 9 \(exit status 137\)|exit (status|code) 137",
        "error_type": "Out of memory",
        "action": "retry",
        "max_retries": 2,
        "memory_multiplier": 2.0,
        "retry_after_seconds": 0,
    },
    {
        "name": "Transient filesystem or network error",
        "position": 20,
        "message_pattern": r"OSError: \[Errno (5|110|111|116|121)\]|Connection (refused|reset)|timed out"
        r"|Stale file handle|Input/output error|Temporary failure in name resolution",
        "error_type": "Transient filesystem or network error",
        "action": "retry",
        "max_retries": 3,
        "memory_multiplier": None,
        "retry_after_seconds": 60,
    },
    {
        "name": "Injected failure (demo)",
        "position": 90,
        "message_pattern": r"InjectedFailureError",
        "error_type": "Injected failure (demo)",
        "action": "retry",
        "max_retries": 2,
        "memory_multiplier": None,
        "retry_after_seconds": 30,
    },
]


def add_starting_set(apps, schema_editor):
    ErrorType = apps.get_model("campaigns", "ErrorType")
    ErrorRule = apps.get_model("campaigns", "ErrorRule")
    types = {}
    for values in TYPES:
        types[values["name"]], _ = ErrorType.objects.get_or_create(
            name=values["name"], defaults={"origin": values["origin"], "description": values["description"]}
        )
    for values in RULES:
        fields = {**values, "error_type": types[values["error_type"]]}
        if not ErrorRule.objects.filter(name=fields["name"], message_pattern=fields["message_pattern"]).exists():
            ErrorRule.objects.create(**fields)


def remove_starting_set(apps, schema_editor):
    ErrorType = apps.get_model("campaigns", "ErrorType")
    ErrorRule = apps.get_model("campaigns", "ErrorRule")
    for values in RULES:
        ErrorRule.objects.filter(
            name=values["name"], message_pattern=values["message_pattern"], error_type__name=values["error_type"]
        ).delete()
    for values in TYPES:
        # A type people gave rules of their own since stays with them.
        ErrorType.objects.filter(name=values["name"], rules__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0010_groups_error_rules_data_products"),
    ]

    operations = [
        migrations.RunPython(add_starting_set, remove_starting_set),
    ]
