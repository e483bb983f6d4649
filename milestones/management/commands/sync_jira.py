"""manage.py sync_jira: sync the milestones from Jira now, and say what changed."""

from django.core.management.base import BaseCommand, CommandError

from console.errors import Conflict
from milestones.choices import SyncStatus, SyncTrigger
from milestones.services import jira_sync


class Command(BaseCommand):
    help = "Read the milestone issues of JIRA_JQL from JIRA_SERVER and update the milestones (all or nothing)."

    def handle(self, *args, **options) -> None:
        try:
            sync = jira_sync(trigger=SyncTrigger.COMMAND)
        except Conflict as error:
            raise CommandError(str(error)) from None
        for note in sync.notes:
            self.stdout.write(f"note: {note}")
        if sync.status != SyncStatus.SUCCEEDED:
            raise CommandError(f"Jira sync #{sync.pk} failed; nothing was changed.\n{sync.error}")
        for change in sync.summary:
            fields = "; ".join(f"{name} {old} -> {new}" for name, (old, new) in change["fields"].items())
            self.stdout.write(f"{change['action']} {change['jira_key']}: {fields}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Jira sync #{sync.pk}: {sync.issues_seen} issue(s) in {sync.pages} page(s), "
                f"{sync.created_count} new, {sync.updated_count} changed, {sync.unchanged_count} unchanged"
                f"{f', {sync.retries} retried request(s)' if sync.retries else ''}."
            )
        )
