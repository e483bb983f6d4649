"""Two runs compared: each metric's change from run A to run B, flagged beyond a tolerance or when a
specification changes state, and what differs between their definitions; the same table as CSV."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from campaigns.models import Submission
from console.forms import form_errors_message
from qa import charts, selectors
from qa.compare import COMPARED, SCALE_BASES, compare_rows, definitions_compared
from qa.exports import csv_response
from qa.forms import DEFAULT_TOLERANCE_PERCENT, CompareForm
from qa.judging import fresh_statistics, runs_judged

# The form offers this many of the latest succeeded runs (and the runs asked for, if older).
RUN_CHOICES = 200


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
            chart=charts.median_changes(rows) if any(row["median_scaled"] is not None for row in rows) else "",
            scale_bases=SCALE_BASES,
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
    header = ["metric", "unit", "count A", "count B"]
    for stat in COMPARED:
        header += [f"{stat} A", f"{stat} B", f"{stat} change", f"{stat} relative change", f"{stat} scaled change"]
    header += ["change scale", "change scale basis", "flagged", "beyond tolerance", "worse", "specification changes"]
    return csv_response(
        f"compare-{a.pk}-{b.pk}.csv",
        header,
        (
            [
                row["name"],
                row["unit"],
                row["count_a"],
                row["count_b"],
                *(row[f"{stat}_{part}"] for stat in COMPARED for part in ("a", "b", "abs", "rel", "scaled")),
                row["scale"].value if row["scale"] else None,
                row["scale"].basis if row["scale"] else "",
                row["flagged"],
                row["beyond_tolerance"],
                row["worse"],
                "; ".join(str(change) for change in row["spec_changes"]),
            ]
            for row in rows
        ),
    )


def _compare_form(request: HttpRequest) -> CompareForm:
    """The form with the latest succeeded runs (of campaigns not archived) as choices, plus the runs asked for if
    older or archived."""
    runs = list(selectors.run_choices()[:RUN_CHOICES])
    asked = []
    for key in ("a", "b"):
        try:
            asked.append(int(request.GET.get(key, "")))
        except ValueError:
            continue
    listed = {run.pk for run in runs}
    runs += list(selectors.runs_by_id([pk for pk in asked if pk not in listed]).values())
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
    runs = selectors.runs_by_id(pks)
    a, b = runs[pks[0]], runs[pks[1]]
    tolerance = form.cleaned_data["tolerance"]
    statistics = fresh_statistics(pks)
    metrics = selectors.metrics_by_id(metric_id for _run, metric_id in statistics)
    results = runs_judged([a] if a.pk == b.pk else [a, b], statistics)
    return a, b, tolerance, compare_rows(metrics, statistics, a.pk, b.pk, results, tolerance / 100)


def _definitions(a: Submission, b: Submission) -> dict:
    """What differs between the two runs' definitions (``qa.compare.definitions_compared``)."""
    backports = selectors.shipped_backports([a.step.campaign.release, b.step.campaign.release])
    different = a.step.campaign_id != b.step.campaign_id
    campaigns = selectors.campaigns_with_steps([a.step.campaign_id, b.step.campaign_id]) if different else {}
    return definitions_compared(a, b, backports=backports, campaigns=campaigns)
