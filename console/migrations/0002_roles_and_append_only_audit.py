"""The role groups, and triggers that make the audit table append-only in the database itself.

PostgreSQL refuses UPDATE and DELETE of audit rows (TRUNCATE, an operator's act,
stays possible, and test databases are emptied that way). SQLite refuses UPDATE;
it keeps DELETE because Django empties SQLite tables with DELETE between tests.
"""

from django.db import migrations

ROLES = ("task-force-lead", "committee-member", "ccb-member", "operator", "viewer")

POSTGRES_TRIGGER = """
CREATE FUNCTION console_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER console_auditevent_append_only
    BEFORE UPDATE OR DELETE ON console_auditevent
    FOR EACH ROW EXECUTE FUNCTION console_auditevent_append_only();
"""
POSTGRES_TRIGGER_REVERSE = """
DROP TRIGGER console_auditevent_append_only ON console_auditevent;
DROP FUNCTION console_auditevent_append_only();
"""
SQLITE_TRIGGER = """
CREATE TRIGGER console_auditevent_no_update BEFORE UPDATE ON console_auditevent
BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END;
"""
SQLITE_TRIGGER_REVERSE = "DROP TRIGGER console_auditevent_no_update;"


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        Group.objects.get_or_create(name=role)


def add_append_only_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_TRIGGER, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)


def remove_append_only_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_TRIGGER_REVERSE)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER_REVERSE)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("console", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_role_groups, migrations.RunPython.noop),
        migrations.RunPython(add_append_only_trigger, remove_append_only_trigger),
    ]
