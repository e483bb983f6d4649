"""The succeeded runs, and the QA page of one run: its metrics' statistics judged against the specifications,
histograms, a breakdown by tags, the resources per task; and the same table as CSV."""

from dataclasses import dataclass, field

import pandas as pd
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from campaigns.models import Submission
from qa import charts, selectors
from qa.choices import SpecLevel
from qa.exports import csv_response
from qa.judging import fresh_statistics, runs_judged
from qa.models import Metric
from qa.specs import SpecResult
from qa.statistics import figure_text

LEVELS = (SpecLevel.MINIMUM, SpecLevel.DESIGN, SpecLevel.STRETCH)
HISTOGRAM_BINS = 30
# Without ?metric=, the page shows the histograms of this many metrics (small multiples).
SMALL_MULTIPLES = 4
# A breakdown shows at most this many values of a tag (a heat map at most this many squared cells).
MAX_CATEGORIES = 60
RESOURCE_KINDS = {"run_time": ("Wall time per task", "s"), "max_rss": ("Maximum resident memory per task", "MB")}
RUNS_PER_PAGE = 50


@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.succeeded_runs(), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "qa/run_list.html", {"page": page})


@dataclass
class MetricRow:
    metric: Metric
    stats: dict
    cells: list[tuple[str, list[SpecResult]]]

    @property
    def shown(self) -> dict:
        return {key: figure_text(self.stats.get(key)) for key in ("mean", "min", "p05", "median", "p95", "max")}

    @property
    def failing_blocking(self) -> list[SpecResult]:
        return [
            result for _level, results in self.cells for result in results if result.spec.blocking and result.failed
        ]


def _run_or_404(pk: int) -> Submission:
    run = selectors.run_by_id(pk)
    if run is None:
        raise Http404(f"No run #{pk}.")
    return run


def _run_table(run: Submission) -> tuple[list[MetricRow], list[SpecResult]]:
    """The run's metrics by name, each with its statistics and its specifications judged, by level."""
    statistics = fresh_statistics([run.pk])
    metrics = selectors.metrics_by_id(metric_id for _run, metric_id in statistics)
    results = runs_judged([run], statistics)[run.pk]
    by_metric: dict[int, list[SpecResult]] = {}
    for result in results:
        by_metric.setdefault(result.spec.metric_id, []).append(result)
    rows = []
    for metric in sorted(metrics.values(), key=lambda metric: metric.name):
        stats = statistics.get((run.pk, metric.pk))
        if stats is None:
            continue
        judged = by_metric.get(metric.pk, [])
        cells = [(level, [result for result in judged if result.spec.level == level]) for level in LEVELS]
        rows.append(MetricRow(metric=metric, stats=stats, cells=cells))
    return rows, results


@require_GET
def run_qa(request: HttpRequest, submission_id: int) -> HttpResponse:
    run = _run_or_404(submission_id)
    rows, results = _run_table(run)
    by_name = {row.metric.name: row for row in rows}
    notices = []

    chosen = by_name.get(request.GET.get("metric", ""))
    if request.GET.get("metric") and chosen is None:
        notices.append(f"This run has no measurement of {request.GET['metric']!r}.")
    science = [row for row in rows if not row.metric.name.startswith("resources.")] or rows
    histogram_rows = [chosen] if chosen else science[:SMALL_MULTIPLES]

    # The breakdown shows the chosen metric, or the one that matters most: failing, judged, or the first.
    breakdown, tag_keys = None, []
    focus = chosen or _focus(science)
    if focus is not None:
        tag_keys = selectors.measurement_tag_keys(run.pk, focus.metric.pk)
        asked = [key for key in (request.GET.get("tag", ""), request.GET.get("tag2", "")) if key]
        keys = list(dict.fromkeys(key for key in asked if key in tag_keys))
        if len(keys) != len(asked):
            notices.append(f"{focus.metric.name} has no tag {', '.join(k for k in asked if k not in tag_keys)}.")
        keys = keys or _default_breakdown(tag_keys)
        if keys:
            breakdown = _breakdown(focus.metric, keys, selectors.metric_breakdown(run.pk, focus.metric.pk, keys))

    failing = [result for result in results if result.spec.blocking and result.failed]
    return render(
        request,
        "qa/run_qa.html",
        {
            "run": run,
            "campaign": run.step.campaign,
            "rows": rows,
            "levels": LEVELS,
            "failing": failing,
            "histograms": _histograms(run.pk, histogram_rows),
            "bins": HISTOGRAM_BINS,
            "small_multiples": SMALL_MULTIPLES,
            "chosen": chosen,
            "focus": focus,
            "tag_keys": tag_keys,
            "breakdown": breakdown,
            "resource_charts": _resource_charts(rows),
            "previous": selectors.previous_run(run),
            "notices": notices,
        },
    )


@require_GET
def run_qa_csv(request: HttpRequest, submission_id: int) -> HttpResponse:
    run = _run_or_404(submission_id)
    rows, _results = _run_table(run)
    header = ["metric", "unit", "count", "mean", "min", "p05", "median", "p95", "max", *LEVELS]
    return csv_response(
        f"run-{run.pk}-qa.csv",
        header,
        (
            [
                row.metric.name,
                row.metric.unit,
                row.stats["count"],
                *(row.stats[key] for key in ("mean", "min", "p05", "median", "p95", "max")),
                *(_level_text(results) for _level, results in row.cells),
            ]
            for row in rows
        ),
    )


