"""The comparison measures a change in units of the metric's scale, which stays meaningful near zero: the threshold
of its specification, else the spread of its values, else A's value; and it says which."""

import json
from html import unescape

import pytest
from django.urls import reverse

from qa.charts import median_changes
from qa.compare import change_scale
from tests.qa.factories import MetricFactory, SpecificationFactory, measure, succeeded_run

pytestmark = pytest.mark.django_db
COMPARE_URL = reverse("qa:run-compare")


@pytest.fixture
def runs():
    """Two runs of the demo's metrics: a mean about 0 that moves a little, a noise judged against 12 adu."""
    a, b = succeeded_run(), succeeded_run()
    mean = MetricFactory(name="demo.measure.mean", unit="adu")
    measure(a, mean, [-0.06, -0.01, 0.003, 0.02, 0.07])  # median 0.003, 5th-95th percentile spread 0.11
    measure(b, mean, [-0.07, -0.02, -0.0027, 0.01, 0.06])  # median -0.0027: -190 % of A's
    noise = MetricFactory(name="demo.measure.std", unit="adu")
    SpecificationFactory(metric=noise, level="minimum", operator="<=", threshold=12.0, blocking=True)
    SpecificationFactory(metric=noise, level="design", operator="<=", threshold=10.0)
    measure(a, noise, [9.0, 9.5, 10.0])
    measure(b, noise, [9.6, 10.1, 10.6])  # +0.6 adu: 5 % of the blocking threshold 12
    return a, b


def compared(client, a, b, **query):
    response = client.get(COMPARE_URL, {"a": a.pk, "b": b.pk, **query})
    assert response.status_code == 200
    return response, {row["name"]: row for row in response.context["rows"]}


def test_a_metric_near_zero_gets_a_bounded_change_in_units_of_its_spread(client_for, viewer, runs):
    response, rows = compared(client_for(viewer), *runs)

    mean = rows["demo.measure.mean"]
    assert mean["median_rel"] == pytest.approx(-1.9)  # what the page used to show: "-190 %"
    assert mean["scale"].basis == "spread"
    assert mean["median_scaled"] == pytest.approx(-0.0057 / mean["scale"].value)
    assert abs(mean["median_scaled"]) < 0.1  # about 5 % of the spread: a small move, not -190 %
    html = unescape(response.content.decode())
    cell = html.split('data-metric="demo.measure.mean"')[1].split('data-testid="median-change"')[1].split("</td>")[0]
    assert "of spread" in cell and "-190" not in cell


def test_a_metric_with_a_specification_is_measured_in_its_threshold(client_for, viewer, runs):
    _response, rows = compared(client_for(viewer), *runs)

    noise = rows["demo.measure.std"]
    assert (noise["scale"].basis, noise["scale"].value) == ("threshold", 12.0)  # the blocking one
    assert noise["scale"].label == "the threshold 12 of median <= 12 (minimum)"
    assert noise["median_scaled"] == pytest.approx(0.05)
    assert noise["shown"]["median"]["scaled"] == "+5.00 %"


def test_without_a_threshold_or_a_spread_the_change_is_relative_to_a():
    assert change_scale([], {"median": 0.9, "p05": 0.9, "p95": 0.9}, {"median": 0.99, "p05": 0.99, "p95": 0.99}) == (
        change_scale([], {"median": 0.9, "p05": 0.9, "p95": 0.9}, None)
    )
    scale = change_scale([], {"median": 0.9, "p05": 0.9, "p95": 0.9}, None)
    assert (scale.basis, scale.value) == ("magnitude", 0.9)
    assert change_scale([], {"median": 0.0, "p05": 0.0, "p95": 0.0}, None) is None


def test_the_page_and_the_chart_say_which_measure_they_use(client_for, viewer, runs):
    response, rows = compared(client_for(viewer), *runs)

    html = unescape(response.content.decode())
    assert "in percent of the metric's scale, not of A's value" in html
    assert "the threshold of its specification; else the spread of its values in A" in html
    chart = json.loads(median_changes(list(rows.values())))
    assert "in % of each metric's scale" in chart["layout"]["title"]["text"]
    assert "threshold" in chart["layout"]["xaxis"]["title"]["text"]
    bars = dict(zip(chart["data"][0]["y"], chart["data"][0]["x"], strict=True))
    assert bars["demo.measure.std"] == pytest.approx(5.0)
    assert abs(bars["demo.measure.mean"]) < 10  # not -190
    assert dict(zip(chart["data"][0]["y"], chart["data"][0]["text"], strict=True)) == {
        "demo.measure.mean": "of spread",
        "demo.measure.std": "of threshold",
    }


def test_the_csv_names_the_scale_of_each_metric(client_for, viewer, runs):
    response = client_for(viewer).get(reverse("qa:run-compare-csv"), {"a": runs[0].pk, "b": runs[1].pk})

    lines = response.content.decode().splitlines()
    header = lines[0].split(",")
    rows = {line.split(",")[0]: dict(zip(header, line.split(","), strict=True)) for line in lines[1:]}
    assert rows["demo.measure.std"]["change scale basis"] == "threshold"
    assert rows["demo.measure.mean"]["change scale basis"] == "spread"
    assert float(rows["demo.measure.std"]["median scaled change"]) == pytest.approx(0.05)
