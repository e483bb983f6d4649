"""Pages of QA: a run's metrics with charts, two runs compared, a metric's trend, metrics and their
specifications, the QA gate of a campaign's steps, and the dashboard's QA cards.

Statistics come from ``qa.selectors`` (computed in the database, or by pandas on
SQLite) and specifications are judged with ``qa.specs``; writes go through
``qa.services``, whose role checks decide (the ones here only decide what to draw).
What a page sends never grows with the number of measurements: the histograms are
binned in SQL, the breakdowns and box plots are drawn from quantiles, and every
page runs a fixed number of queries whatever the size of the runs.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Floor
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from campaigns.choices import CampaignStatus, SubmissionStatus
from campaigns.models import Campaign, Step, Submission
from campaigns.selectors import campaign_diff
from committee.choices import DecisionStatus
from committee.models import Decision
from console.diff import diff_lines, diff_text
from console.errors import DomainError, NotPermitted
from console.forms import form_errors_message
from console.permissions import requires
from console.roles import require_role, user_has_role
from qa import charts, run_statistics, selectors, services
from qa.choices import SpecLevel
from qa.exports import csv_response
from qa.forms import (
    DEFAULT_TOLERANCE_PERCENT,
    CompareForm,
    SpecificationForm,
    TrendForm,
    WaiverForm,
)
from qa.models import Measurement, Metric, Specification, Waiver
from qa.permissions import ACCEPT_STEPS, RECORD_WAIVERS, SET_SPECIFICATIONS
from qa.specs import SpecResult, applies_to_release, judge, version_key
from releases.choices import BackportStatus
from releases.models import BackportRequest, Release

LEVELS = (SpecLevel.MINIMUM, SpecLevel.DESIGN, SpecLevel.STRETCH)
HISTOGRAM_BINS = 30
# Without ?metric=, the page shows the histograms of this many metrics (small multiples).
SMALL_MULTIPLES = 4
# The tag names offered for a breakdown are read from this many measurements of the metric.
TAG_SAMPLE = 200
# A breakdown shows at most this many values of a tag (a heat map at most this many squared cells).
MAX_CATEGORIES = 60
RESOURCE_KINDS = {"run_time": ("Wall time per task", "s"), "max_rss": ("Maximum resident memory per task", "MB")}
RUN_CHOICES = 200
TREND_MAX_RUNS = 200
METRICS_PER_PAGE = 100
RUNS_PER_PAGE = 50
DASHBOARD_RUNS = 20
DECISIONS_OFFERED = 50
# Runs newest first; one not ended yet last (PostgreSQL would put its NULL first).
NEWEST_FIRST = (F("ended_at").desc(nulls_last=True), "-pk")


# Shared reads ----------------------------------------------------------------------------


def _runs() -> QuerySet[Submission]:
    return Submission.objects.select_related("step__campaign__release")


def _run_or_404(pk: int) -> Submission:
    try:
        return _runs().get(pk=pk)
    except Submission.DoesNotExist:
        raise Http404(f"No run #{pk}.") from None


def _statistics(
    submission_ids: list[int], *, tag: tuple[str, str] | None = None, metric_ids: list[int] | None = None
) -> dict[tuple[int, int], dict]:
    """``(submission_id, metric_id) -> statistics`` of the runs, as stored (``qa.run_statistics``)."""
    frame = run_statistics.metric_statistics(submission_ids, tag=tag, metric_ids=metric_ids)
    return {(int(row["submission_id"]), int(row["metric_id"])): row for row in frame.to_dict("records")}


def _judged(runs: list[Submission], statistics: dict[tuple[int, int], dict]) -> dict[int, list[SpecResult]]:
    """Every specification that applies to each run, judged on statistics read already.

    What ``services.submission_qa`` does for one run, for several runs at once and without
    reading the statistics again: one query for the specifications, one per tag slice they name.
    """
    metric_ids = sorted({metric_id for _run, metric_id in statistics})
    specs = selectors.specifications_for(metric_ids)
    ids = [run.pk for run in runs]
    sliced = {key: _statistics(ids, tag=key) for key in sorted({(s.tag_key, s.tag_value) for s in specs if s.tag_key})}
    results = {}
    for run in runs:
        release = run.step.campaign.release
        results[run.pk] = [
            judge(
                spec,
                (sliced[(spec.tag_key, spec.tag_value)] if spec.tag_key else statistics).get((run.pk, spec.metric_id)),
            )
            for spec in specs
            if applies_to_release(spec, release)
        ]
    return results


def _fmt(value, digits: int = 4) -> str:
    if value is None:
        return "—"
    number = float(value)
    if not math.isfinite(number):
        return "—"
    return f"{number:.{digits}g}"


def _natural(value) -> tuple:
    """Sort key of a tag value: numbers by value (detector 10 after 9), then text."""
    text = str(value)
    try:
        return (0, float(text), text)
    except ValueError:
        return (1, 0.0, text)


# The QA page of one run --------------------------------------------------------------------


@dataclass
class MetricRow:
    metric: Metric
    stats: dict
    cells: list[tuple[str, list[SpecResult]]]

    @property
    def shown(self) -> dict:
        return {key: _fmt(self.stats.get(key)) for key in ("mean", "min", "p05", "median", "p95", "max")}

    @property
    def failing_blocking(self) -> list[SpecResult]:
        return [
            result for _level, results in self.cells for result in results if result.spec.blocking and result.failed
        ]


def _metric_rows(
    run: Submission, statistics: dict, results: list[SpecResult], metrics: dict[int, Metric]
) -> list[MetricRow]:
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
    return rows


def _histograms(run_id: int, rows: list[MetricRow]) -> list[dict]:
    """Counts of each metric's values in ``HISTOGRAM_BINS`` equal bins from its minimum to its maximum.

    The bins are counted by the database (one query for every metric shown): the page
    receives the counts, never the values.
    """
    ranges = {}
    for row in rows:
        low, high = float(row.stats["min"]), float(row.stats["max"])
        if high > low:
            ranges[row.metric.pk] = (low, (high - low) / HISTOGRAM_BINS, HISTOGRAM_BINS)
        else:  # every value the same: one bin around it
            ranges[row.metric.pk] = (low - 0.5, 1.0, 1)
    if not ranges:
        return []
    low = Case(*(When(metric_id=pk, then=Value(r[0])) for pk, r in ranges.items()), output_field=FloatField())
    width = Case(*(When(metric_id=pk, then=Value(r[1])) for pk, r in ranges.items()), output_field=FloatField())
    counted = (
        Measurement.objects.filter(submission_id=run_id, metric_id__in=list(ranges))
        .annotate(bin=Floor((F("value") - low) / width))
        .values("metric_id", "bin")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {pk: [0] * bins for pk, (_low, _width, bins) in ranges.items()}
    for item in counted:
        bins = ranges[item["metric_id"]][2]
        index = min(max(int(item["bin"] or 0), 0), bins - 1)  # the maximum falls on the last edge
        counts[item["metric_id"]][index] += item["n"]
    histograms = []
    for row in rows:
        start, step, bins = ranges[row.metric.pk]
        edges = [start + step * index for index in range(bins + 1)]
        payload = charts.histogram(row.metric.name, row.metric.unit, edges, counts[row.metric.pk])
        histograms.append({"metric": row.metric, "chart_id": f"histogram-{row.metric.pk}", "payload": payload})
    return histograms


def _tag_keys(run_id: int, metric_id: int) -> list[str]:
    """The tag names of a metric's measurements in the run, read from a few of them."""
    sample = Measurement.objects.filter(submission_id=run_id, metric_id=metric_id).values_list("tags", flat=True)
    return sorted({key for tags in sample[:TAG_SAMPLE] for key in (tags or {})})


