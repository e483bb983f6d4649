"""QA ingestion: the console's bulk path against PostgreSQL's COPY of the same rows, and the naive ORM loop.

- Console: ``manage.py ingest_metrics FILE.csv --submission N`` (``call_command``), the path of the
  command and of the API's file upload: ``qa.readers.rows_from_csv`` reads the file in chunks,
  ``qa.ingest.measurements_ingest`` checks every row and streams the good ones into COPY, in one
  transaction with its audit row. Timed from the call to its return (commit included).
- Baseline: the same rows, already in the form the console stores them (ids, tags as JSON), sent with
  ``COPY ... FROM STDIN`` from a file to a table of the same shape (``LIKE qa_measurement INCLUDING ALL``
  plus the same foreign keys), on a connection of its own; commit included.
- For the record, the same COPY into that table without its foreign keys: the share of the per-row
  checks of the (deferred) foreign keys, which both loads pay at commit.
- Contrast: ``Measurement.objects.create`` per row, each in its own transaction, for a sample.

The console ingests a 1,000-row file first, untimed (and deleted): what is timed is the steady state
of a long-running process, not the first import of the command's modules. The run ingested into is
made for the benchmark and deleted after it, with its measurements; its two audit rows stay (the
audit trail is append-only).

The input files are written before anything is timed, and a CHECKPOINT precedes each timed load so
that neither pays for the other's dirty pages.
"""

import io
import tempfile
import time
from pathlib import Path

from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from bench import db
from bench.history import RunShape
from bench.measure import peak_rss_since_reset_mb, reset_peak_rss
from bench.measurements import TAG_COLUMNS, csv_and_copy
from campaigns.choices import SubmissionStatus
from campaigns.models import Step, Submission
from qa.models import Measurement, Metric

BASELINE_TABLE = "bench_ingest_baseline"
UNKEYED_TABLE = "bench_ingest_unkeyed"
COLUMNS = "submission_id, metric_id, value, tags, measured_at"
WARM_UP_ROWS = 1_000
STEP1_TASKS = ("isr", "characterizeImage", "calibrate", "writeSourceTable", "transformSourceTable")


def benchmark_ingest(database: db.Database, *, rows: int, orm_rows: int) -> dict:
    metrics = [m for m in Metric.objects.order_by("pk") if m.name.split(".")[1] in STEP1_TASKS]
    target = _target_submission()
    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    csv_path, copy_path = workdir / "measurements.csv", workdir / "measurements.copy"
    try:
        started = time.perf_counter()
        _write_inputs(csv_path, copy_path, target, metrics, rows)
        prepared = time.perf_counter() - started
        _baseline_tables()
        copy_seconds = _timed_copy(database, copy_path, BASELINE_TABLE)
        unkeyed_seconds = _timed_copy(database, copy_path, UNKEYED_TABLE)
        _warm_up(csv_path, workdir / "warm-up.csv", target)
        _checkpoint()
        output = io.StringIO()
        peak_before = peak_rss_since_reset_mb()  # writing the input files, above all
        reset_peak_rss()
        start = time.perf_counter()
        call_command("ingest_metrics", str(csv_path), submission=target.pk, stdout=output)
        console_seconds = time.perf_counter() - start
        console_peak = peak_rss_since_reset_mb()
        same = _same_rows(target.pk)
        orm_seconds = _orm_loop(csv_path, target, metrics, orm_rows)
        return {
            "rows": rows,
            "csv_mb": round(csv_path.stat().st_size / 2**20, 1),
            "inputs_written_seconds": round(prepared, 2),
            "copy_seconds": copy_seconds,
            "copy_without_foreign_keys_seconds": unkeyed_seconds,
            "console_seconds": console_seconds,
            "console_output": output.getvalue().strip(),
            "console_peak_rss_mb": round(console_peak, 1),
            "peak_rss_before_ingest_mb": round(peak_before, 1),
            "same_rows": same,
            "orm_rows": orm_rows,
            "orm_seconds": orm_seconds,
        }
    finally:
        for path in (csv_path, copy_path):
            path.unlink(missing_ok=True)
        workdir.rmdir()
        _clean_up(target)


def _target_submission() -> Submission:
    """A new succeeded run of a visit-level step (``step1``): ingest goes into it, and it is deleted after."""
    step = Step.objects.filter(pipeline_subset="#step1").order_by("pk").first()
    now = timezone.now()
    return Submission.objects.create(
        step=step,
        idempotency_key=f"bench-ingest-{now.timestamp()}",
        status=SubmissionStatus.SUCCEEDED,
        requested_by=User.objects.get(username="operator1"),
        started_at=now,
        ended_at=now,
    )


