"""A metric across runs: its median and 5th-95th percentile in the latest succeeded runs (of a campaign, or
all), by run end time or by release; the same points as CSV."""

from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from campaigns.models import Campaign, Submission
from console.forms import form_errors_message
from qa import charts, selectors
from qa.exports import csv_response
from qa.forms import TrendForm
from qa.judging import fresh_statistics
from qa.models import Metric
from qa.specs import version_key
from qa.statistics import figure_text

TREND_MAX_RUNS = 200
# Where a run not ended yet goes on the time axis: last.
NEVER = datetime.max.replace(tzinfo=None)


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


def _trend_form(request: HttpRequest) -> TrendForm:
    return TrendForm(request.GET if "metric" in request.GET else None, initial={"by": "time"})


def _trend(metric: Metric, campaign: Campaign | None, by: str) -> tuple[list[dict], list[str]]:
    """The metric's statistics in the latest succeeded runs (of a campaign, or all), ordered for the x axis,
    and by release the order of the releases."""
    runs = list(selectors.succeeded_runs(campaign=campaign)[:TREND_MAX_RUNS])
    statistics = fresh_statistics([run.pk for run in runs], metric_ids=[metric.pk])
    points = [_point(run, statistics[(run.pk, metric.pk)], by) for run in runs if (run.pk, metric.pk) in statistics]
    if by == "release":
        points.sort(key=_by_release)
        return points, list(dict.fromkeys(point["x"] for point in points))
    points.sort(key=_when)
    return points, []


def _point(run: Submission, stats: dict, by: str) -> dict:
    release = run.step.campaign.release
    return {
        "run": run,
        "campaign": run.step.campaign,
        "release": release,
        "ended_at": run.ended_at,
        "label": f"#{run.pk} {run.step.campaign.name} / {run.step.name}",
        "x": (str(release) if release else "(no release)") if by == "release" else run.ended_at,
        **{key: stats[key] for key in ("count", "p05", "median", "p95")},
        "shown": {key: figure_text(stats[key]) for key in ("p05", "median", "p95")},
    }


def _by_release(point: dict) -> tuple:
    """Sort key of a point by release: versions ascending, runs without a release last, then by time."""
    release = point["release"]
    return (release is None, version_key(release) if release else (0, 0, 0), *_when(point))


def _when(point: dict) -> tuple:
    """Sort key of a point by time: its end (naive, to compare with ``NEVER``), then its run."""
    ended = point["ended_at"]
    return (ended is None, ended.replace(tzinfo=None) if ended else NEVER, point["run"].pk)
