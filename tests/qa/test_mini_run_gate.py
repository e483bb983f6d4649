"""The QA gate of a mini run (issue 15): it shows how the runs fare, but nothing of it is accepted or waived, in
the services, the API and the page alike."""

from html import unescape

import pytest
from django.urls import reverse

from campaigns.choices import CampaignKind
from console.errors import Conflict
from qa.models import Waiver
from qa.services import step_accept, waiver_grant
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import DecisionFactory
from tests.qa.factories import MetricFactory, SpecificationFactory, measure, succeeded_run
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db

REFUSED = "DP0.2 mini is a mini run: its steps are never accepted as production."


@pytest.fixture
def mini_run_run():
    """A passing run of a mini run on a weekly build."""
    campaign = CampaignFactory(
        name="DP0.2 mini", kind=CampaignKind.MINI_RUN, release=ReleaseFactory(version="w.2021.28")
    )
    run = succeeded_run(campaign)
    metric = MetricFactory(name="demo.astrometric_residual", unit="mas")
    measure(run, metric, [7.0, 8.0, 9.0])
    SpecificationFactory(metric=metric, level="minimum", operator="<", threshold=10, blocking=True)
    return run


def test_the_service_refuses_to_accept_a_mini_runs_passing_step(task_force_lead, mini_run_run):
    step = mini_run_run.step

    with pytest.raises(Conflict) as refused:
        step_accept(actor=task_force_lead, step=step)

    assert str(refused.value) == REFUSED
    step.refresh_from_db()
    assert step.accepted_at is None


def test_the_service_refuses_a_waiver_for_a_mini_run(task_force_lead, mini_run_run):
    decision = DecisionFactory(kind="qa-tooling", status="endorsed", campaigns=[mini_run_run.step.campaign])

    with pytest.raises(Conflict, match="is a mini run: its steps are never accepted as production. A waiver"):
        waiver_grant(actor=task_force_lead, step=mini_run_run.step, reason="r", decision=decision)

    assert not Waiver.objects.exists()


def test_the_api_answers_409_naming_the_mini_run(client_for, task_force_lead, mini_run_run):
    response = client_for(task_force_lead).post(
        reverse("api:step-accept", args=[mini_run_run.step.pk]), content_type="application/json"
    )

    assert response.status_code == 409
    assert REFUSED in response.content.decode()


def test_the_gate_shows_the_result_but_no_button_for_a_mini_run(client_for, task_force_lead, mini_run_run):
    campaign = mini_run_run.step.campaign

    response = client_for(task_force_lead).get(reverse("qa:campaign-gate", args=[campaign.pk]))

    html = unescape(response.content.decode())
    assert 'data-state="passing"' in html
    assert f'data-testid="gate-mini-run">{REFUSED}' in html
    assert 'data-testid="accept-form"' not in html
    assert 'data-testid="waiver-form"' not in html


def test_the_run_pages_mark_a_mini_run(client_for, viewer, mini_run_run):
    client = client_for(viewer)

    run_page = client.get(reverse("qa:run-qa", args=[mini_run_run.pk])).content.decode()
    run_list = client.get(reverse("qa:run-list")).content.decode()

    assert 'data-testid="mini-run-badge"' in run_page
    assert 'data-testid="mini-run-badge"' in run_list