def _default_breakdown(keys: list[str]) -> list[str]:
    if "detector" in keys and "visit" in keys:
        return ["detector", "visit"]
    if "band" in keys:
        return ["band"]
    return keys[:1]


@dataclass
class Breakdown:
    metric: Metric
    keys: list[str]
    payload: str = ""
    kind: str = ""
    truncated: list[str] = field(default_factory=list)


def _breakdown(run_id: int, metric: Metric, keys: list[str]) -> Breakdown:
    """Statistics of one metric by one tag (box plots from quantiles) or two tags (a heat map of medians)."""
    breakdown = Breakdown(metric=metric, keys=keys)
    frame = selectors.metric_breakdown(run_id, metric.pk, keys)
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


def _focus(rows: list[MetricRow]) -> MetricRow | None:
    """The metric a page shows first: one failing a blocking specification, else one judged, else the first."""
    failing = [row for row in rows if row.failing_blocking]
    judged = [row for row in rows if any(results for _level, results in row.cells)]
    return (failing or judged or rows or [None])[0]


def _previous_run(run: Submission) -> Submission | None:
    """The succeeded run of the same step that ended before this one."""
    if run.ended_at is None:
        return None
    return (
        Submission.objects.filter(step_id=run.step_id, status=SubmissionStatus.SUCCEEDED, ended_at__lt=run.ended_at)
        .order_by(*NEWEST_FIRST)
        .first()
    )