def _write_inputs(csv_path: Path, copy_path: Path, target: Submission, metrics: list[Metric], rows: int) -> None:
    described = {m.pk: {"centre": 100.0, "spread": 0.3, "kind": "resource"} for m in metrics if m.unit in ("s", "MB")}
    described |= {m.pk: {"centre": 10.0, "spread": 1.5, "kind": "science"} for m in metrics if m.pk not in described}
    now = timezone.now()
    run = RunShape(
        submission_id=target.pk,
        metric_ids=[m.pk for m in metrics],
        data_id_kind="visit",
        visit_base=900_000,
        started_at=now.replace(hour=0, minute=0, second=0, microsecond=0),
        ended_at=now,
        release_index=0,
        weight=1.0,
    )
    names = {m.pk: m.name for m in metrics}
    with open(csv_path, "wb") as csv_file, open(copy_path, "wb") as copy_file:
        for csv_chunk, copy_chunk in csv_and_copy(run, rows, described, names, target.pk, seed=7):
            csv_file.write(csv_chunk)
            copy_file.write(copy_chunk)


def _warm_up(csv_path: Path, warm_up_path: Path, target: Submission) -> None:
    """One small ingest first (the command's modules, pandas' parser): the console is a long-running process."""
    with open(csv_path) as lines, open(warm_up_path, "w") as warm_up:
        warm_up.writelines(line for _number, line in zip(range(WARM_UP_ROWS + 1), lines, strict=False))
    call_command("ingest_metrics", str(warm_up_path), submission=target.pk, stdout=io.StringIO())
    Measurement.objects.filter(submission=target).delete()
    target.statistics.all().delete()
    Submission.objects.filter(pk=target.pk).update(measurement_count=0)
    warm_up_path.unlink()


def _baseline_tables() -> None:
    """Tables of the measurements' shape: columns, defaults, identity, indexes, checks (and foreign keys)."""
    with connection.cursor() as cursor:
        for table in (BASELINE_TABLE, UNKEYED_TABLE):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TABLE {table} (LIKE qa_measurement INCLUDING ALL)")
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'qa_measurement'::regclass AND contype = 'f'"
        )
        for (definition,) in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {BASELINE_TABLE} ADD {definition}")


def _checkpoint() -> None:
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def _timed_copy(database: db.Database, copy_path: Path, table: str) -> float:
    _checkpoint()
    with database.connect() as raw, open(copy_path, "rb") as data:
        start = time.perf_counter()
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy:
            while block := data.read(1 << 20):
                copy.write(block)
        raw.commit()
        return time.perf_counter() - start


def _same_rows(submission_id: int) -> dict:
    """Count, sum of values and distinct tags of both tables: the two loads stored the same rows."""
    with connection.cursor() as cursor:
        figures = {}
        for name, table in (("console", "qa_measurement"), ("copy", BASELINE_TABLE)):
            cursor.execute(
                f"SELECT count(*), round(sum(value)::numeric, 3), count(DISTINCT tags), min(measured_at) "  # noqa: S608
                f"FROM {table} WHERE submission_id = %s",
                [submission_id],
            )
            count, total, tags, first = cursor.fetchone()
            figures[name] = {"rows": count, "sum": str(total), "distinct_tags": tags, "first": first.isoformat()}
    figures["equal"] = figures["console"] == figures["copy"]
    return figures


def _orm_loop(csv_path: Path, target: Submission, metrics: list[Metric], rows: int) -> float:
    """``Measurement.objects.create`` per row (autocommit: one transaction each), on the first rows of the file."""
    ids = {m.name: m.pk for m in metrics}
    columns = None
    sample = []
    with open(csv_path) as lines:
        for line in lines:
            values = line.rstrip("\n").split(",")
            if columns is None:
                columns = values
                continue
            row = dict(zip(columns, values, strict=True))
            tags = {key: row[key] for key in TAG_COLUMNS["visit"]}
            sample.append((ids[row["metric"]], float(row["value"]), tags, parse_datetime(row["measured_at"])))
            if len(sample) >= rows:
                break
    start = time.perf_counter()
    for metric_id, value, tags, measured_at in sample:
        Measurement.objects.create(
            submission=target, metric_id=metric_id, value=value, tags=tags, measured_at=measured_at
        )
    return time.perf_counter() - start


def _clean_up(target: Submission) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}, {UNKEYED_TABLE}")
        cursor.execute("DELETE FROM qa_measurement WHERE submission_id = %s", [target.pk])
        Submission.objects.filter(pk=target.pk).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) qa_measurement")
