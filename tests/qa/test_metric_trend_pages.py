"""A metric across runs: its median with the 5th-95th percentile band, by run end time or by release."""

import csv
import io
import json
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.campaigns.factories import CampaignFactory
from tests.qa.factories import MetricFactory, measure, succeeded_run
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db
TREND_URL = reverse("qa:metric-trend")


@pytest.fixture
def runs_on_releases():
    """Runs on v23.0.10, v23.0.2, v22.1.0 and v23.0.9, ending in that order (not the version order)."""
    metric = MetricFactory(name="demo.measure.std", unit="adu")
    now = timezone.now()
    runs = {}
    for days, version in enumerate(("v23.0.10", "v23.0.2", "v22.1.0", "v23.0.9")):
        campaign = CampaignFactory(name=f"RC2 on {version}", release=ReleaseFactory(version=version))
        run = run_ended(campaign, now - timedelta(days=10 - days))
        measure(run, metric, [1.0 + days, 2.0 + days, 3.0 + days])
        runs[version] = run
    return metric, runs


def run_ended(campaign, when):
    """A succeeded run of the campaign that ended at ``when``."""
    run = succeeded_run(campaign)
    run.ended_at = when
    run.save(update_fields=["ended_at"])
    return run


def chart(response) -> dict:
    body = response.content.decode().split('<script id="trend" type="application/json">')[1].split("</script>")[0]
    return json.loads(json.loads(unescape(body)))


def test_the_trend_by_release_is_in_version_order(client_for, viewer, runs_on_releases):
    metric, _runs = runs_on_releases

    response = client_for(viewer).get(TREND_URL, {"metric": metric.name, "by": "release"})

    assert response.status_code == 200
    order = ["v22.1.0", "v23.0.2", "v23.0.9", "v23.0.10"]
    assert [point["release"].version for point in response.context["points"]] == order
    figure = chart(response)
    assert figure["layout"]["xaxis"]["categoryarray"] == order
    assert figure["data"][0]["x"] == order
    assert figure["data"][0]["error_y"]["array"] == pytest.approx([0.9] * 4)  # p95 - median
    html = response.content.decode()
    assert [part.split('"')[0] for part in html.split('data-testid="trend-row" data-release="')[1:]] == order


def test_the_trend_by_time_is_in_run_order_with_a_band(client_for, viewer, runs_on_releases):
    metric, runs = runs_on_releases

    response = client_for(viewer).get(TREND_URL, {"metric": metric.name, "by": "time"})

    assert [point["run"] for point in response.context["points"]] == list(runs.values())
    upper, lower, median = chart(response)["data"]
    assert lower["fill"] == "tonexty" and median["y"] == [2.0, 3.0, 4.0, 5.0]
    assert upper["y"] == pytest.approx([2.9, 3.9, 4.9, 5.9])
    assert chart(response)["layout"]["xaxis"]["type"] == "date"


def test_the_trend_of_one_campaign(client_for, viewer, runs_on_releases):
    metric, runs = runs_on_releases
    campaign = runs["v23.0.2"].step.campaign
    again = run_ended(campaign, timezone.now())
    measure(again, metric, [7.0])

    response = client_for(viewer).get(TREND_URL, {"metric": metric.name, "campaign": campaign.pk})

    assert [point["run"] for point in response.context["points"]] == [runs["v23.0.2"], again]


def test_an_unknown_metric_is_refused_with_the_form(client_for, viewer):
    response = client_for(viewer).get(TREND_URL, {"metric": "demo.nothing"})

    assert response.status_code == 200
    assert "Metric 'demo.nothing': Select a valid choice" in response.context["form_errors"]
    assert "points" not in response.context


def test_the_csv_export_neutralises_formulas(client_for, viewer):
    metric = MetricFactory(name="demo.measure.std", unit="-1+1")
    run = succeeded_run(CampaignFactory(name="=cmd|' /C calc'!A0"))
    measure(run, metric, [-1.5])

    response = client_for(viewer).get(reverse("qa:metric-trend-csv"), {"metric": metric.name})

    assert response["Content-Disposition"] == 'attachment; filename="trend-demo.measure.std.csv"'
    header, row = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == ["run", "campaign", "step", "release", "ended at", "count", "p05", "median", "p95", "unit"]
    assert row[1] == "'=cmd|' /C calc'!A0" and row[9] == "'-1+1"
    assert row[7] == "-1.5"
