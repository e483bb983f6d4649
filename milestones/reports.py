"""The milestone status report: plain data in, report, Markdown and CSV out (no ORM here).

A report is made *as of* a date. Each milestone is taken as it stood at the
end of that day: changes recorded later are rolled back through its history
(a milestone the console learnt of later is taken as it was first known).
Then, relative to that date:

- overdue: open, due before the date;
- due within 30 days, and due in 31 to 90 days: open, due from the date on;
- slipped: the due date is later than the baseline (the first due date known),
  by that many days; each move later recorded up to the date is listed;
- done; won't fix; open with no due date.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from console.exports import csv_text, markdown_cell, markdown_table
from console.identifiers import shown
from milestones.choices import OPEN_STATUSES, MilestoneStatus, TrackedField

DUE_SOON_DAYS = 30
DUE_LATER_DAYS = 90
TRACKED_FIELDS = tuple(TrackedField.values)  # once: the enum makes the list anew on every access


@dataclass(frozen=True)
class Slip:
    """A move of the due date to a later day."""

    recorded_on: date
    old: date
    new: date
    origin: str
    note: str = ""

    @property
    def days(self) -> int:
        return (self.new - self.old).days


@dataclass
class ReportRow:
    """A milestone as it stood on the report's date."""

    jira_key: str
    project_id: str
    title: str
    team: str
    level: int | None
    status: str
    due_date: date | None
    baseline_due_date: date | None
    forecast_date: date | None
    completed_date: date | None
    slips: list[Slip] = field(default_factory=list)
    days_to_due: int | None = None  # from the report's date; set by status_report

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_to_due) if self.days_to_due is not None else 0

    @property
    def days_left(self) -> int:
        return max(0, self.days_to_due) if self.days_to_due is not None else 0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def slip_days(self) -> int:
        if self.due_date is None or self.baseline_due_date is None:
            return 0
        return max(0, (self.due_date - self.baseline_due_date).days)

    @property
    def level_label(self) -> str:
        return f"Level {self.level}" if self.level else "No level"

    @property
    def team_label(self) -> str:
        return self.team or "No team"


def _value(name: str, text: str | None) -> Any:
    if text is None or text == "":
        return None
    if name in (TrackedField.DUE_DATE, TrackedField.FORECAST_DATE):
        return date.fromisoformat(text)
    if name == TrackedField.LEVEL:
        return int(text)
    return text


def report_row(milestone: Any, changes: Sequence[Any], *, as_of: date) -> ReportRow:
    """The milestone (an object with the model's fields: an instance or a named row) as it stood at the
    end of ``as_of``.

    ``changes`` are its ``MilestoneChange`` rows (instances or named rows), oldest first.
    """
    zone = timezone.get_current_timezone()
    days = [change.changed_at.astimezone(zone).date() for change in changes]  # the day each was recorded, locally
    values = {name: getattr(milestone, name) for name in TRACKED_FIELDS}
    for change, day in zip(reversed(changes), reversed(days), strict=True):
        if day <= as_of:
            break
        values[change.field] = _value(change.field, change.old_value)
    slips = []
    for change, day in zip(changes, days, strict=True):
        if change.field != TrackedField.DUE_DATE or day > as_of:
            continue
        old, new = _value(change.field, change.old_value), _value(change.field, change.new_value)
        if old is not None and new is not None and new > old:
            slips.append(Slip(day, old, new, change.origin, change.note))
    completed = milestone.completed_date if values["status"] == MilestoneStatus.DONE else None
    return ReportRow(
        jira_key=milestone.jira_key,
        project_id=milestone.project_id,
        title=milestone.title,
        team=milestone.team,
        level=values["level"],
        status=values["status"],
        due_date=values["due_date"],
        baseline_due_date=milestone.baseline_due_date,
        forecast_date=values["forecast_date"],
        completed_date=completed,
        slips=slips,
    )


# The report ---------------------------------------------------------------------------------------------

