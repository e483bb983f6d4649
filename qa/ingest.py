"""Ingesting QA measurements in bulk: validated row by row, written in one stream, all or nothing.

Rows come from the API (a JSON list), files (CSV, Parquet: ``qa.readers``) or the stack-side reader
of a run's task metadata. Every row is checked; the first bad rows are reported by number, field,
value and reason, and then nothing is written. Good rows stream into the table as they are checked
(PostgreSQL ``COPY``; batched inserts elsewhere) inside one transaction, so memory does not grow
with the size of the input and a bad row anywhere rolls everything back. In the same transaction
the run's measurement count grows and its statistics are computed again (``qa.run_statistics``).
"""

import json
import math
import re
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from campaigns.models import Submission
from console.errors import InvalidInput
from console.services import audit_record
from qa.models import Measurement, Metric
from qa.run_statistics import statistics_refresh_all

METRIC_NAME = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_\-]+)+$")
RESERVED_COLUMNS = {"metric", "value", "measured_at", "tags"}
MAX_PROBLEMS_REPORTED = 50
SQLITE_BATCH = 5_000


@dataclass(frozen=True)
class RowProblem:
    row: int
    field: str
    value: object
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}={self.value!r}: {self.reason}"


@dataclass
class IngestReport:
    rows: int = 0
    registered_metrics: list[str] = field(default_factory=list)


class BadRows(InvalidInput):
    """A batch with bad rows; ``problems`` names them (the first ones) and ``bad_rows`` counts them all."""

    def __init__(self, problems: list[RowProblem], bad_rows: int, total_rows: int):
        self.problems, self.bad_rows = problems, bad_rows
        shown = "\n".join(str(problem) for problem in problems)
        more = f"\n... and {bad_rows - len(problems)} more bad rows" if bad_rows > len(problems) else ""
        super().__init__(f"{bad_rows} of {total_rows} rows are bad; nothing was written.\n{shown}{more}")


def measurements_ingest(
    *,
    submission: Submission,
    rows: Iterable[Mapping],
    register_unknown: bool = False,
    actor: AbstractBaseUser | None = None,
    source: str = "api",
) -> IngestReport:
    """Write every row as a measurement of the submission's run, or none if any row is bad."""
    metric_ids = dict(Metric.objects.values_list("name", "id"))
    report = IngestReport()
    problems: list[RowProblem] = []
    bad_rows = 0
    now = timezone.now()
    with transaction.atomic():
        writer = CopyWriter(submission.pk) if connection.vendor == "postgresql" else BatchWriter(submission.pk)
        try:
            for number, row in enumerate(rows, start=1):
                report.rows = number
                parsed, row_problems = _parse(number, row, metric_ids, register_unknown, report, now, writer)
                if row_problems:
                    bad_rows += 1
                    problems.extend(row_problems[: max(0, MAX_PROBLEMS_REPORTED - len(problems))])
                elif not bad_rows:
                    writer.write(parsed)
        finally:
            writer.pause()
        if bad_rows:
            raise BadRows(problems, bad_rows, report.rows)
        if report.rows == 0:
            raise InvalidInput("There are no rows to ingest.")
        Submission.objects.filter(pk=submission.pk).update(measurement_count=F("measurement_count") + report.rows)
        statistics_refresh_all([submission.pk])
        audit_record(
            actor=actor,
            action="qa.measurements-ingested",
            obj=submission,
            after={"rows": report.rows, "registered_metrics": report.registered_metrics, "source": source},
            system_actor=source,
        )
    return report


def _parse(number, row, metric_ids, register_unknown, report, now, writer):
    # `type(...) is dict` first: isinstance against the Mapping ABC costs more than the rest of a good row.
    if type(row) is not dict and not isinstance(row, Mapping):
        return None, [RowProblem(number, "row", type(row).__name__, "is not an object with metric and value")]
    problems = []
    name = row.get("metric")
    if not isinstance(name, str) or not name.strip():
        problems.append(RowProblem(number, "metric", name, "is missing"))
    elif name not in metric_ids:
        if not register_unknown:
            problems.append(RowProblem(number, "metric", name, "is not a known metric (ask to register it)"))
        elif not METRIC_NAME.match(name):
            problems.append(RowProblem(number, "metric", name, "is not a metric name like package.metric"))
        else:
            writer.pause()  # the connection is busy while a COPY streams
            metric_ids[name] = Metric.objects.get_or_create(name=name, defaults=_defaults_for(name))[0].pk
            report.registered_metrics.append(name)
    value = row.get("value")
    try:
        value = float(value)
        if not math.isfinite(value):
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        problems.append(RowProblem(number, "value", row.get("value"), "is not a finite number"))
    if "tags" in row:
        tags = row["tags"]
        if isinstance(tags, str):
            try:
                tags = json.loads(tags)
            except json.JSONDecodeError:
                tags = None
        if type(tags) is not dict and not isinstance(tags, Mapping):
            problems.append(RowProblem(number, "tags", row["tags"], "is not an object of tag: value"))
        else:
            tags = _tag_texts(tags.items())
    else:  # a table's other columns are the tags
        tags = _tag_texts(item for item in row.items() if item[0] not in RESERVED_COLUMNS)
    if type(tags) is dict:
        texts = "".join(tags) + "".join(tags.values())
        # PostgreSQL's JSON holds neither a NUL character nor half of a UTF-16 pair ("\ud800"); no tag needs one.
        if "\x00" in texts:
            problems.append(RowProblem(number, "tags", row.get("tags", tags), "contains a NUL character"))
        elif not texts.isascii() and not _is_unicode_text(texts):
            problems.append(RowProblem(number, "tags", row.get("tags", tags), "contains a lone surrogate (not text)"))
    measured_at = row.get("measured_at")
    if _is_missing(measured_at):
        measured_at = now
    elif isinstance(measured_at, str):
        try:
            parsed = parse_datetime(measured_at)
        except ValueError:  # well formed, but no such date (2021-02-30)
            parsed = None
        if parsed is None:
            problems.append(RowProblem(number, "measured_at", measured_at, "is not a date and time (ISO 8601)"))
        else:
            measured_at = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)
    elif not isinstance(measured_at, datetime):
        problems.append(RowProblem(number, "measured_at", measured_at, "is not a date and time (ISO 8601)"))
    if problems:
        return None, problems
    return (metric_ids[name], value, tags, measured_at), []


