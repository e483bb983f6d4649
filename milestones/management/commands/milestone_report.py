"""manage.py milestone_report --as-of YYYY-MM-DD --format md|csv: the status report, as on the page."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict
from django.utils import timezone

from milestones import reports, selectors
from milestones.filters import MilestoneFilter


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of {value!r} is not a date like 2021-07-14") from None


class Command(BaseCommand):
    help = "Print the milestone status report as of a date, as Markdown or CSV (the page's downloads)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", type=_date, default=None, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--format", choices=["md", "csv"], default="md")
        parser.add_argument("--team", action="append", default=[], help="only this team (repeatable)")
        parser.add_argument("--level", action="append", default=[], help="1, 2, 3 or none (repeatable)")
        parser.add_argument("--status", action="append", default=[], help="only this status (repeatable)")

    def handle(self, *args, as_of: date | None, format: str, team, level, status, **options) -> None:
        as_of = as_of or timezone.localdate()
        query = QueryDict(mutable=True)
        for name, values in (("team", team), ("level", level), ("status", status)):
            query.setlist(name, values)
        milestone_filter = MilestoneFilter(query, queryset=selectors.milestone_list())
        if not milestone_filter.is_valid():
            raise CommandError(f"Bad filter: {milestone_filter.errors.as_text()}")
        rows = selectors.milestone_report_rows(milestone_filter.qs, as_of=as_of)
        report = reports.status_report(rows, as_of=as_of, filters=milestone_filter.description())
        text = reports.report_markdown(report) if format == "md" else reports.report_csv(report)
        self.stdout.write(text, ending="")
