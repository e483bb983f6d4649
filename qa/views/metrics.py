"""The metrics with their specifications (and the form to add one, for those who may), and the same as CSV."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from qa import selectors
from qa.exports import csv_response
from qa.forms import SpecificationForm
from qa.permissions import SET_SPECIFICATIONS

METRICS_PER_PAGE = 100


@require_GET
def metric_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.metrics_with_specifications(), METRICS_PER_PAGE).get_page(request.GET.get("page"))
    may_edit = SET_SPECIFICATIONS.allows(request.user)
    return render(
        request,
        "qa/metric_list.html",
        {"page": page, "form": SpecificationForm(auto_id="spec-%s") if may_edit else None},
    )


@require_GET
def metric_list_csv(request: HttpRequest) -> HttpResponse:
    rows = []
    for metric in selectors.metrics_with_specifications():
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
