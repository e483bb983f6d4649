"""Ingesting QA measurements in bulk: validated row by row, written in one stream, all or nothing.

Rows come from the API (a JSON list), files (CSV, Parquet: ``qa.readers``) or the stack-side reader
of a run's task metadata. Every row is checked; the first bad rows are reported by number, field,
value and reason, and then nothing is written. Good rows stream into the table as they are checked
(PostgreSQL ``COPY``; batched inserts elsewhere) inside one transaction, so memory does not grow
with the size of the input and a bad row anywhere rolls everything back. In the same transaction
the run's measurement count grows and its statistics are computed again (``qa.run_statistics``).

What a row may hold, and how it is checked: ``qa.ingest_rows``; how the good ones are written:
``qa.ingest_writers``.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from campaigns.models import Submission
from campaigns.services import submission_measurements_counted
from console.errors import InvalidInput
from console.services import audit_record
from qa.ingest_rows import RowProblem, row_parse
from qa.ingest_writers import BatchWriter, CopyWriter
from qa.models import Metric
from qa.run_statistics import statistics_refresh_all

MAX_PROBLEMS_REPORTED = 50


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

        def register(name: str) -> None:
            writer.pause()  # the connection is busy while a COPY streams
            metric_ids[name] = Metric.objects.get_or_create(name=name, defaults=_defaults_for(name))[0].pk
            report.registered_metrics.append(name)

        register_metric = register if register_unknown else None
        try:
            for number, row in enumerate(rows, start=1):
                report.rows = number
                parsed, row_problems = row_parse(number, row, metric_ids, now, register_metric)
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
        submission_measurements_counted(submission=submission, added=report.rows)
        statistics_refresh_all([submission.pk])
        audit_record(
            actor=actor,
            action="qa.measurements-ingested",
            obj=submission,
            after={"rows": report.rows, "registered_metrics": report.registered_metrics, "source": source},
            system_actor=source,
        )
    return report


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
