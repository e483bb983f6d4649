"""The QA gate on the campaign page: what blocks each step, and the lead's "Accept step" and "Record waiver"."""

from html import unescape

import pytest
from django.urls import reverse

from qa.models import Waiver
from tests.committee.factories import DecisionFactory
from tests.qa.factories import MetricFactory, SpecificationFactory, measure, succeeded_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_run():
    run = succeeded_run()
    metric = MetricFactory(name="demo.astrometric_residual", unit="mas")
    measure(run, metric, [12.0, 14.0, 13.0])
    SpecificationFactory(metric=metric, level="minimum", operator="<", threshold=10, blocking=True)
    SpecificationFactory(metric=metric, level="stretch", operator="<", threshold=5, blocking=False)
    return run


def gate(client, campaign) -> str:
    response = client.get(reverse("qa:campaign-gate", args=[campaign.pk]))
    assert response.status_code == 200
    return unescape(response.content.decode())


def accept(client, step, **options):
    return client.post(reverse("qa:step-accept", args=[step.pk]), **options)


def waive(client, step, decision, reason="Known reference-catalog gap", **options):
    return client.post(
        reverse("qa:waiver-grant", args=[step.pk]), {"reason": reason, "decision": decision.pk}, **options
    )


def test_the_campaign_page_loads_the_gate_and_links_each_succeeded_run_to_its_qa(client_for, viewer, failing_run):
    campaign = failing_run.step.campaign

    html = client_for(viewer).get(campaign.get_absolute_url()).content.decode()

    assert f'hx-get="{reverse("qa:campaign-gate", args=[campaign.pk])}" hx-trigger="load"' in html
    assert f'href="{reverse("qa:run-qa", args=[failing_run.pk])}" data-testid="submission-qa-link"' in html


def test_the_gate_shows_what_blocks_a_step_and_gives_the_lead_the_buttons(client_for, task_force_lead, failing_run):
    campaign = failing_run.step.campaign
    DecisionFactory(kind="qa-tooling", status="endorsed", title="Accept RC6 despite astrometry", campaigns=[campaign])
    DecisionFactory(kind="qa-tooling", status="open", title="Still voting", campaigns=[campaign])

    html = gate(client_for(task_force_lead), failing_run.step.campaign)

    step = html.split('data-testid="gate-step"')[1]
    assert 'data-state="failing"' in step
    assert "fails 1 of 1:" in step
    assert "demo.astrometric_residual median 13 >= 10.0 (minimum)" in step
    assert "stretch" not in step  # not blocking
    # Accepting is refused while it fails: the button is not offered, the waiver is.
    assert 'data-testid="accept-form"' not in step and 'data-testid="waiver-form"' in step
    assert "Accept RC6 despite astrometry (endorsed)" in step and "Still voting" not in step


def test_others_see_the_gate_without_buttons(client_for, operator, failing_run):
    html = gate(client_for(operator), failing_run.step.campaign)

    assert 'data-state="failing"' in html
    assert "accept-form" not in html and "waiver-form" not in html


def test_acceptance_is_refused_while_a_blocking_spec_fails_and_the_page_says_why(
    client_for, task_force_lead, failing_run
):
    step = failing_run.step

    response = accept(client_for(task_force_lead), step, follow=True)

    assert response.redirect_chain[-1][0] == f"{step.campaign.get_absolute_url()}#qa-gate"
    html = unescape(response.content.decode())
    assert "Step all not accepted. The run fails blocking specifications; record a waiver" in html
    assert "demo.astrometric_residual median 13 >= 10.0 (minimum)" in html
    step.refresh_from_db()
    assert step.accepted_at is None


def test_a_waiver_recorded_by_the_lead_allows_acceptance(client_for, task_force_lead, failing_run):
    step = failing_run.step
    decision = DecisionFactory(
        kind="campaign-policy", status="endorsed", title="Accept RC6 despite astrometry", campaigns=[step.campaign]
    )
    client = client_for(task_force_lead)

    response = waive(client, step, decision, follow=True)
    assert "Waiver recorded for step all" in unescape(response.content.decode())
    assert 'data-state="waived"' in gate(client, step.campaign)

    response = accept(client, step, follow=True)

    assert f"Step all accepted (run #{failing_run.pk})." in unescape(response.content.decode())
    step.refresh_from_db()
    assert step.accepted_submission == failing_run and step.accepted_by == task_force_lead
    accepted = gate(client, step.campaign)
    assert 'data-state="accepted"' in accepted
    assert "Accepted by lead" in accepted and "with a waiver: “Known reference-catalog gap”" in accepted
    assert f'href="{decision.get_absolute_url()}">decision #{decision.pk}</a>' in accepted
    assert "accept-form" not in accepted
    assert 'data-testid="step-accepted"' in client.get(step.campaign.get_absolute_url()).content.decode()


def test_only_the_lead_accepts_or_waives(client_for, operator, failing_run):
    step = failing_run.step
    decision = DecisionFactory(status="approved")
    client = client_for(operator)

    assert accept(client, step).status_code == 403
    assert waive(client, step, decision).status_code == 403

    assert not Waiver.objects.exists()
    step.refresh_from_db()
    assert step.accepted_at is None


def test_a_waiver_needs_a_reason_and_an_approved_decision(client_for, task_force_lead, failing_run):
    step = failing_run.step
    client = client_for(task_force_lead)

    response = waive(client, step, DecisionFactory(status="open"), follow=True)
    assert "is open; only a decision in effect (approved and endorsed) allows" in response.content.decode()

    response = waive(client, step, DecisionFactory(status="approved"), reason="", follow=True)
    assert "Reason &#x27;&#x27;: This field is required." in response.content.decode()

    assert not Waiver.objects.exists()


def test_a_passing_run_is_accepted_without_a_waiver(client_for, task_force_lead):
    run = succeeded_run()
    metric = MetricFactory(name="demo.ok")
    measure(run, metric, [1.0])
    SpecificationFactory(metric=metric, threshold=10, blocking=True)
    client = client_for(task_force_lead)
    assert 'data-state="passing"' in gate(client, run.step.campaign)

    accept(client, run.step)

    run.step.refresh_from_db()
    assert run.step.accepted_submission == run
    assert "Accepted by lead" in gate(client, run.step.campaign)


def test_a_step_without_a_successful_run_has_nothing_to_accept(client_for, task_force_lead, failing_run):
    failing_run.status = "failed"
    failing_run.save()

    html = gate(client_for(task_force_lead), failing_run.step.campaign)

    assert 'data-state="no-run"' in html and "accept-form" not in html