def _run_table(run: Submission) -> tuple[list[MetricRow], list[SpecResult]]:
    statistics = _statistics([run.pk])
    metrics = Metric.objects.in_bulk(sorted({metric_id for _run, metric_id in statistics}))
    results = _judged([run], statistics)[run.pk]
    return _metric_rows(run, statistics, results, metrics), results


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
        tag_keys = _tag_keys(run.pk, focus.metric.pk)
        asked = [key for key in (request.GET.get("tag", ""), request.GET.get("tag2", "")) if key]
        keys = list(dict.fromkeys(key for key in asked if key in tag_keys))
        if len(keys) != len(asked):
            notices.append(f"{focus.metric.name} has no tag {', '.join(k for k in asked if k not in tag_keys)}.")
        keys = keys or _default_breakdown(tag_keys)
        if keys:
            breakdown = _breakdown(run.pk, focus.metric, keys)

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
            "previous": _previous_run(run),
            "notices": notices,
        },
    )


def _level_text(results: list[SpecResult]) -> str:
    words = []
    for result in results:
        state = {True: "pass", False: "fail", None: "n/a"}[result.passed]
        where = f" [{result.spec.tag_key}={result.spec.tag_value}]" if result.spec.tag_key else ""
        words.append(f"{state}{where}{' (blocking)' if result.spec.blocking else ''}")
    return "; ".join(words)


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


# Two runs compared -------------------------------------------------------------------------


@dataclass(frozen=True)
class SpecChange:
    spec: Specification
    before: bool
    after: bool

    @property
    def worse(self) -> bool:
        return self.before and not self.after

    def __str__(self) -> str:
        words = {True: "pass", False: "fail"}
        return (
            f"{self.spec.level} {self.spec.statistic} {self.spec.operator} {self.spec.threshold:g}"
            + (f" [{self.spec.tag_key}={self.spec.tag_value}]" if self.spec.tag_key else "")
            + f": {words[self.before]} → {words[self.after]}"
        )


def _change(a, b) -> dict:
    a = None if a is None else float(a)
    b = None if b is None else float(b)
    absolute = b - a if a is not None and b is not None else None
    relative = absolute / abs(a) if absolute is not None and a != 0 else None
    return {"a": a, "b": b, "abs": absolute, "rel": relative}