def _level_text(results: list[SpecResult]) -> str:
    words = []
    for result in results:
        state = {True: "pass", False: "fail", None: "n/a"}[result.passed]
        where = f" [{result.spec.tag_key}={result.spec.tag_value}]" if result.spec.tag_key else ""
        words.append(f"{state}{where}{' (blocking)' if result.spec.blocking else ''}")
    return "; ".join(words)


def _focus(rows: list[MetricRow]) -> MetricRow | None:
    """The metric a page shows first: one failing a blocking specification, else one judged, else the first."""
    failing = [row for row in rows if row.failing_blocking]
    judged = [row for row in rows if any(results for _level, results in row.cells)]
    return (failing or judged or rows or [None])[0]


# The figures of the page ---------------------------------------------------------------------------


def _histograms(run_id: int, rows: list[MetricRow]) -> list[dict]:
    """Each metric's values counted in ``HISTOGRAM_BINS`` equal bins from its minimum to its maximum
    (by the database, in one query for every metric shown)."""
    bins = {}
    for row in rows:
        low, high = float(row.stats["min"]), float(row.stats["max"])
        if high > low:
            bins[row.metric.pk] = (low, (high - low) / HISTOGRAM_BINS, HISTOGRAM_BINS)
        else:  # every value the same: one bin around it
            bins[row.metric.pk] = (low - 0.5, 1.0, 1)
    counts = selectors.histogram_counts(run_id, bins)
    histograms = []
    for row in rows:
        start, step, n = bins[row.metric.pk]
        edges = [start + step * index for index in range(n + 1)]
        payload = charts.histogram(row.metric.name, row.metric.unit, edges, counts[row.metric.pk])
        histograms.append({"metric": row.metric, "chart_id": f"histogram-{row.metric.pk}", "payload": payload})
    return histograms


def _default_breakdown(keys: list[str]) -> list[str]:
    if "detector" in keys and "visit" in keys:
        return ["detector", "visit"]
    if "band" in keys:
        return ["band"]
    return keys[:1]


def _natural(value) -> tuple:
    """Sort key of a tag value: numbers by value (detector 10 after 9), then text."""
    text = str(value)
    try:
        return (0, float(text), text)
    except ValueError:
        return (1, 0.0, text)


@dataclass
class Breakdown:
    metric: Metric
    keys: list[str]
    payload: str = ""
    kind: str = ""
    truncated: list[str] = field(default_factory=list)


def _breakdown(metric: Metric, keys: list[str], frame: pd.DataFrame) -> Breakdown:
    """Statistics of one metric by one tag (box plots from quantiles) or two tags (a heat map of medians),
    from ``frame``, its statistics by those tags (``qa.selectors.metric_breakdown``)."""
    breakdown = Breakdown(metric=metric, keys=keys)
    records = [
        row for row in frame.to_dict("records") if all(row[key] is not None and not pd.isna(row[key]) for key in keys)
    ]
    if not records:
        return breakdown
    values = {key: sorted({str(row[key]) for row in records}, key=_natural) for key in keys}
    for key in keys:
        if len(values[key]) > MAX_CATEGORIES:
            breakdown.truncated.append(f"{key}: the first {MAX_CATEGORIES} of {len(values[key])} values")
            values[key] = values[key][:MAX_CATEGORIES]
    if len(keys) == 1:
        (key,) = keys
        by_value = {str(row[key]): row for row in records}
        shown = [value for value in values[key] if value in by_value]
        breakdown.kind = "box"
        breakdown.payload = charts.quantile_boxes(
            f"{metric.name} by {key}", shown, [by_value[value] for value in shown], unit=metric.unit, axis=key
        )
    else:
        y_key, x_key = keys
        medians = {(str(row[y_key]), str(row[x_key])): row["median"] for row in records}
        grid = [[medians.get((y, x)) for x in values[x_key]] for y in values[y_key]]
        breakdown.kind = "heatmap"
        breakdown.payload = charts.heatmap(
            f"Median of {metric.name} by {y_key} and {x_key}",
            x_key,
            y_key,
            values[x_key],
            values[y_key],
            grid,
            unit=metric.unit,
        )
    return breakdown


def _resource_charts(rows: list[MetricRow]) -> list[dict]:
    """Box plots per task of ``resources.<task>.run_time`` and ``resources.<task>.max_rss``, from quantiles."""
    by_kind: dict[str, list[tuple[str, MetricRow]]] = {kind: [] for kind in RESOURCE_KINDS}
    for row in rows:
        parts = row.metric.name.split(".")
        if len(parts) == 3 and parts[0] == "resources" and parts[2] in RESOURCE_KINDS:
            by_kind[parts[2]].append((parts[1], row))
    resource_charts = []
    for kind, tasks in by_kind.items():
        if not tasks:
            continue
        title, unit = RESOURCE_KINDS[kind]
        resource_charts.append(
            {
                "chart_id": f"resources-{kind.replace('_', '-')}",
                "payload": charts.quantile_boxes(
                    title,
                    [task for task, _row in tasks],
                    [row.stats for _task, row in tasks],
                    unit=tasks[0][1].metric.unit or unit,
                    axis="task",
                ),
            }
        )
    return resource_charts
