"""Reads of QA: statistics of a run's measurements, computed in the database (or pandas on SQLite),
so that what a page receives does not grow with the number of measurements."""

from collections.abc import Iterable

import pandas as pd
from django.db import connection
from django.db.models import Q

from qa.models import Measurement, Metric, Specification

STATISTICS = ("count", "mean", "min", "p05", "median", "p95", "max")


def metric_statistics(submission_ids: Iterable[int], *, tag: tuple[str, str] | None = None) -> pd.DataFrame:
    """One row per (submission, metric): count, mean, min, 5th percentile, median, 95th percentile, max.

    ``tag=("band", "r")`` restricts to the measurements of that slice.
    """
    ids = list(submission_ids)
    if not ids:
        return pd.DataFrame(columns=["submission_id", "metric_id", *STATISTICS])
    if connection.vendor == "postgresql":
        where, params = "submission_id = ANY(%s)", [ids]
        if tag:
            where += " AND tags ->> %s = %s"
            params += [tag[0], tag[1]]
        sql = f"""
            SELECT submission_id, metric_id, count(*) AS count, avg(value) AS mean, min(value) AS min,
                   percentile_cont(0.05) WITHIN GROUP (ORDER BY value) AS p05,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS median,
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY value) AS p95,
                   max(value) AS max
            FROM qa_measurement WHERE {where} GROUP BY submission_id, metric_id
        """  # noqa: S608 - no user text in the SQL, only placeholders
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return pd.DataFrame(cursor.fetchall(), columns=["submission_id", "metric_id", *STATISTICS])
    # SQLite has no percentiles: read the values (only the three columns) and let pandas aggregate.
    rows = Measurement.objects.filter(submission_id__in=ids)
    if tag:
        rows = rows.filter(**{f"tags__{tag[0]}": tag[1]})
    frame = pd.DataFrame(
        rows.values_list("submission_id", "metric_id", "value"), columns=["submission_id", "metric_id", "value"]
    )
    return _aggregate(frame, ["submission_id", "metric_id"])


def _aggregate(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
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


def metric_breakdown(submission_id: int, metric_id: int, tag_keys: list[str]) -> pd.DataFrame:
    """Statistics of one metric of one run by the values of one or two tags (e.g. detector x visit)."""
    if connection.vendor == "postgresql":
        columns = ", ".join(f"tags ->> %s AS t{i}" for i in range(len(tag_keys)))
        groups = ", ".join(f"t{i}" for i in range(len(tag_keys)))
        sql = f"""
            SELECT {columns}, count(*) AS count, avg(value) AS mean, min(value) AS min,
                   percentile_cont(0.05) WITHIN GROUP (ORDER BY value) AS p05,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS median,
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY value) AS p95, max(value) AS max
            FROM qa_measurement WHERE submission_id = %s AND metric_id = %s GROUP BY {groups}
        """  # noqa: S608 - column aliases are generated, tag names are parameters
        with connection.cursor() as cursor:
            cursor.execute(sql, [*tag_keys, submission_id, metric_id])
            names = [f"t{i}" for i in range(len(tag_keys))]
            frame = pd.DataFrame(cursor.fetchall(), columns=[*names, *STATISTICS])
        return frame.rename(columns=dict(zip(names, tag_keys, strict=True)))
    rows = Measurement.objects.filter(submission_id=submission_id, metric_id=metric_id).values_list("tags", "value")
    frame = pd.DataFrame(
        [{**{key: tags.get(key) for key in tag_keys}, "value": value} for tags, value in rows],
        columns=[*tag_keys, "value"],
    )
    return _aggregate(frame, tag_keys)


def metrics_of(submission_ids: Iterable[int]) -> dict[int, Metric]:
    metric_ids = Measurement.objects.filter(submission_id__in=list(submission_ids)).values("metric_id").distinct()
    return {metric.pk: metric for metric in Metric.objects.filter(pk__in=metric_ids)}


def specifications_for(metric_ids: Iterable[int], *, include_blocking: bool = False) -> list[Specification]:
    """Specifications of these metrics; with ``include_blocking``, every blocking one too (measured or not)."""
    condition = Q(metric_id__in=list(metric_ids))
    if include_blocking:
        condition |= Q(blocking=True)
    return list(Specification.objects.filter(condition).select_related("metric", "min_release", "max_release"))