SECTIONS = (
    ("overdue", "Overdue"),
    ("due_30", f"Due within {DUE_SOON_DAYS} days"),
    ("due_90", f"Due in {DUE_SOON_DAYS + 1} to {DUE_LATER_DAYS} days"),
    ("slipped", "Slipped"),
    ("done", "Done"),
    ("wont_fix", "Won't fix"),
    ("no_due_date", "Open, no due date"),
)
SUMMARY_COLUMNS = ("open", "overdue", "due_30", "due_90", "slipped", "done", "wont_fix", "total")
SUMMARY_HEADERS = {
    "open": "Open",
    "overdue": "Overdue",
    "due_30": f"Due ≤{DUE_SOON_DAYS} d",
    "due_90": f"Due {DUE_SOON_DAYS + 1} to {DUE_LATER_DAYS} d",
    "slipped": "Slipped",
    "done": "Done",
    "wont_fix": "Won't fix",
    "total": "Total",
}


def sections_of(row: ReportRow, as_of: date) -> list[str]:
    """The report sections a milestone belongs in on ``as_of`` (slipped comes on top of the others)."""
    sections = []
    if row.is_open:
        if row.due_date is None:
            sections.append("no_due_date")
        elif row.due_date < as_of:
            sections.append("overdue")
        # Days between, not as_of + N days: that overflows for a day near the end of the calendar (9999-12-31).
        elif (row.due_date - as_of).days <= DUE_SOON_DAYS:
            sections.append("due_30")
        elif (row.due_date - as_of).days <= DUE_LATER_DAYS:
            sections.append("due_90")
    elif row.status == MilestoneStatus.DONE:
        sections.append("done")
    else:
        sections.append("wont_fix")
    if row.slip_days > 0:
        sections.append("slipped")
    return sections


@dataclass
class Section:
    key: str
    title: str
    rows: list[ReportRow]


@dataclass
class SummaryLine:
    label: str
    counts: dict[str, int]

    @property
    def cells(self) -> list[int]:
        return [self.counts.get(column, 0) for column in SUMMARY_COLUMNS]


@dataclass
class StatusReport:
    as_of: date
    rows: list[ReportRow]
    sections: list[Section]
    by_team: list[SummaryLine]
    by_level: list[SummaryLine]
    totals: SummaryLine
    filters: str = ""

    def section(self, key: str) -> Section:
        return next(section for section in self.sections if section.key == key)


def grouped(rows: Iterable[ReportRow], *, by: str) -> list[tuple[str, list[ReportRow]]]:
    """Rows in groups by ``team`` or ``level``, groups in order, rows in their order within each."""
    groups: dict[str, list[ReportRow]] = {}
    for row in rows:
        groups.setdefault(row.level_label if by == "level" else row.team_label, []).append(row)
    if by == "level":
        return sorted(groups.items(), key=lambda item: (item[0] == "No level", item[0]))
    return sorted(groups.items(), key=lambda item: (item[0] == "No team", item[0].casefold()))


def _sort_key(row: ReportRow) -> tuple:
    return (row.team_label.casefold(), row.due_date or date.max, row.jira_key)


def status_report(rows: Iterable[ReportRow], *, as_of: date, filters: str = "") -> StatusReport:
    rows = sorted(rows, key=_sort_key)
    placed: dict[str, list[ReportRow]] = {key: [] for key, _ in SECTIONS}
    by_team: dict[str, Counter] = {}
    by_level: dict[str, Counter] = {}
    totals: Counter = Counter()
    for row in rows:
        row.days_to_due = (row.due_date - as_of).days if row.due_date else None
        keys = sections_of(row, as_of)
        for key in keys:
            placed[key].append(row)
        for counter in (
            by_team.setdefault(row.team_label, Counter()),
            by_level.setdefault(row.level_label, Counter()),
            totals,
        ):
            counter.update(keys)
            counter["total"] += 1
            counter["open"] += row.is_open
    placed["slipped"].sort(key=lambda row: (-row.slip_days, row.jira_key))
    level_order = {f"Level {level}": level for level in (1, 2, 3)}
    return StatusReport(
        as_of=as_of,
        rows=rows,
        sections=[Section(key, title, placed[key]) for key, title in SECTIONS],
        by_team=[SummaryLine(label, dict(by_team[label])) for label in sorted(by_team, key=str.casefold)],
        by_level=[
            SummaryLine(label, dict(by_level[label])) for label in sorted(by_level, key=lambda x: level_order.get(x, 9))
        ],
        totals=SummaryLine("All", dict(totals)),
        filters=filters,
    )


