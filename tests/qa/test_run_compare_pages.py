"""Two runs compared: the change of each metric's median and percentiles, flagged when a specification
changes state or the median moves beyond the tolerance; what differs between the runs' definitions."""

import csv
import io
from html import unescape

import pytest
from django.urls import reverse

from tests.campaigns.factories import CampaignFactory
from tests.qa.factories import MetricFactory, SpecificationFactory, measure, succeeded_run
from tests.releases.factories import BackportRequestFactory, SupportedReleaseFactory

pytestmark = pytest.mark.django_db
COMPARE_URL = reverse("qa:run-compare")


@pytest.fixture
def two_runs():
    """The same dataset on v23.0.0 and on its patch v23.0.1, which ships one more backport."""
    base = SupportedReleaseFactory(version="v23.0.0")
    patch = SupportedReleaseFactory(version="v23.0.1", base_release=base)
    BackportRequestFactory(rfc_id="RFC-801", target_release=base, status="shipped", shipped_in=base)
    BackportRequestFactory(
        rfc_id="RFC-812", title="Fix the PSF model", target_release=base, status="shipped", shipped_in=patch
    )
    a = succeeded_run(CampaignFactory(name="RC2 on v23.0.0", release=base, data_query="visit < 3"))
    b = succeeded_run(CampaignFactory(name="RC2 on v23.0.1", release=patch, data_query="visit < 4"))
    a.bps_config = "pipelineYaml: demo.yaml\nrequestMemory: 2048\n"
    b.bps_config = "pipelineYaml: demo.yaml\nrequestMemory: 4096\n"
    a.save()
    b.save()

    std = MetricFactory(name="demo.measure.std", unit="adu")  # lower is better
    measure(a, std, [9.0, 9.5, 10.0])
    measure(b, std, [10.0, 10.5, 11.0])  # the median moves from 9.5 to 10.5: +10.5 %, past design <= 10
    SpecificationFactory(metric=std, level="design", operator="<=", threshold=10)
    steady = MetricFactory(name="demo.measure.mean", unit="adu")
    measure(a, steady, [1.0, 2.0, 3.0])
    measure(b, steady, [1.0, 2.04, 3.0])  # +2 %: within the default tolerance
    completeness = MetricFactory(name="demo.completeness", unit="", higher_is_better=True)
    measure(a, completeness, [0.90])
    measure(b, completeness, [0.99])  # +10 %, better
    return a, b


def compared(client, a, b, **query):
    response = client.get(COMPARE_URL, {"a": a.pk, "b": b.pk, **query})
    assert response.status_code == 200
    return response, {row["name"]: row for row in response.context["rows"]}


def test_a_specification_changing_state_and_a_change_beyond_tolerance_are_flagged(client_for, viewer, two_runs):
    a, b = two_runs

    response, rows = compared(client_for(viewer), a, b)

    std = rows["demo.measure.std"]
    assert std["median_a"] == 9.5 and std["median_b"] == 10.5
    assert std["median_abs"] == pytest.approx(1.0) and std["median_rel"] == pytest.approx(1 / 9.5)
    assert [str(change) for change in std["spec_changes"]] == ["design median <= 10: pass → fail"]
    assert std["flagged"] and std["beyond_tolerance"] and std["worse"] and std["regressed"]
    assert not rows["demo.measure.mean"]["flagged"]
    better = rows["demo.completeness"]
    assert better["flagged"] and better["beyond_tolerance"] and not better["worse"] and not better["regressed"]
    html = unescape(response.content.decode())
    assert 'data-metric="demo.measure.std" data-flagged="true" class="table-danger"' in html
    assert 'data-metric="demo.measure.mean" data-flagged="false"' in html
    assert "+10.00 %" in html and "2 of 3 metrics flagged" in html  # 1.0 of the threshold 10


