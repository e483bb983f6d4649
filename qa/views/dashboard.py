"""The dashboard's QA cards (fragments loaded by htmx): latest runs failing blocking specifications, and
metrics that got worse since the previous run of the same step."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from qa import selectors
from qa.compare import compare_rows
from qa.forms import DEFAULT_TOLERANCE_PERCENT
from qa.judging import fresh_statistics, runs_judged

# Each card looks at this many of the latest runs.
DASHBOARD_RUNS = 20


@require_GET
def dashboard_failing(request: HttpRequest) -> HttpResponse:
    """Latest runs of steps not accepted yet whose blocking specifications fail."""
    runs = list(selectors.latest_runs(unaccepted=True)[:DASHBOARD_RUNS])
    statistics = fresh_statistics([run.pk for run in runs])
    judged = runs_judged(runs, statistics)
    waived = selectors.waived_run_ids(runs)
    failing = []
    for run in runs:
        blocking = [result for result in judged[run.pk] if result.spec.blocking and result.failed]
        if blocking:
            failing.append({"run": run, "failing": blocking, "waived": run.pk in waived})
    return render(request, "qa/_dashboard_failing.html", {"failing": failing, "checked": DASHBOARD_RUNS})


@require_GET
def dashboard_regressions(request: HttpRequest) -> HttpResponse:
    """The latest run of each step against the run of the same step before it: metrics that got worse."""
    runs = selectors.latest_runs_with_previous(DASHBOARD_RUNS)
    earlier = selectors.runs_by_id(run.previous_id for run in runs)
    everything = runs + [earlier[run.previous_id] for run in runs]
    statistics = fresh_statistics([run.pk for run in everything])
    metrics = selectors.metrics_by_id(metric_id for _run, metric_id in statistics)
    judged = runs_judged(everything, statistics)
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