def compare_rows(
    metrics: dict[int, Metric],
    statistics: dict[tuple[int, int], dict],
    a_id: int,
    b_id: int,
    results: dict[int, list[SpecResult]],
    tolerance: float,
) -> list[dict]:
    """Per metric of either run: the change of median, p05 and p95 from A to B, and why it is flagged.

    Flagged when a specification judged on both runs changes state, or when the median moves
    by more than ``tolerance`` (a fraction) of A's median. ``worse`` follows the metric's direction.
    """
    passed_a = {result.spec.pk: result for result in results.get(a_id, [])}
    passed_b = {result.spec.pk: result for result in results.get(b_id, [])}
    judged_on_both: dict[int, list[tuple[SpecResult, SpecResult]]] = {}  # metric -> (A's, B's), by spec
    for spec_id in sorted(set(passed_a) & set(passed_b)):
        before, after = passed_a[spec_id], passed_b[spec_id]
        judged_on_both.setdefault(before.spec.metric_id, []).append((before, after))
    rows = []
    for metric in sorted(metrics.values(), key=lambda metric: metric.name):
        a, b = statistics.get((a_id, metric.pk)), statistics.get((b_id, metric.pk))
        if a is None and b is None:
            continue
        changes = {stat: _change(a and a[stat], b and b[stat]) for stat in ("median", "p05", "p95")}
        spec_changes = [
            SpecChange(before.spec, before.passed, after.passed)
            for before, after in judged_on_both.get(metric.pk, [])
            if before.passed is not None and after.passed is not None and before.passed != after.passed
        ]
        relative = changes["median"]["rel"]
        beyond = relative is not None and abs(relative) > tolerance
        worse_median = relative is not None and relative != 0 and ((relative < 0) == metric.higher_is_better)
        rows.append(
            {
                "metric": metric,
                "name": metric.name,
                "unit": metric.unit,
                "count_a": a["count"] if a else 0,
                "count_b": b["count"] if b else 0,
                **{f"{stat}_{part}": value for stat, change in changes.items() for part, value in change.items()},
                "shown": {
                    stat: {part: _fmt(value) for part, value in change.items() if part != "rel"}
                    | {"rel": "—" if change["rel"] is None else f"{100 * change['rel']:+.2f} %"}
                    for stat, change in changes.items()
                },
                "spec_changes": spec_changes,
                "worse_changes": [change for change in spec_changes if change.worse],
                "beyond_tolerance": beyond,
                "worse": worse_median,
                "flagged": beyond or bool(spec_changes),
                "regressed": any(change.worse for change in spec_changes) or (beyond and worse_median),
                "only_in": "A" if b is None else "B" if a is None else "",
            }
        )
    return rows


def _shipped_backports(releases: list[Release | None]) -> dict[int, list[BackportRequest]]:
    """For each release, the backports shipped in its family up to it (a patch carries its predecessors')."""
    known = [release for release in releases if release is not None]
    roots = {release.family_root_id for release in known}
    shipped = list(
        BackportRequest.objects.filter(
            Q(shipped_in_id__in=roots) | Q(shipped_in__base_release_id__in=roots), status=BackportStatus.SHIPPED
        )
        .select_related("shipped_in")
        .order_by("rfc_id")
    )
    return {
        release.pk: [
            backport
            for backport in shipped
            if backport.shipped_in.family_root_id == release.family_root_id
            and version_key(backport.shipped_in) <= version_key(release)
        ]
        for release in known
    }


def _definitions(a: Submission, b: Submission) -> dict:
    """What differs between the two runs' definitions: release, backports shipped, campaign, BPS configuration."""
    release_a, release_b = a.step.campaign.release, b.step.campaign.release
    backports = _shipped_backports([release_a, release_b])
    in_a = {bp.rfc_id: bp for bp in backports.get(getattr(release_a, "pk", None), [])}
    in_b = {bp.rfc_id: bp for bp in backports.get(getattr(release_b, "pk", None), [])}
    campaign_rows = []
    same_campaign = a.step.campaign_id == b.step.campaign_id
    if not same_campaign:
        campaigns = Campaign.objects.select_related("release").prefetch_related("steps__depends_on")
        campaigns = campaigns.in_bulk([a.step.campaign_id, b.step.campaign_id])
        campaign_rows = [
            {"field": row["field"], "a": diff_text(row["left"]), "b": diff_text(row["right"])}
            for row in campaign_diff(campaigns[a.step.campaign_id], campaigns[b.step.campaign_id])
            if row["differs"]
        ]
    config_diff = diff_lines(a.bps_config, b.bps_config, a_name=f"run #{a.pk}", b_name=f"run #{b.pk}")
    return {
        "release_a": release_a,
        "release_b": release_b,
        "same_release": getattr(release_a, "pk", None) == getattr(release_b, "pk", None),
        "backports_only_a": [bp for rfc, bp in in_a.items() if rfc not in in_b],
        "backports_only_b": [bp for rfc, bp in in_b.items() if rfc not in in_a],
        "backports_both": [bp for rfc, bp in in_a.items() if rfc in in_b],
        "same_campaign": same_campaign,
        "campaign_rows": campaign_rows,
        "config_diff": config_diff,
    }


