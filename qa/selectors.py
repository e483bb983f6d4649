"""Reads of QA computed from the measurements: a metric's breakdown by tags, in the database (or pandas
on SQLite), so that what a page receives does not grow with the number of measurements; and the
specifications to judge. The per-run statistics are stored: ``qa.run_statistics``."""

from collections.abc import Iterable

import pandas as pd
from django.db import connection
from django.db.models import Q

from qa.models import Measurement, Specification
from qa.run_statistics import STATISTICS, aggregate


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
    return aggregate(frame, tag_keys)


def specifications_for(metric_ids: Iterable[int], *, include_blocking: bool = False) -> list[Specification]:
    """Specifications of these metrics; with ``include_blocking``, every blocking one too (measured or not)."""
    condition = Q(metric_id__in=list(metric_ids))
    if include_blocking:
        condition |= Q(blocking=True)
    return list(Specification.objects.filter(condition).select_related("metric", "min_release", "max_release"))
