"""Each run's statistics per metric, stored: computed once from its measurements, read by every QA page.

The QA pages, the comparison, the gate, the dashboard's cards and the API judge runs on
count, mean, min, 5th percentile, median, 95th percentile and max of each metric. Computed
from the measurements they cost a sort of every value of the run (150,000 for the largest
run at production scale), again on every request; stored, they are a few hundred rows.

Statistics are stored per run and slice: every measurement of the run, or those with one
tag value (``band=r``), as specifications name them. A slice's statistics are valid while
the run's ``measurement_count`` is the one they were computed from. Ingest adds to that
count and computes the run's statistics again in the same transaction (every measurement,
and every slice a specification names); a slice missing or stale when read (a
specification added since, statistics computed while another ingest was committing) is
computed then. Every writer of measurements keeps the count (ingest, the benchmark's
generator, the migration that added it), so a run whose count is 0 has none: reading it
writes nothing. Reads check validity in the database first and compute again what is stale.
"""

from collections.abc import Iterable

import pandas as pd
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from campaigns.models import Submission
from qa.models import Measurement, MetricStatistics, RunStatistics, Specification

STATISTICS = ("count", "mean", "min", "p05", "median", "p95", "max")
COLUMNS = ["submission_id", "metric_id", *STATISTICS]

Tag = tuple[str, str]


def metric_statistics(
    submission_ids: Iterable[int], *, tag: Tag | None = None, metric_ids: Iterable[int] | None = None
) -> pd.DataFrame:
    """One row per (submission, metric): count, mean, min, 5th percentile, median, 95th percentile, max.

    ``tag=("band", "r")`` restricts to the measurements of that slice; ``metric_ids`` to those metrics.
    Two queries when every run's statistics are stored and valid; the missing ones are computed first.
    """
    ids = sorted(set(submission_ids))
    if not ids:
        return pd.DataFrame(columns=COLUMNS)
    tag_key, tag_value = tag or ("", "")
    missing = list(runs_needing_statistics(tag).filter(pk__in=ids).values_list("pk", flat=True))
    if missing:
        statistics_refresh(missing, tags=[tag])
    rows = MetricStatistics.objects.filter(
        run_statistics__submission_id__in=ids, run_statistics__tag_key=tag_key, run_statistics__tag_value=tag_value
    )
    if metric_ids is not None:
        rows = rows.filter(metric_id__in=list(metric_ids))
    return pd.DataFrame(rows.values_list("run_statistics__submission_id", "metric_id", *STATISTICS), columns=COLUMNS)


def runs_needing_statistics(tag: Tag | None = None) -> QuerySet[Submission]:
    """Runs with measurements whose statistics (of the tag slice) are missing or stale.

    A run without measurements has no statistics to compute or store: a page's read stays a read.
    """
    tag_key, tag_value = tag or ("", "")
    valid = RunStatistics.objects.filter(
        submission=OuterRef("pk"), tag_key=tag_key, tag_value=tag_value, measurements=OuterRef("measurement_count")
    )
    return Submission.objects.filter(measurement_count__gt=0).exclude(Exists(valid)).order_by("pk")


def statistics_refresh_in_batches(submission_ids: list[int], *, tags: list[Tag | None], batch: int = 50) -> None:
    """``statistics_refresh`` a batch of runs at a time: one transaction each, so a long backfill holds no lock long."""
    for start in range(0, len(submission_ids), batch):
        statistics_refresh(submission_ids[start : start + batch], tags=tags)


def slices_named_by_specifications() -> list[Tag]:
    return sorted(Specification.objects.exclude(tag_key="").values_list("tag_key", "tag_value").distinct().order_by())


def statistics_refresh_all(submission_ids: Iterable[int]) -> None:
    """The runs' statistics of every measurement and of every slice a specification names (ingest's)."""
    statistics_refresh(submission_ids, tags=[None, *slices_named_by_specifications()])


