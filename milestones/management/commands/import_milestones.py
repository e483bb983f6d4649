"""manage.py import_milestones FILE [--dry-run]: upsert milestones from an exported table, all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from console.errors import InvalidInput
from milestones.services import milestone_import


class Command(BaseCommand):
    help = (
        "Import milestones from a CSV or tab-separated table (columns milestone, jira_id, rubin_id, due_date, "
        "level, status, team; any order, headers matched ignoring case, spaces and punctuation; Jira's CSV "
        "export reads too). Upserts by Jira key; a bad row refuses the whole file; columns not imported are named."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")

    def handle(self, *args, file: Path, dry_run: bool, **options) -> None:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        try:
            plan = milestone_import(actor=None, text=text, dry_run=dry_run, source="import_milestones")
        except InvalidInput as error:
            raise CommandError(str(error)) from None
        for line in plan.lines():
            self.stdout.write(line)
        if note := plan.unused_note():
            self.stdout.write(self.style.WARNING(note))
        prefix = "Dry run, nothing changed: would import" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{prefix} {plan.summary()}"))
