"""Writes of milestones: parsing exported milestone tables and upserting milestones."""

import csv
import io
from dataclasses import asdict, dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from console.errors import InvalidInput
from console.services import audit_record
from milestones.choices import MilestoneStatus
from milestones.models import Milestone

# Column of the exported table -> field of MilestoneRow (header names are matched case-insensitively).
TABLE_COLUMNS = {
    "milestone": "title",
    "jira_id": "jira_key",
    "rubin_id": "project_id",
    "due_date": "due_date",
    "level": "level",
    "status": "status",
    "team": "team",
}
REQUIRED_COLUMNS = ("milestone", "jira_id", "due_date", "status")


@dataclass(frozen=True)
class MilestoneRow:
    jira_key: str
    project_id: str
    title: str
    due_date: date
    level: int | None
    status: str
    team: str


def parse_milestone_table(text: str) -> list[MilestoneRow]:
    """Rows of a milestone table exported as CSV or tab-separated text.

    Blank lines are skipped; a level of ``None`` or empty is no level. Every bad
    row is reported at once, by its line number, field and value, in one
    ``InvalidInput``; nothing is returned unless every row is good.
    """
    dialect = "excel-tab" if "\t" in text.split("\n", 1)[0] else "excel"
    reader = csv.reader(io.StringIO(text), dialect=dialect)
    header = next(reader, None)
    if header is None:
        raise InvalidInput("The file is empty.")
    positions = {name.strip().lower(): index for index, name in enumerate(header)}
    absent = [name for name in REQUIRED_COLUMNS if name not in positions]
    if absent:
        raise InvalidInput(f"Missing column(s): {', '.join(absent)}. The header was: {', '.join(header)}.")

    rows, problems, seen = [], [], {}
    for line_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            field: (cells[positions[column]].strip() if positions.get(column, len(cells)) < len(cells) else "")
            for column, field in TABLE_COLUMNS.items()
        }
        row_problems = _row_problems(values)
        if values["jira_key"] in seen:
            row_problems.append(f"jira_id {values['jira_key']!r} repeats line {seen[values['jira_key']]}")
        seen.setdefault(values["jira_key"], line_number)
        if row_problems:
            problems.extend(f"line {line_number}: {problem}" for problem in row_problems)
            continue
        rows.append(
            MilestoneRow(
                jira_key=values["jira_key"],
                project_id=values["project_id"],
                title=values["title"],
                due_date=date.fromisoformat(values["due_date"]),
                level=None if values["level"] in ("", "None") else int(values["level"]),
                status=values["status"],
                team=values["team"],
            )
        )
    if problems:
        raise InvalidInput("The milestone table has bad rows; nothing was imported.\n" + "\n".join(problems))
    return rows


def _row_problems(values: dict[str, str]) -> list[str]:
    problems = []
    if not values["jira_key"]:
        problems.append("jira_id is missing")
    if not values["title"]:
        problems.append("milestone (the title) is missing")
    try:
        date.fromisoformat(values["due_date"])
    except ValueError:
        problems.append(f"due_date {values['due_date']!r} is not a date like 2021-06-30")
    if values["level"] not in ("", "None") and values["level"] not in ("1", "2", "3"):
        problems.append(f"level {values['level']!r} is not 1, 2, 3 or None")
    if values["status"] not in MilestoneStatus.values:
        problems.append(f"status {values['status']!r} is not one of {', '.join(MilestoneStatus.values)}")
    return problems


@transaction.atomic
def milestone_upsert(*, actor: AbstractBaseUser | None, row: MilestoneRow, source: str) -> Milestone | None:
    """Create or update the milestone of a row; returns it if anything changed, else None."""
    fields = asdict(row)
    jira_key = fields.pop("jira_key")
    milestone = Milestone.objects.select_for_update().filter(jira_key=jira_key).first()
    if milestone is None:
        milestone = Milestone.objects.create(jira_key=jira_key, **fields)
        audit_record(
            actor=actor, action="milestone.created", obj=milestone, after=_jsonable(fields), system_actor=source
        )
        return milestone
    before = {name: getattr(milestone, name) for name in fields if getattr(milestone, name) != fields[name]}
    if not before:
        return None
    for name in before:
        setattr(milestone, name, fields[name])
    milestone.save(update_fields=list(before))
    audit_record(
        actor=actor,
        action="milestone.updated",
        obj=milestone,
        before=_jsonable(before),
        after=_jsonable({name: fields[name] for name in before}),
        system_actor=source,
    )
    return milestone


def _jsonable(values: dict) -> dict:
    return {name: value.isoformat() if isinstance(value, date) else value for name, value in values.items()}
