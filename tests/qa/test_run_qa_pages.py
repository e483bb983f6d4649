"""The QA page of one run: a row per metric judged by level, histograms binned by the database,
breakdowns and resource usage drawn from quantiles; the same queries and size for 100 or 10,000 values."""

import csv
import io
import json
import re
from html import unescape

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qa.models import Measurement
from tests.qa.factories import MetricFactory, SpecificationFactory, measure, store_measurements, succeeded_run
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db

METRICS = (
    ("demo.measure.std", "adu"),
    ("demo.measure.n_outliers", "count"),
    ("resources.calibrate.run_time", "s"),
    ("resources.calibrate.max_rss", "MB"),
    ("resources.measure.run_time", "s"),
    ("resources.measure.max_rss", "MB"),
)


def populate(run, total: int, seed: int = 1) -> None:
    """``total`` measurements spread over the metrics, 4 visits x 5 detectors, bands g, r, i."""
    rng = np.random.default_rng(seed)
    metrics = [MetricFactory(name=name, unit=unit) for name, unit in METRICS]
    now = timezone.now()
    rows = []
    for index in range(total):
        metric = metrics[index % len(metrics)]
        visit, detector = 1001 + (index // len(metrics)) % 4, (index // (4 * len(metrics))) % 5
        tags = {"instrument": "DemoCam", "visit": visit, "detector": detector, "band": "gri"[visit % 3]}
        rows.append(
            Measurement(submission=run, metric=metric, value=float(rng.normal(10, 1)), tags=tags, measured_at=now)
        )
    store_measurements(rows)


def charts_of(html: str) -> dict[str, dict]:
    """Every chart payload of a page, by chart id (the JSON the console's script draws)."""
    found = {}
    for part in html.split('<script id="')[1:]:
        chart_id, rest = part.split('"', 1)
        body = rest.split(">", 1)[1].split("</script>", 1)[0]
        found[chart_id] = json.loads(json.loads(unescape(body)))
    return found


def page(client, run, **query):
    response = client.get(reverse("qa:run-qa", args=[run.pk]), query)
    assert response.status_code == 200
    return response


def test_a_row_per_metric_with_its_statistics_and_a_badge_per_specification_level(client_for, viewer):
    run = succeeded_run(campaign=None)
    std = MetricFactory(name="demo.measure.std", unit="adu")
    measure(run, std, [9.0, 10.0, 11.0, 12.0, 13.0])
    SpecificationFactory(metric=std, level="minimum", operator="<=", threshold=12, blocking=True)
    SpecificationFactory(metric=std, level="design", operator="<=", threshold=10)
    SpecificationFactory(metric=std, level="stretch", operator="<=", threshold=9, tag_key="band", tag_value="r")

    response = page(client_for(viewer), run)

    [row] = response.context["rows"]
    assert row.metric == std and row.stats["count"] == 5 and row.stats["median"] == 11.0
    html = response.content.decode()
    table = html.split('data-testid="metric-table"')[1].split("</table>")[0]
    assert "<code>demo.measure.std</code>" in table and ">adu<" in table
    assert '<td class="text-end">11</td>' in table  # median
    states = [cell.split('data-state="')[1].split('"')[0] for cell in table.split('data-testid="spec-result"')[1:]]
    assert states == ["pass", "fail", "none"]  # minimum, design, stretch (no band=r measurement)
    assert 'data-testid="failing-blocking"' not in html
    assert reverse("qa:run-qa-csv", args=[run.pk]) in html


def test_a_failing_blocking_specification_is_announced(client_for, viewer):
    run = succeeded_run()
    metric = MetricFactory(name="demo.astrometric_residual", unit="mas")
    measure(run, metric, [12.0, 14.0, 13.0])
    SpecificationFactory(metric=metric, level="minimum", operator="<", threshold=10, blocking=True)

    html = unescape(page(client_for(viewer), run).content.decode())

    alert = html.split('data-testid="failing-blocking"')[1].split("</div>\n</div>")[0]
    assert "fails 1 blocking specification" in alert
    assert "demo.astrometric_residual median 13 >= 10.0 (minimum)" in alert


def test_specifications_restricted_to_other_releases_are_not_shown(client_for, viewer):
    run = succeeded_run(campaign=None)
    run.step.campaign.release = ReleaseFactory(version="v23.0.0")
    run.step.campaign.save()
    metric = MetricFactory(name="demo.measure.std")
    measure(run, metric, [1.0])
    SpecificationFactory(metric=metric, threshold=10, min_release=ReleaseFactory(version="v24.0.0"))

    response = page(client_for(viewer), run)

    assert response.context["rows"][0].cells == [("minimum", []), ("design", []), ("stretch", [])]


def test_histograms_are_counted_by_the_database_in_bins_not_shipped_as_values(client_for, viewer):
    run = succeeded_run()
    populate(run, 600)

    response = page(client_for(viewer), run)

    payloads = charts_of(response.content.decode())
    histograms = {key: value for key, value in payloads.items() if key.startswith("histogram-")}
    # Without ?metric=, the science metrics (the resources have their own charts), up to four.
    assert [h["layout"]["title"]["text"] for h in histograms.values()] == [
        "demo.measure.n_outliers",
        "demo.measure.std",
    ]
    for histogram in histograms.values():
        [bars] = histogram["data"]
        assert bars["type"] == "bar" and len(bars["x"]) == 30
        assert sum(bars["y"]) == 100  # 600 values over 6 metrics


def test_a_chosen_metric_gets_its_histogram_and_breakdown(client_for, viewer):
    run = succeeded_run()
    populate(run, 600)

    response = page(client_for(viewer), run, metric="resources.measure.max_rss", tag="band")

    payloads = charts_of(response.content.decode())
    assert [key for key in payloads if key.startswith("histogram-")] == [
        f"histogram-{response.context['chosen'].metric.pk}"
    ]
    box = payloads["breakdown"]["data"][0]
    assert box["type"] == "box" and box["x"] == ["g", "i", "r"]
    # Boxes from quantiles: the 5th and 95th percentiles and the median, no raw points.
    assert set(box) >= {"q1", "median", "q3", "lowerfence", "upperfence"} and "y" not in box
    assert all(low <= mid <= high for low, mid, high in zip(box["q1"], box["median"], box["q3"], strict=True))


def test_the_default_breakdown_is_a_detector_by_visit_heat_map(client_for, viewer):
    run = succeeded_run()
    populate(run, 600)

    response = page(client_for(viewer), run)

    heatmap = charts_of(response.content.decode())["breakdown"]["data"][0]
    assert heatmap["type"] == "heatmap"
    assert heatmap["y"] == ["0", "1", "2", "3", "4"]  # detectors in number order
    assert heatmap["x"] == ["1001", "1002", "1003", "1004"]
    assert len(heatmap["z"]) == 5 and all(len(row) == 4 for row in heatmap["z"])
    assert response.context["tag_keys"] == ["band", "detector", "instrument", "visit"]


def test_an_unknown_tag_or_metric_is_said_and_the_default_shown(client_for, viewer):
    run = succeeded_run()
    populate(run, 60)

    response = page(client_for(viewer), run, metric="demo.nothing", tag="tract")

    notices = response.context["notices"]
    assert "This run has no measurement of 'demo.nothing'." in notices
    assert any("has no tag tract" in notice for notice in notices)
    assert response.context["breakdown"].keys == ["detector", "visit"]


def test_resource_usage_is_a_box_per_task_from_quantiles(client_for, viewer):
    run = succeeded_run()
    populate(run, 600)

    payloads = charts_of(page(client_for(viewer), run).content.decode())

    run_time = payloads["resources-run-time"]["data"][0]
    memory = payloads["resources-max-rss"]["data"][0]
    assert run_time["type"] == "box" and run_time["x"] == ["calibrate", "measure"]
    assert memory["x"] == ["calibrate", "measure"]
    assert "y" not in run_time and len(run_time["median"]) == 2
    assert payloads["resources-max-rss"]["layout"]["yaxis"]["title"]["text"] == "value [MB]"


@pytest.mark.parametrize("user", ["viewer"])
def test_a_run_without_measurements_says_so(client_for, user, request):
    run = succeeded_run()

    response = page(client_for(request.getfixturevalue(user)), run)

    assert b'data-testid="no-measurements"' in response.content
    assert b'class="console-chart"' not in response.content


def test_an_unknown_run_is_not_found(client_for, viewer):
    assert client_for(viewer).get(reverse("qa:run-qa", args=[999_999])).status_code == 404


def test_the_page_costs_the_same_queries_and_size_for_100_and_10000_measurements(client_for, viewer):
    small, large = succeeded_run(), succeeded_run()
    populate(small, 100, seed=1)
    populate(large, 10_000, seed=2)
    SpecificationFactory(metric=MetricFactory(name="demo.measure.std"), threshold=10.2, blocking=True)
    SpecificationFactory(
        metric=MetricFactory(name="demo.measure.std"), level="stretch", threshold=9, tag_key="band", tag_value="r"
    )
    client = client_for(viewer)
    # The first request of a client reads what later ones have cached (content types), and the first view of
    # a run stores its statistics computed since the specifications were added (qa.run_statistics).
    page(client, small)
    page(client, large)

    sizes, queries = {}, {}
    for name, run in (("small", small), ("large", large)):
        with CaptureQueriesContext(connection) as captured:
            sizes[name] = len(page(client, run).content)
        queries[name] = len(captured)

    assert queries["small"] == queries["large"]
    assert abs(sizes["large"] - sizes["small"]) / sizes["small"] < 0.2, sizes


def test_the_csv_export_is_the_metric_table_with_formulas_neutralised(client_for, viewer):
    run = succeeded_run()
    metric = MetricFactory(name="demo.measure.std", unit='=HYPERLINK("http://evil")')
    measure(run, metric, [-3.0, -2.0, -1.0])
    SpecificationFactory(metric=metric, level="design", operator="<", threshold=0, blocking=True)

    response = client_for(viewer).get(reverse("qa:run-qa-csv", args=[run.pk]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="run-{run.pk}-qa.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "metric",
        "unit",
        "count",
        "mean",
        "min",
        "p05",
        "median",
        "p95",
        "max",
        "minimum",
        "design",
        "stretch",
    ]
    assert rows[1][:3] == ["demo.measure.std", '\'=HYPERLINK("http://evil")', "3"]
    assert rows[1][6] == "-2.0"  # numbers stay numbers, negative ones included
    assert rows[1][9:] == ["", "pass (blocking)", ""]


def test_the_list_of_runs_says_how_many_measurements_each_has(client_for, viewer):
    measured, empty = succeeded_run(), succeeded_run()
    populate(measured, 240)

    page_html = client_for(viewer).get(reverse("qa:run-list")).content.decode()

    counts = [int(cell) for cell in re.findall(r'data-testid="run-measurements">(\d+)<', page_html)]
    assert sorted(counts) == [0, 240]
    assert f"QA of #{measured.pk}" in page_html and f"QA of #{empty.pk}" in page_html