def _compare_form(request: HttpRequest) -> CompareForm:
    """The form with the latest succeeded runs as choices, plus the runs asked for if older."""
    runs = list(_runs().filter(status=SubmissionStatus.SUCCEEDED).order_by(*NEWEST_FIRST)[:RUN_CHOICES])
    asked = []
    for key in ("a", "b"):
        try:
            asked.append(int(request.GET.get(key, "")))
        except ValueError:
            continue
    listed = {run.pk for run in runs}
    runs += list(_runs().filter(pk__in=[pk for pk in asked if pk not in listed]))
    initial = {"tolerance": DEFAULT_TOLERANCE_PERCENT}
    if not ("a" in request.GET and "b" in request.GET):
        # One run chosen ("compare…" from a run): it is filled in, the other is asked for, nothing is refused yet.
        initial |= {key: request.GET[key] for key in ("a", "b") if request.GET.get(key)}
        return CompareForm(None, runs=runs, initial=initial)
    data = request.GET.copy()
    if not data.get("tolerance"):
        data["tolerance"] = f"{DEFAULT_TOLERANCE_PERCENT:g}"
    return CompareForm(data, runs=runs, initial=initial)


def _comparison(form: CompareForm) -> tuple[Submission, Submission, float, list[dict]] | None:
    if not form.is_bound or not form.is_valid():
        return None
    pks = [form.cleaned_data["a"], form.cleaned_data["b"]]
    runs = _runs().in_bulk(pks)
    a, b = runs[pks[0]], runs[pks[1]]
    tolerance = form.cleaned_data["tolerance"]
    statistics = _statistics(pks)
    metrics = Metric.objects.in_bulk(sorted({metric_id for _run, metric_id in statistics}))
    results = _judged([a] if a.pk == b.pk else [a, b], statistics)
    return a, b, tolerance, compare_rows(metrics, statistics, a.pk, b.pk, results, tolerance / 100)


@require_GET
def run_compare(request: HttpRequest) -> HttpResponse:
    form = _compare_form(request)
    compared = _comparison(form)
    context = {"form": form, "form_errors": form_errors_message(form) if form.is_bound else ""}
    if compared is not None:
        a, b, tolerance, rows = compared
        context.update(
            a=a,
            b=b,
            tolerance=tolerance,
            rows=rows,
            flagged=sum(row["flagged"] for row in rows),
            definitions=_definitions(a, b),
            chart=charts.relative_changes(rows) if any(row["median_rel"] is not None for row in rows) else "",
            query=request.GET.urlencode(),
        )
    return render(request, "qa/run_compare.html", context)


@require_GET
def run_compare_csv(request: HttpRequest) -> HttpResponse:
    form = _compare_form(request)
    compared = _comparison(form)
    if compared is None:
        messages.error(request, form_errors_message(form) or "Choose two runs to compare.")
        return redirect("qa:run-compare")
    a, b, _tolerance, rows = compared
    stats = ("median", "p05", "p95")
    header = ["metric", "unit", "count A", "count B"]
    for stat in stats:
        header += [f"{stat} A", f"{stat} B", f"{stat} change", f"{stat} relative change"]
    header += ["flagged", "beyond tolerance", "worse", "specification changes"]
    return csv_response(
        f"compare-{a.pk}-{b.pk}.csv",
        header,
        (
            [
                row["name"],
                row["unit"],
                row["count_a"],
                row["count_b"],
                *(row[f"{stat}_{part}"] for stat in stats for part in ("a", "b", "abs", "rel")),
                row["flagged"],
                row["beyond_tolerance"],
                row["worse"],
                "; ".join(str(change) for change in row["spec_changes"]),
            ]
            for row in rows
        ),
    )


# A metric across runs ----------------------------------------------------------------------


