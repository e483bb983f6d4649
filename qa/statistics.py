"""The statistics QA judges a metric on, and their computation by pandas: plain functions, no queries.

PostgreSQL computes them itself (``qa.run_statistics``, ``qa.selectors.metric_breakdown``); SQLite has no
percentiles, so there the values are read and handed to ``aggregate``.
"""

import math

import pandas as pd

STATISTICS = ("count", "mean", "min", "p05", "median", "p95", "max")
# The columns of ``qa.selectors.metric_statistics``: one row per run and metric.
COLUMNS = ["submission_id", "metric_id", *STATISTICS]

# A slice of a run's measurements: those with one tag value, ``("band", "r")``; None: every measurement.
Tag = tuple[str, str]


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


def figure_text(value, digits: int = 4) -> str:
    """A statistic as a page shows it: ``digits`` significant digits, a dash when missing or not finite."""
    if value is None:
        return "—"
    number = float(value)
    if not math.isfinite(number):
        return "—"
    return f"{number:.{digits}g}"