def statistics_refresh(submission_ids: Iterable[int], *, tags: Iterable[Tag | None] = (None,)) -> None:
    """Compute the runs' statistics (of every measurement: ``None``, or of tag slices) and store them, replacing any.

    The slice rows are written (locked) first, in the order of their keys, so that two refreshes
    of the same runs wait for each other instead of storing twice. The count a slice records is
    read before its measurements: if an ingest commits in between, the slice is stale at once and
    computed again when next read, never valid with old figures.
    """
    ids = sorted(set(submission_ids))
    wanted = sorted({tag or ("", "") for tag in tags})
    with transaction.atomic():
        counts = dict(Submission.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "measurement_count"))
        if not counts or not wanted:
            return
        now = timezone.now()
        slices = RunStatistics.objects.bulk_create(
            [
                RunStatistics(submission_id=pk, tag_key=key, tag_value=value, measurements=n, computed_at=now)
                for pk, n in counts.items()
                for key, value in wanted
            ],
            update_conflicts=True,
            unique_fields=["submission", "tag_key", "tag_value"],
            update_fields=["measurements", "computed_at"],
        )
        slice_ids = {(s.submission_id, s.tag_key, s.tag_value): s.pk for s in slices}
        MetricStatistics.objects.filter(run_statistics_id__in=list(slice_ids.values())).delete()
        if connection.vendor == "postgresql":
            _aggregate_into_table(list(counts), wanted)
        else:
            _aggregate_in_pandas(list(counts), wanted, slice_ids)


def _aggregate_into_table(ids: list[int], wanted: list[Tag]) -> None:
    """One INSERT ... SELECT: each measurement joins every slice it is in (the run's, and its tags'),
    the database aggregates per run, slice and metric in one pass, and the figures are stored under
    the slice rows written before. The three percentiles are one ordered-set aggregate over an array
    of fractions: the values are sorted once, not three times.

    The slices come as arrays (``unnest``), not as a join with the slice table: a run ingested a
    moment ago has no planner statistics, and the join with the table was planned as a nested loop
    scanning it once per measurement (bench/RESULTS.md).
    """
    sql = """
        INSERT INTO qa_metricstatistics (run_statistics_id, metric_id, count, mean, min, p05, median, p95, max)
        SELECT s.id, a.metric_id, a.n, a.mean, a.low, a.p[1], a.p[2], a.p[3], a.high
        FROM (
            SELECT m.submission_id, w.tag_key, w.tag_value, m.metric_id, count(*) AS n, avg(m.value) AS mean,
                   min(m.value) AS low, max(m.value) AS high,
                   percentile_cont(ARRAY[0.05, 0.5, 0.95]) WITHIN GROUP (ORDER BY m.value) AS p
            FROM qa_measurement m
            JOIN unnest(%s::text[], %s::text[]) AS w(tag_key, tag_value)
              ON w.tag_key = '' OR m.tags ->> w.tag_key = w.tag_value
            WHERE m.submission_id = ANY(%s)
            GROUP BY m.submission_id, w.tag_key, w.tag_value, m.metric_id
        ) a
        JOIN qa_runstatistics s
          ON s.submission_id = a.submission_id AND s.tag_key = a.tag_key AND s.tag_value = a.tag_value
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [[key for key, _value in wanted], [value for _key, value in wanted], ids])


def _aggregate_in_pandas(ids: list[int], wanted: list[Tag], slice_ids: dict[tuple[int, str, str], int]) -> None:
    """SQLite has no percentiles: read the values and tags once and let pandas aggregate each slice."""
    tag_keys = sorted({key for key, _value in wanted if key})
    measurements = Measurement.objects.filter(submission_id__in=ids)
    values = measurements.values_list("submission_id", "metric_id", "value", "tags")
    frame = pd.DataFrame(
        (
            (submission_id, metric_id, value, *((tags or {}).get(key) for key in tag_keys))
            for submission_id, metric_id, value, tags in values.iterator(chunk_size=10_000)
        ),
        columns=["submission_id", "metric_id", "value", *(f"tag:{key}" for key in tag_keys)],
    )
    statistics = []
    for key, value in wanted:
        subset = frame[frame[f"tag:{key}"] == value] if key else frame
        for row in aggregate(subset, ["submission_id", "metric_id"]).to_dict("records"):
            statistics.append(
                MetricStatistics(
                    run_statistics_id=slice_ids[(int(row["submission_id"]), key, value)],
                    metric_id=int(row["metric_id"]),
                    count=int(row["count"]),
                    **{name: float(row[name]) for name in STATISTICS[1:]},
                )
            )
    MetricStatistics.objects.bulk_create(statistics, batch_size=5_000)


def aggregate(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The statistics of ``frame``'s values grouped by ``keys`` (columns: the keys, then ``STATISTICS``)."""
    if frame.empty:
        return pd.DataFrame(columns=[*keys, *STATISTICS])
    grouped = frame.groupby(keys)["value"]
    result = pd.DataFrame(
        {
            "count": grouped.count(),
            "mean": grouped.mean(),
            "min": grouped.min(),
            "p05": grouped.quantile(0.05),
            "median": grouped.median(),
            "p95": grouped.quantile(0.95),
            "max": grouped.max(),
        }
    )
    return result.reset_index()
