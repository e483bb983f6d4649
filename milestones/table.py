"""The table side of milestone imports: read a milestone table exported as CSV or tab-separated text into rows.

Nothing here writes to the database; ``milestones.services.milestone_import``
applies the rows, all or nothing.

Headers are matched ignoring case, spaces, underscores and punctuation, so the
console's own ``milestone, jira_id, rubin_id, due_date, level, status, team``,
the planning document's ``Milestone, Jira ID, Rubin ID, Due Date, Level,
Status, Team`` and Jira's CSV export (``Summary, Issue key, Issue id, Issue
Type, Status, Due date, Labels, Custom field (Rubin ID), ...``) all read. Jira
wraps its custom fields as ``Custom field (<name>)``: the name inside is
matched like any header. A column the importer does not use is named in
``MilestoneTable.unused_columns``, which every import report shows: nothing in
the file is dropped without a word.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings

from console.errors import InvalidInput
from console.identifiers import JIRA_KEY
from milestones.choices import LEVELS, MilestoneStatus
from milestones.rows import MilestoneRow

# Column of the console's own table (the seed file, the demo) -> field of MilestoneRow.
TABLE_COLUMNS = {
    "milestone": "title",
    "jira_id": "jira_key",
    "rubin_id": "project_id",
    "due_date": "due_date",
    "level": "level",
    "status": "status",
    "team": "team",
    "forecast_date": "forecast_date",
    "completed_date": "completed_date",
    "description": "description",
    # A console user name: its user answers for the milestone (the import refuses a name that is no user's).
    "owner": "owner",
}
# Other names of the same columns: Jira's CSV export and its custom fields (see tests/milestones/recorded/field.json).
# Not "Project id": Jira's export has that column too, and it is Jira's number of the project, not the Rubin id.
OTHER_NAMES = {
    "title": ("Summary", "Title"),
    "jira_key": ("Issue key", "Key", "Jira key"),
    "level": ("Milestone level",),
    "completed_date": ("Resolved",),
}
REQUIRED_COLUMNS = ("milestone", "jira_id", "due_date", "status")
DATE_FIELDS = ("due_date", "forecast_date", "completed_date")
# Jira's CSV export writes dates in its own format ("30/Jun/21 12:00 AM"), whatever the field.
JIRA_DATE_FORMATS = ("%d/%b/%y %I:%M %p", "%d/%b/%y %H:%M", "%d/%b/%y", "%d/%b/%Y %I:%M %p", "%d/%b/%Y")
_CUSTOM_FIELD = re.compile(r"^custom\s*field\s*\((.*)\)$", re.IGNORECASE | re.DOTALL)
_NOT_A_LETTER = re.compile(r"[\W_]+")
_STATUS_BY_NAME = {status.casefold(): status for status in MilestoneStatus.values}


def column_name(header: str) -> str:
    """What a header is matched by: no ``Custom field (...)`` wrapper, no case, spaces, underscores or punctuation."""
    header = header.strip()
    if match := _CUSTOM_FIELD.match(header):
        header = match[1]
    return _NOT_A_LETTER.sub("", header).casefold()


_FIELD_BY_NAME = {column_name(column): name for column, name in TABLE_COLUMNS.items()} | {
    column_name(other): name for name, others in OTHER_NAMES.items() for other in others
}
_COLUMN_OF_FIELD = {name: column for column, name in TABLE_COLUMNS.items()}


@dataclass
class MilestoneTable:
    """The rows of a table, and the columns it has that the importer does not use (as the header names them)."""

    rows: list[MilestoneRow]
    unused_columns: list[str] = field(default_factory=list)


def parse_milestone_table(text: str) -> list[MilestoneRow]:
    """The rows of a milestone table (see ``read_milestone_table``)."""
    return read_milestone_table(text).rows


def read_milestone_table(text: str) -> MilestoneTable:
    """Rows of a milestone table exported as CSV or tab-separated text, and the columns it does not use.

    Headers are matched ignoring case, spaces, underscores and punctuation, in
    any order; two columns for one field refuse the file. A column the table
    does not have leaves that field of existing milestones as it is. Blank lines
    are skipped; a level of ``None`` or empty is no level, an empty due date no
    due date. Every bad row is reported at once, by its line number, column and
    value, in one ``InvalidInput``; nothing is returned unless every row is good.
    """
    text = text.removeprefix("\ufeff")  # spreadsheets write a byte-order mark before CSV
    if "\x00" in text:
        raise InvalidInput("The file contains NUL characters: it is not a CSV or tab-separated table.")
    dialect = "excel-tab" if "\t" in text.split("\n", 1)[0] else "excel"
    reader = csv.reader(io.StringIO(text), dialect=dialect)
    lines = _lines_of(reader)
    header = next(lines, None)
    while header is not None and not any(cell.strip() for cell in header):
        header = next(lines, None)
    if header is None:
        raise InvalidInput("The file is empty.")
    columns = _Columns(header)

    rows, problems, seen = [], [], {}
    for cells in lines:
        line_number = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        columns.note_unnamed_values(cells)
        raw = {name: cells[index].strip() if index < len(cells) else "" for name, index in columns.positions.items()}
        values, row_problems = _row_values(raw, columns.headers)
        key = raw["jira_key"]
        if key and key in seen:
            row_problems.append(f"{columns.headers['jira_key']} {key!r} repeats line {seen[key]}")
        seen.setdefault(key, line_number)
        if row_problems:
            problems.extend(f"line {line_number}: {problem}" for problem in row_problems)
            continue
        rows.append(MilestoneRow(**values))
    if problems:
        raise InvalidInput("The milestone table has bad rows; nothing was imported.\n" + "\n".join(problems))
    return MilestoneTable(rows=rows, unused_columns=columns.unused())


class _Columns:
    """Which column of a header gives which field, and which columns give none."""

    def __init__(self, header: list[str]):
        self.width = len(header)
        self.positions: dict[str, int] = {}  # field -> index of its column
        self.headers: dict[str, str] = {}  # field -> its column's header, as the file writes it
        self.unused_named: dict[str, int] = {}  # header -> how many columns have it (Jira repeats "Labels")
        self.unnamed: list[int] = []  # columns without a header
        self.unnamed_with_values: set[int] = set()
        clashes = []
        for index, cell in enumerate(header):
            text = cell.strip()
            name = _FIELD_BY_NAME.get(column_name(text))
            if name is None:
                if text:
                    self.unused_named[text] = self.unused_named.get(text, 0) + 1
                else:
                    self.unnamed.append(index)
            elif name in self.positions:
                clashes.append(f"{self.headers[name]!r} and {text!r} are both the {_COLUMN_OF_FIELD[name]} column")
            else:
                self.positions[name] = index
                self.headers[name] = text
        if clashes:
            raise InvalidInput("Two columns give one field; keep one of them:\n" + "\n".join(clashes))
        absent = [column for column in REQUIRED_COLUMNS if TABLE_COLUMNS[column] not in self.positions]
        if absent:
            raise InvalidInput(
                f"Missing column(s): {', '.join(absent)}. The header was: {', '.join(header)}. "
                "Headers are matched ignoring case, spaces and punctuation; Jira's CSV export "
                "(Summary, Issue key, Due date, Status) reads too."
            )

    def note_unnamed_values(self, cells: list[str]) -> None:
        """A value in a column without a header (or past the header's end) is not used either: remember it."""
        for index in [*self.unnamed, *range(self.width, len(cells))]:
            if index < len(cells) and cells[index].strip():
                self.unnamed_with_values.add(index)

    def unused(self) -> list[str]:
        named = [text if count == 1 else f"{text} ({count} columns)" for text, count in self.unused_named.items()]
        return named + [f"column {index + 1} (no header)" for index in sorted(self.unnamed_with_values)]


def _lines_of(reader):
    """The reader's rows; a line the csv module cannot read (a field past its size limit) refuses the file."""
    try:
        yield from reader
    except csv.Error as error:
        raise InvalidInput(f"The milestone table cannot be read at line {reader.line_num}: {error}.") from None


def _row_values(raw: dict[str, str], headers: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    values: dict[str, Any] = dict(raw)
    problems = []
    if not raw["jira_key"]:
        problems.append(f"{headers['jira_key']} is missing")
    elif problem := JIRA_KEY.problem(raw["jira_key"]):
        problems.append(f"{headers['jira_key']} {problem}")
    if not raw["title"]:
        problems.append(f"{headers['title']} (the title) is missing")
    for name in DATE_FIELDS:
        if name in raw:
            try:
                values[name] = _parse_date(raw[name])
            except ValueError:
                problems.append(f"{headers[name]} {raw[name]!r} is not a date like 2021-06-30")
    if "level" in raw:
        if raw["level"] in ("", "None", "none"):
            values["level"] = None
        elif raw["level"] in {str(level) for level in LEVELS}:
            values["level"] = int(raw["level"])
        else:
            problems.append(f"{headers['level']} {raw['level']!r} is not 1, 2, 3 or None")
    status = _status(raw["status"])
    if status is None:
        problems.append(f"{headers['status']} {raw['status']!r} is not one of {', '.join(MilestoneStatus.values)}")
    values["status"] = status
    for name, limit in (("project_id", 32), ("team", 100), ("title", 300), ("owner", 150)):
        if len(raw.get(name, "")) > limit:
            problems.append(f"{headers[name]} is longer than {limit} characters")
    return values, problems


def _status(text: str) -> str | None:
    """The milestone status of a name in any case, or of a Jira status the sync maps too (``JIRA_STATUS_MAP``)."""
    name = text.replace("\u2019", "'").casefold()
    if name in _STATUS_BY_NAME:
        return _STATUS_BY_NAME[name]
    mapped = {jira.casefold(): status for jira, status in settings.JIRA_STATUS_MAP.items()}.get(name)
    return mapped if mapped in MilestoneStatus.values else None


def _parse_date(value: str) -> date | None:
    if not value:
        return None
    if value[:4].isdigit():
        if len(value) == 10:
            return date.fromisoformat(value)
        # "2021-06-30 00:00:00", as some spreadsheets export a date cell
        return datetime.fromisoformat(value).date()
    for form in JIRA_DATE_FORMATS:
        try:
            return datetime.strptime(value, form).date()
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date")