def _trend(metric: Metric, campaign: Campaign | None, by: str) -> tuple[list[dict], list[str]]:
    """The metric's statistics in the latest succeeded runs (of a campaign, or all), ordered for the x axis."""
    runs = _runs().filter(status=SubmissionStatus.SUCCEEDED)
    if campaign is not None:
        runs = runs.filter(step__campaign=campaign)
    runs = list(runs.order_by(*NEWEST_FIRST)[:TREND_MAX_RUNS])
    statistics = _statistics([run.pk for run in runs], metric_ids=[metric.pk])
    points = []
    for run in runs:
        stats = statistics.get((run.pk, metric.pk))
        if stats is None:
            continue
        release = run.step.campaign.release
        points.append(
            {
                "run": run,
                "campaign": run.step.campaign,
                "release": release,
                "ended_at": run.ended_at,
                "label": f"#{run.pk} {run.step.campaign.name} / {run.step.name}",
                "x": (str(release) if release else "(no release)") if by == "release" else run.ended_at,
                **{key: stats[key] for key in ("count", "p05", "median", "p95")},
                "shown": {key: _fmt(stats[key]) for key in ("p05", "median", "p95")},
            }
        )
    never = datetime.max.replace(tzinfo=None)

    def when(point) -> tuple:
        ended = point["ended_at"]
        return (ended is None, ended.replace(tzinfo=None) if ended else never, point["run"].pk)

    if by == "release":
        points.sort(
            key=lambda p: (p["release"] is None, version_key(p["release"]) if p["release"] else (0, 0, 0), *when(p))
        )
    else:
        points.sort(key=when)
    order = list(dict.fromkeys(point["x"] for point in points)) if by == "release" else []
    return points, order


def _trend_form(request: HttpRequest) -> TrendForm:
    return TrendForm(request.GET if "metric" in request.GET else None, initial={"by": "time"})


@require_GET
def metric_trend(request: HttpRequest) -> HttpResponse:
    form = _trend_form(request)
    context = {"form": form, "form_errors": form_errors_message(form) if form.is_bound else ""}
    if form.is_bound and form.is_valid():
        metric, campaign, by = (form.cleaned_data[key] for key in ("metric", "campaign", "by"))
        points, order = _trend(metric, campaign, by)
        scope = campaign.name if campaign else "all campaigns"
        context.update(
            metric=metric,
            campaign=campaign,
            by=by,
            points=points,
            limit=TREND_MAX_RUNS,
            query=request.GET.urlencode(),
            payload=charts.trend(f"{metric.name} in {scope}", points, by=by, unit=metric.unit, order=order)
            if points
            else "",
        )
    return render(request, "qa/metric_trend.html", context)


@require_GET
def metric_trend_csv(request: HttpRequest) -> HttpResponse:
    form = _trend_form(request)
    if not (form.is_bound and form.is_valid()):
        messages.error(request, form_errors_message(form) or "Choose a metric.")
        return redirect("qa:metric-trend")
    metric, campaign, by = (form.cleaned_data[key] for key in ("metric", "campaign", "by"))
    points, _order = _trend(metric, campaign, by)
    return csv_response(
        f"trend-{metric.name}.csv",
        ["run", "campaign", "step", "release", "ended at", "count", "p05", "median", "p95", "unit"],
        (
            [
                point["run"].pk,
                point["campaign"].name,
                point["run"].step.name,
                str(point["release"]) if point["release"] else "",
                point["ended_at"],
                point["count"],
                point["p05"],
                point["median"],
                point["p95"],
                metric.unit,
            ]
            for point in points
        ),
    )


# Metrics and their specifications ------------------------------------------------------------


def _metrics():
    specs = Specification.objects.select_related("min_release", "max_release").order_by("level", "id")
    return Metric.objects.prefetch_related(Prefetch("specifications", queryset=specs)).order_by("name")


@require_GET
def metric_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(_metrics(), METRICS_PER_PAGE).get_page(request.GET.get("page"))
    may_edit = user_has_role(request.user, *services.SPEC_EDITORS)
    return render(
        request,
        "qa/metric_list.html",
        {"page": page, "form": SpecificationForm(auto_id="spec-%s") if may_edit else None},
    )