# Exports ------------------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "Section",
    "Jira key",
    "Project id",
    "Milestone",
    "Team",
    "Level",
    "Status",
    "Due",
    "Baseline due",
    "Forecast",
    "Completed",
    "Days overdue",
    "Days slipped",
)


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def report_csv(report: StatusReport) -> str:
    """One row per milestone and section it is in; text cells neutralised against spreadsheet formulas."""
    rows = []
    for section in report.sections:
        for row in section.rows:
            overdue = row.days_overdue if section.key == "overdue" else ""
            rows.append(
                [
                    section.title,
                    shown(row.jira_key),
                    row.project_id,
                    row.title,
                    row.team,
                    row.level or "",
                    row.status,
                    _iso(row.due_date),
                    _iso(row.baseline_due_date),
                    _iso(row.forecast_date),
                    _iso(row.completed_date),
                    overdue,
                    row.slip_days or "",
                ]
            )
    return csv_text(CSV_COLUMNS, rows)


def _summary_table(title: str, lines: list[SummaryLine], totals: SummaryLine) -> str:
    header = [title, *(SUMMARY_HEADERS[column] for column in SUMMARY_COLUMNS)]
    body = [[line.label, *line.cells] for line in [*lines, totals]]
    return markdown_table(header, body)


def _section_table(report: StatusReport, section: Section) -> str:
    extra = {
        "overdue": ("Days overdue", lambda row: row.days_overdue),
        "due_30": ("Days left", lambda row: row.days_left),
        "due_90": ("Days left", lambda row: row.days_left),
        "slipped": ("Days slipped", lambda row: f"{row.slip_days} (from {_iso(row.baseline_due_date)})"),
        "done": ("Completed", lambda row: _iso(row.completed_date) or "date not known"),
    }.get(section.key)
    header = ["Jira", "Id", "Milestone", "Team", "Level", "Status", "Due"] + ([extra[0]] if extra else [])
    body = [
        [
            shown(row.jira_key),
            row.project_id,
            row.title,
            row.team,
            row.level or "",
            row.status,
            _iso(row.due_date),
            *([extra[1](row)] if extra else []),
        ]
        for row in section.rows
    ]
    return markdown_table(header, body)


def report_markdown(report: StatusReport) -> str:
    """The report for documents and minutes: totals, summaries by team and level, then each section."""
    totals = report.totals.counts
    lines = [f"# Milestone status report as of {report.as_of.isoformat()}", ""]
    if report.filters:
        lines += [f"Filtered: {markdown_cell(report.filters)}", ""]
    lines += [
        f"{totals.get('total', 0)} milestones: {totals.get('open', 0)} open, "
        f"{totals.get('overdue', 0)} overdue, {totals.get('due_30', 0)} due within {DUE_SOON_DAYS} days, "
        f"{totals.get('due_90', 0)} due in {DUE_SOON_DAYS + 1} to {DUE_LATER_DAYS} days, "
        f"{totals.get('slipped', 0)} slipped, {totals.get('done', 0)} done.",
        "",
        "## By team",
        "",
        _summary_table("Team", report.by_team, report.totals),
        "## By level",
        "",
        _summary_table("Level", report.by_level, report.totals),
    ]
    for section in report.sections:
        lines += [f"## {section.title} ({len(section.rows)})", ""]
        lines += [_section_table(report, section) if section.rows else "None.\n"]
    return "\n".join(lines)
