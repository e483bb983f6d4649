"""Each run's statistics per metric, stored: computed once from its measurements, read by every QA page.

The QA pages, the comparison, the gate, the dashboard's cards and the API judge runs on
count, mean, min, 5th percentile, median, 95th percentile and max of each metric. Computed
from the measurements they cost a sort of every value of the run (150,000 for the largest
run at production scale), again on every request; stored, they are a few hundred rows.

Statistics are stored per run and slice: every measurement of the run, or those with one
tag value (``band=r``), as specifications name them. A slice's statistics are valid while
the run's ``measurement_count`` is the one they were computed from. This module writes them;
``qa.selectors.metric_statistics`` reads them and never writes. Who stores them:

- ingest adds to the count and computes the run's statistics again in the same transaction
  (every measurement, and every slice a specification names): ``statistics_refresh_all``;
- a new specification naming a slice has it computed for every run in the background
  (``qa.tasks.store_slice_statistics_task``, enqueued once it commits);
- ``manage.py refresh_run_statistics`` computes them ahead (after an upgrade);
- the code that judges or shows runs calls ``statistics_refresh_stale`` before it reads
  (``qa.judging.fresh_statistics``): a slice missing or stale then (the background task
  not run yet, a run measured before statistics were stored) is computed and stored first,
  and otherwise it costs one query and writes nothing.

Every writer of measurements keeps the count (ingest, the benchmark's generator, the
migration that added it), so a run whose count is 0 has none: refreshing it writes nothing.
"""

from collections.abc import Iterable

import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from campaigns.models import Submission
from qa import selectors
from qa.models import Measurement, MetricStatistics, RunStatistics
from qa.statistics import STATISTICS, Tag, aggregate


def statistics_refresh_stale(submission_ids: Iterable[int], *, tag: Tag | None = None) -> list[int]:
    """Store the statistics (of the tag slice) of those runs whose stored ones are missing or stale.

    What a reader calls before it reads figures it judges or shows. One query, and nothing
    written, when every run's statistics are valid; returns the ids of the runs refreshed.
    """
    ids = sorted(set(submission_ids))
    if not ids:
        return []
    stale = list(selectors.runs_needing_statistics(tag).filter(pk__in=ids).values_list("pk", flat=True))
    if stale:
        statistics_refresh(stale, tags=[tag])
    return stale


def statistics_refresh_in_batches(submission_ids: list[int], *, tags: list[Tag | None], batch: int = 50) -> None:
    """``statistics_refresh`` a batch of runs at a time: one transaction each, so a long backfill holds no lock long."""
    for start in range(0, len(submission_ids), batch):
        statistics_refresh(submission_ids[start : start + batch], tags=tags)


def statistics_refresh_all(submission_ids: Iterable[int]) -> None:
    """The runs' statistics of every measurement and of every slice a specification names (ingest's)."""
    statistics_refresh(submission_ids, tags=[None, *selectors.slices_named_by_specifications()])


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