@require_GET
def metric_list_csv(request: HttpRequest) -> HttpResponse:
    rows = []
    for metric in _metrics():
        specs = list(metric.specifications.all()) or [None]
        for spec in specs:
            rows.append(
                [
                    metric.name,
                    metric.unit,
                    "higher" if metric.higher_is_better else "lower",
                    metric.description,
                    *(
                        [
                            spec.level,
                            spec.statistic,
                            spec.operator,
                            spec.threshold,
                            f"{spec.tag_key}={spec.tag_value}" if spec.tag_key else "",
                            str(spec.min_release) if spec.min_release_id else "",
                            str(spec.max_release) if spec.max_release_id else "",
                            spec.blocking,
                        ]
                        if spec
                        else [""] * 8
                    ),
                ]
            )
    header = ["metric", "unit", "better", "description", "level", "statistic", "operator", "threshold", "tag"]
    return csv_response("qa-metrics.csv", [*header, "from release", "up to release", "blocking"], rows)


@require_POST
@requires(SET_SPECIFICATIONS)
def specification_create(request: HttpRequest) -> HttpResponse:
    form = SpecificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect("qa:metric-list")
    try:
        spec = services.specification_create(actor=request.user, **form.cleaned_data)
    except DomainError as error:
        if isinstance(error, NotPermitted):
            raise
        messages.error(request, str(error))
        return redirect("qa:metric-list")
    messages.success(request, f"Specification added: {spec}.")
    return redirect(f"{reverse('qa:metric-list')}#metric-{spec.metric_id}")


# Runs ------------------------------------------------------------------------------------------


@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    runs = _runs().filter(status=SubmissionStatus.SUCCEEDED).order_by(*NEWEST_FIRST)
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "qa/run_list.html", {"page": page})


# The QA gate of a campaign's steps (a fragment of the campaign page) ------------------------------


@dataclass
class GateRow:
    step: Step
    submission: Submission | None = None
    failing: list[SpecResult] = field(default_factory=list)
    waiver: Waiver | None = None

    @property
    def accepted(self) -> bool:
        return self.step.accepted_at is not None

    @property
    def state(self) -> str:
        if self.accepted:
            return "accepted"
        if self.submission is None:
            return "no-run"
        if self.failing:
            return "waived" if self.waiver else "blocked"
        return "passes"


