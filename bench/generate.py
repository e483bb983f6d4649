"""Fill a fresh PostgreSQL database with a production-sized history of the console.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/campaign_console_bench \\
        .venv/bin/python -m bench.generate --scale 1

The database is dropped, created and migrated (``manage.py migrate``), then
filled with COPY only: the rows of every model but the measurements are built
in Python with their keys set (``bench.history``) and copied table by table in
one transaction; the measurements stream into ``qa_measurement`` from numpy
(``bench.measurements``) with its secondary indexes and foreign keys dropped
for the load and rebuilt after it (the same definitions, read from the
catalogue). The runs' statistics are then stored by the console's own code, as
ingest would have left them (``qa.run_statistics``). Then VACUUM ANALYZE, as autovacuum would have left a production
database. Each part's time is printed; the scale, the counts and the times are
kept in the ``bench_meta`` table for ``bench.run``.
"""

import argparse
import time
from contextlib import contextmanager

from bench import db

# Raised whenever what is generated changes, so that ``bench.run --reuse`` makes the database afresh.
GENERATOR_VERSION = 2
# The seed of the measurements' values: the same data from one version of the generator to the next.
MEASUREMENT_SEED = 1


class Timings:
    def __init__(self):
        self.parts: dict[str, float] = {}
        self.started = time.perf_counter()

    @contextmanager
    def part(self, name: str):
        start = time.perf_counter()
        yield
        self.parts[name] = round(time.perf_counter() - start, 2)
        db.log(f"  {name:<44} {self.parts[name]:8.2f} s")

    @property
    def total(self) -> float:
        return round(time.perf_counter() - self.started, 2)


def generate(database: db.Database, scale: float) -> dict:
    """Make the database afresh at ``scale``; returns what is kept in ``bench_meta``."""
    from bench.shapes import Plan

    plan = Plan.at(scale)
    timings = Timings()
    db.log(f"bench.generate: scale {scale:g} into {database.name}")
    with timings.part("create the database"):
        db.recreate(database)
    db.django_setup(database)

    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench import history as history_module
    from bench import measurements

    with timings.part("manage.py migrate"):
        call_command("migrate", interactive=False, verbosity=0)
    now = timezone.now()
    with timings.part("build the rows (Python)"):
        groups = {group.name: group for group in Group.objects.all()}
        history = history_module.build(plan, now, groups)
    counts = _copy_rows(connection, history, timings)
    budgets = measurements.allocate(history.runs, plan.measurements)
    counts["qa_measurement"] = _copy_measurements(connection, history, budgets, plan.measurements, timings)
    with timings.part("run statistics, stored as ingest stores them"):
        measured = [run.submission_id for run, n in zip(history.runs, budgets, strict=True) if n]
        _store_run_statistics(connection, measured)
    with timings.part("VACUUM ANALYZE"), connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    largest_run = max(zip(budgets, (run.submission_id for run in history.runs), strict=True))
    meta = {
        "scale": scale,
        "generator": GENERATOR_VERSION,
        "generated_at": now.isoformat(),
        "seconds": timings.total,
        "timings": timings.parts,
        "counts": counts,
        "plan": plan.__dict__,
        "largest_run": {"submission_id": largest_run[1], "measurements": largest_run[0]},
        "migrations": applied_migrations(connection),
    }
    with connection.cursor() as cursor:
        db.write_meta(cursor.cursor, meta)
    db.log(f"bench.generate: done in {timings.total:.1f} s")
    return meta


def _copy_rows(connection, history, timings: Timings) -> dict[str, int]:
    """COPY every built row, table by table in one transaction, then set the sequences past the keys given;
    table -> rows copied."""
    from django.db import transaction

    counts = {}
    with transaction.atomic():
        for model, rows in history.rows.items():
            with timings.part(f"COPY {model._meta.db_table} ({len(rows):,})"):
                copy_instances(connection, model, rows)
            counts[model._meta.db_table] = len(rows)
        with connection.cursor() as cursor:
            for statement in sequence_resets(connection, list(history.rows)):
                cursor.execute(statement)
    return counts


def _copy_measurements(connection, history, budgets: list[int], total: int, timings: Timings) -> int:
    """Stream the measurements into ``qa_measurement`` with its secondary indexes and foreign keys dropped for
    the load and rebuilt after it, in one transaction; the number planned."""
    from django.db import transaction

    from bench import measurements

    metrics = {metric["id"]: metric for metric in history.metrics}
    with transaction.atomic(), connection.cursor() as cursor:
        kept = _drop_secondary_indexes_and_keys(cursor.cursor, "qa_measurement")
        with timings.part(f"COPY qa_measurement ({total:,}, streamed)"):
            columns = "submission_id, metric_id, value, tags, measured_at"
            with cursor.cursor.copy(f"COPY qa_measurement ({columns}) FROM STDIN") as copy:
                for chunk in measurements.stream(history.runs, budgets, metrics, seed=MEASUREMENT_SEED):
                    copy.write(chunk)
        with timings.part("qa_measurement: rebuild indexes and keys"):
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            for statement in kept:
                cursor.execute(statement)
    return total


def _store_run_statistics(connection, submission_ids: list[int]) -> None:
    """Each run's measurement count and statistics (of every measurement and of the slices specifications
    name), by the console's own ``qa.run_statistics``: what ingest leaves after each run's upload."""
    from django.db import transaction

    from qa.run_statistics import statistics_refresh_all

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE campaigns_submission s SET measurement_count = c.n "
            "FROM (SELECT submission_id, count(*) AS n FROM qa_measurement GROUP BY submission_id) c "
            "WHERE c.submission_id = s.id"
        )
        statistics_refresh_all(submission_ids)


def copy_instances(connection, model, instances) -> None:
    """COPY unsaved model instances (keys set) into the model's table, every concrete column."""
    from django.utils import timezone

    fields = list(model._meta.concrete_fields)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    now = timezone.now()
    auto_dated = {
        field.attname for field in fields if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    }
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for obj in instances:
            row = []
            for field in fields:
                value = getattr(obj, field.attname)
                if value is None and field.attname in auto_dated:
                    value = now
                row.append(field.get_db_prep_save(value, connection))
            copy.write_row(row)


def sequence_resets(connection, models) -> list[str]:
    from django.core.management.color import no_style

    return connection.ops.sequence_reset_sql(no_style(), models)


def _drop_secondary_indexes_and_keys(cursor, table: str) -> list[str]:
    """Drop the table's foreign keys and indexes but the primary key; the statements that make them again."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    keys = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u'))",
        [table, table],
    )
    indexes = cursor.fetchall()
    for name, _definition in keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for name, definition in keys
    ]


def applied_migrations(connection) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app || '.' || name FROM django_migrations ORDER BY app, name")
        return [row[0] for row in cursor.fetchall()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 2,000 submissions, 5,000,000 measurements")
    args = parser.parse_args(argv)
    generate(db.bench_database(), args.scale)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