# Units and directions of the metrics the stack-side reader produces (console_stack/read_metrics.py).
KNOWN_SUFFIXES = {
    ".run_time": {"unit": "s", "description": "wall-clock time of the quantum"},
    ".run_time_cpu": {"unit": "s", "description": "CPU time of the quantum"},
    ".max_rss": {"unit": "MB", "description": "maximum resident memory of the quantum"},
    ".n_outliers": {"unit": "count"},
    ".n_pixels": {"unit": "count", "higher_is_better": True},
    ".outlier_fraction": {"unit": ""},
}


def _defaults_for(name: str) -> dict:
    return next((defaults for suffix, defaults in KNOWN_SUFFIXES.items() if name.endswith(suffix)), {})


def _tag_texts(items: Iterable[tuple]) -> dict[str, str]:
    """Tags as text, the missing ones (None, an empty cell) left out; a whole float is written as an
    integer (a column with an empty cell is read as floats: visit 903342.0 is "903342")."""
    texts = {}
    for key, value in items:
        if type(value) is int:
            value = str(value)
        elif type(value) is not str:
            if _is_missing(value):
                continue
            value = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        texts[key if type(key) is str else str(key)] = value
    return texts


def _is_missing(value) -> bool:
    """None, "" or an empty cell of a file: NaN (CSV), NaT or pandas' NA (Parquet, nullable columns)."""
    if value is None or type(value) is str:
        return value is None or value == ""
    return pd.api.types.is_scalar(value) and bool(pd.isna(value))


def _is_unicode_text(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


class CopyWriter:
    """Rows streamed into PostgreSQL with COPY; paused (the COPY ended) whenever the connection is needed.

    The rows are written as COPY's text format, a few thousand lines per write, rather than one
    ``write_row`` each (which cost as much as checking the row). The only character of the text format a
    field can hold here is the backslash, of JSON's escapes: the tags' JSON is ASCII (``ensure_ascii``)
    with its control characters escaped, the numbers and ISO dates have none.
    """

    COLUMNS = "COPY qa_measurement (submission_id, metric_id, value, tags, measured_at) FROM STDIN"
    LINES_PER_WRITE = 2_000

    def __init__(self, submission_id: int):
        self.submission_id = submission_id
        self._stack: ExitStack | None = None
        self._copy = None
        self._lines: list[str] = []

    def write(self, parsed) -> None:
        metric_id, value, tags, measured_at = parsed
        tags_json = _JSON_ENCODE(tags)
        if "\\" in tags_json:
            tags_json = tags_json.replace("\\", "\\\\")
        self._lines.append(f"{self.submission_id}\t{metric_id}\t{value!r}\t{tags_json}\t{measured_at.isoformat()}\n")
        if len(self._lines) >= self.LINES_PER_WRITE:
            self._send()

    def _send(self) -> None:
        if self._copy is None:
            self._stack = ExitStack()
            cursor = self._stack.enter_context(connection.cursor())
            self._copy = self._stack.enter_context(cursor.cursor.copy(self.COLUMNS))
        text = "".join(self._lines)
        self._lines.clear()
        self._copy.write(text)

    def pause(self) -> None:
        if self._lines:
            self._send()
        if self._stack is not None:
            stack, self._stack, self._copy = self._stack, None, None
            stack.close()


_JSON_ENCODE = json.JSONEncoder().encode  # json.dumps with its defaults, without its per-call checks


class BatchWriter:
    """Rows inserted in batches (SQLite and other databases without COPY)."""

    def __init__(self, submission_id: int):
        self.submission_id = submission_id
        self._batch: list[Measurement] = []

    def write(self, parsed) -> None:
        metric_id, value, tags, measured_at = parsed
        self._batch.append(
            Measurement(
                submission_id=self.submission_id, metric_id=metric_id, value=value, tags=tags, measured_at=measured_at
            )
        )
        if len(self._batch) >= SQLITE_BATCH:
            self.pause()

    def pause(self) -> None:
        if self._batch:
            Measurement.objects.bulk_create(self._batch)
            self._batch.clear()