def test_the_tolerance_is_chosen_on_the_page(client_for, viewer, two_runs):
    a, b = two_runs

    _response, rows = compared(client_for(viewer), a, b, tolerance="1")
    assert rows["demo.measure.mean"]["flagged"]

    _response, rows = compared(client_for(viewer), a, b, tolerance="20")
    assert not rows["demo.completeness"]["flagged"]
    assert rows["demo.measure.std"]["flagged"]  # the specification still changes state
    assert not rows["demo.measure.std"]["beyond_tolerance"]


def test_what_differs_between_the_definitions_is_shown(client_for, viewer, two_runs):
    a, b = two_runs

    response, _rows = compared(client_for(viewer), a, b)

    definitions = response.context["definitions"]
    assert (definitions["release_a"].version, definitions["release_b"].version) == ("v23.0.0", "v23.0.1")
    assert [bp.rfc_id for bp in definitions["backports_only_b"]] == ["RFC-812"]
    assert [bp.rfc_id for bp in definitions["backports_both"]] == ["RFC-801"]
    assert definitions["backports_only_a"] == []
    assert {row["field"] for row in definitions["campaign_rows"]} == {"release", "data_query"}
    assert ("removed", "-requestMemory: 2048") in definitions["config_diff"]
    assert ("added", "+requestMemory: 4096") in definitions["config_diff"]
    html = unescape(response.content.decode())
    assert "RFC-812</a> Fix the PSF model" in html.split('data-testid="backports-only-b"')[1]


def test_runs_of_the_same_campaign_say_so(client_for, viewer):
    first = succeeded_run()
    second = succeeded_run(first.step.campaign)

    response, rows = compared(client_for(viewer), first, second)

    assert rows == {}
    assert response.context["definitions"]["same_campaign"]
    assert response.context["definitions"]["config_diff"] == []


def test_without_two_runs_the_page_is_the_form(client_for, viewer, two_runs):
    client = client_for(viewer)

    response = client.get(COMPARE_URL)
    assert response.status_code == 200 and "rows" not in response.context

    response = client.get(COMPARE_URL, {"a": two_runs[0].pk, "b": 999_999, "tolerance": "-1"})
    assert "rows" not in response.context
    errors = response.context["form_errors"]
    assert "Run B '999999': Select a valid choice" in errors and "Tolerance (%) '-1'" in errors


def test_one_run_chosen_from_its_page_is_filled_in_and_nothing_is_refused_yet(client_for, viewer, two_runs):
    response = client_for(viewer).get(COMPARE_URL, {"b": two_runs[1].pk})

    assert response.status_code == 200 and "rows" not in response.context
    assert response.context["form_errors"] == ""
    assert f'<option value="{two_runs[1].pk}" selected>' in response.content.decode()


def test_the_csv_export_neutralises_formulas_and_keeps_negative_numbers(client_for, viewer, two_runs):
    a, b = two_runs
    hostile = MetricFactory(name="demo.hostile", unit="@SUM(A1:A9)")
    measure(a, hostile, [2.0])
    measure(b, hostile, [1.0])

    response = client_for(viewer).get(reverse("qa:run-compare-csv"), {"a": a.pk, "b": b.pk})

    assert response["Content-Disposition"] == f'attachment; filename="compare-{a.pk}-{b.pk}.csv"'
    rows = {row[0]: row for row in csv.reader(io.StringIO(response.content.decode()))}
    header = rows["metric"]
    hostile_row = dict(zip(header, rows["demo.hostile"], strict=True))
    assert hostile_row["unit"] == "'@SUM(A1:A9)"
    assert hostile_row["median change"] == "-1.0" and hostile_row["median relative change"] == "-0.5"
    std = dict(zip(header, rows["demo.measure.std"], strict=True))
    assert std["flagged"] == "true" and std["specification changes"] == "design median <= 10: pass → fail"


def test_the_csv_export_without_runs_goes_back_to_the_form(client_for, viewer):
    response = client_for(viewer).get(reverse("qa:run-compare-csv"), follow=True)

    assert response.redirect_chain[-1][0] == COMPARE_URL
    assert "Choose two runs to compare." in response.content.decode()
