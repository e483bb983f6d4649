"""The dashboard's QA cards: runs failing blocking specifications, and regressions against the previous run
of the same step; both loaded by htmx, each in a number of queries that does not grow with the runs."""

from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qa.models import Waiver
from tests.committee.factories import DecisionFactory
from tests.qa.factories import MetricFactory, SpecificationFactory, measure, succeeded_run

pytestmark = pytest.mark.django_db
FAILING_URL = reverse("qa:dashboard-failing")
REGRESSIONS_URL = reverse("qa:dashboard-regressions")


def run_of(campaign=None, *, values, metric="demo.astrometric_residual", days_ago=0):
    run = succeeded_run(campaign)
    run.ended_at = timezone.now() - timedelta(days=days_ago)
    run.save(update_fields=["ended_at"])
    measure(run, MetricFactory(name=metric, unit="mas"), values)
    return run


@pytest.fixture
def blocking_spec():
    return SpecificationFactory(
        metric=MetricFactory(name="demo.astrometric_residual", unit="mas"),
        level="minimum",
        operator="<",
        threshold=10,
        blocking=True,
    )


def fragment(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_the_dashboard_loads_both_cards(client_for, viewer):
    html = client_for(viewer).get(reverse("dashboard:home")).content.decode()

    assert f'hx-get="{FAILING_URL}" hx-trigger="load"' in html
    assert f'hx-get="{REGRESSIONS_URL}" hx-trigger="load"' in html


def test_the_failing_card_lists_latest_unaccepted_runs_failing_a_blocking_spec(client_for, viewer, blocking_spec):
    failing = run_of(values=[12.0, 13.0])
    passing = run_of(values=[1.0])
    fixed = run_of(values=[15.0], days_ago=2)  # its step ran again since, and passes now
    run_of(fixed.step.campaign, values=[2.0])
    accepted = run_of(values=[20.0])
    accepted.step.accepted_at, accepted.step.accepted_submission = timezone.now(), accepted
    accepted.step.save()
    waived = run_of(values=[30.0])
    Waiver.objects.create(
        step=waived.step, submission=waived, reason="r", decision=DecisionFactory(status="endorsed"), granted_by=viewer
    )

    html = fragment(client_for(viewer), FAILING_URL)

    items = html.split('data-testid="failing-run"')[1:]
    assert len(items) == 2
    listed = "".join(items)
    assert f"run #{failing.pk}" in listed and f"run #{waived.pk}" in listed
    assert f"run #{passing.pk}" not in listed and f"run #{accepted.pk}" not in listed
    assert "demo.astrometric_residual median 12.5 >= 10.0 (minimum)" in listed
    assert "waiver recorded" in items[0]  # the newest first


def test_the_regressions_card_compares_each_step_with_its_previous_run(client_for, viewer, blocking_spec):
    worse = run_of(values=[9.0], days_ago=3)
    worse_again = run_of(worse.step.campaign, values=[9.8], days_ago=1)  # +8 % of the threshold, still passing
    broke = run_of(values=[9.0], days_ago=3)
    broke_now = run_of(broke.step.campaign, values=[11.0], days_ago=1)  # fails the spec now
    better = run_of(values=[9.0], days_ago=3)
    run_of(better.step.campaign, values=[5.0], days_ago=1)
    run_of(values=[50.0])  # a first run: nothing to compare with

    html = fragment(client_for(viewer), REGRESSIONS_URL)

    items = html.split('data-testid="regression"')[1:]
    assert len(items) == 2
    listed = "".join(items)
    assert f"run #{worse_again.pk} against #{worse.pk}" in listed
    assert f"?a={broke.pk}&b={broke_now.pk}" in listed
    assert "minimum median < 10: pass → fail" in listed
    assert "median +8.00 % of threshold" in listed  # 0.8 of the specification's threshold 10


@pytest.mark.parametrize("url", [FAILING_URL, REGRESSIONS_URL])
def test_the_cards_run_a_constant_number_of_queries(client_for, viewer, blocking_spec, url):
    SpecificationFactory(metric=blocking_spec.metric, level="stretch", threshold=1, tag_key="band", tag_value="r")
    client = client_for(viewer)
    client.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            fragment(client, url)
        return len(captured)

    for _ in range(2):
        first = run_of(values=[9.0], days_ago=2)
        run_of(first.step.campaign, values=[12.0], days_ago=1)
    few = queries()
    for _ in range(6):
        first = run_of(values=[9.0], days_ago=2)
        run_of(first.step.campaign, values=[12.0], days_ago=1)
    many = queries()

    assert few == many