@require_GET
def campaign_gate(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Each step's QA gate: accepted (by whom, when, with which waiver) or what blocks it, with the lead's buttons."""
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    steps = list(
        Step.objects.filter(campaign=campaign).select_related("accepted_by", "accepted_submission").order_by("position")
    )
    accepted_waivers = {
        (waiver.step_id, waiver.submission_id): waiver
        for waiver in Waiver.objects.filter(step__in=[s for s in steps if s.accepted_at]).select_related(
            "decision", "granted_by"
        )
    }
    rows = []
    for step in steps:
        if step.accepted_at is not None:
            waiver = accepted_waivers.get((step.pk, step.accepted_submission_id))
            rows.append(GateRow(step=step, submission=step.accepted_submission, waiver=waiver))
        else:
            submission, failing, waiver = services.gate_blockers(step)
            rows.append(GateRow(step=step, submission=submission, failing=failing, waiver=waiver))
    may_gate = user_has_role(request.user, *services.GATE_KEEPERS)
    needs_waiver = may_gate and any(row.state == "blocked" for row in rows)
    decisions = (
        list(
            Decision.objects.filter(status__in=[DecisionStatus.APPROVED, DecisionStatus.ENDORSED]).order_by("-pk")[
                :DECISIONS_OFFERED
            ]
        )
        if needs_waiver
        else []
    )
    return render(
        request,
        "qa/_campaign_gate.html",
        {"campaign": campaign, "rows": rows, "may_gate": may_gate, "decisions": decisions},
    )


def _gate_return(step: Step) -> str:
    return f"{step.campaign.get_absolute_url()}#qa-gate"


@require_POST
@requires(ACCEPT_STEPS)
def step_accept(request: HttpRequest, step_id: int) -> HttpResponse:
    step = get_object_or_404(Step.objects.select_related("campaign"), pk=step_id)
    try:
        step = services.step_accept(actor=request.user, step=step)
    except DomainError as error:
        if isinstance(error, NotPermitted):
            raise
        messages.error(request, f"Step {step.name} not accepted. {error}")
        return redirect(_gate_return(step))
    messages.success(request, f"Step {step.name} accepted (run #{step.accepted_submission_id}).")
    return redirect(_gate_return(step))


@require_POST
@requires(RECORD_WAIVERS)
def waiver_grant(request: HttpRequest, step_id: int) -> HttpResponse:
    step = get_object_or_404(Step.objects.select_related("campaign"), pk=step_id)
    # The role is checked before the form, so that a refused person learns that first.
    require_role(request.user, *services.GATE_KEEPERS, action="record waivers")
    form = WaiverForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(_gate_return(step))
    try:
        waiver = services.waiver_grant(
            actor=request.user, step=step, reason=form.cleaned_data["reason"], decision=form.cleaned_data["decision"]
        )
    except DomainError as error:
        if isinstance(error, NotPermitted):
            raise
        messages.error(request, str(error))
        return redirect(_gate_return(step))
    messages.success(
        request, f"Waiver recorded for step {step.name} (run #{waiver.submission_id}, decision #{waiver.decision_id})."
    )
    return redirect(_gate_return(step))


# The dashboard's QA cards (fragments loaded by htmx) ------------------------------------------------


def _latest_runs(*, unaccepted: bool = False) -> QuerySet[Submission]:
    """The latest succeeded run of each step (no later succeeded run of the step), newest first."""
    later = Submission.objects.filter(
        step=OuterRef("step"), status=SubmissionStatus.SUCCEEDED, ended_at__gt=OuterRef("ended_at")
    )
    runs = (
        _runs()
        .filter(status=SubmissionStatus.SUCCEEDED)
        .filter(~Exists(later))
        .exclude(step__campaign__status=CampaignStatus.CANCELLED)
    )
    if unaccepted:
        runs = runs.filter(step__accepted_at__isnull=True)
    return runs


@require_GET
def dashboard_failing(request: HttpRequest) -> HttpResponse:
    """Latest runs of steps not accepted yet whose blocking specifications fail."""
    runs = list(_latest_runs(unaccepted=True).order_by(*NEWEST_FIRST)[:DASHBOARD_RUNS])
    statistics = _statistics([run.pk for run in runs])
    judged = _judged(runs, statistics)
    waived = set(Waiver.objects.filter(submission__in=runs).values_list("submission_id", flat=True))
    failing = []
    for run in runs:
        blocking = [result for result in judged[run.pk] if result.spec.blocking and result.failed]
        if blocking:
            failing.append({"run": run, "failing": blocking, "waived": run.pk in waived})
    return render(request, "qa/_dashboard_failing.html", {"failing": failing, "checked": DASHBOARD_RUNS})


@require_GET
def dashboard_regressions(request: HttpRequest) -> HttpResponse:
    """The latest run of each step against the run of the same step before it: metrics that got worse."""
    previous = (
        Submission.objects.filter(
            step=OuterRef("step"), status=SubmissionStatus.SUCCEEDED, ended_at__lt=OuterRef("ended_at")
        )
        .order_by(*NEWEST_FIRST)
        .values("pk")[:1]
    )
    runs = list(
        _latest_runs()
        .annotate(previous_id=Subquery(previous))
        .filter(previous_id__isnull=False)
        .order_by(*NEWEST_FIRST)[:DASHBOARD_RUNS]
    )
    earlier = _runs().in_bulk([run.previous_id for run in runs])
    everything = runs + [earlier[run.previous_id] for run in runs]
    statistics = _statistics([run.pk for run in everything])
    metrics = Metric.objects.in_bulk(sorted({metric_id for _run, metric_id in statistics}))
    judged = _judged(everything, statistics)
    tolerance = DEFAULT_TOLERANCE_PERCENT / 100
    regressions = []
    for run in runs:
        rows = compare_rows(metrics, statistics, run.previous_id, run.pk, judged, tolerance)
        worse = [row for row in rows if row["regressed"]]
        if worse:
            regressions.append({"run": run, "previous": earlier[run.previous_id], "rows": worse})
    return render(
        request,
        "qa/_dashboard_regressions.html",
        {"regressions": regressions, "checked": DASHBOARD_RUNS, "tolerance": DEFAULT_TOLERANCE_PERCENT},
    )
