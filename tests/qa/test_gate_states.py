"""The QA gate's states say what they mean: a run whose metrics are not ingested yet is waiting for them, not
failing; a failing run shows each failing value against its threshold; a passing run passes; a run no blocking
specification applies to has nothing to judge."""

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from console.errors import Conflict
from qa.choices import GateState
from qa.gate import METRICS_INGEST_WAIT
from qa.services import step_accept, step_gate, waiver_grant
from tests.committee.factories import DecisionFactory
from tests.qa.factories import MetricFactory, SpecificationFactory, measure, succeeded_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def noise():
    """The demo's noise metric with its blocking minimum specification, median <= 12.0."""
    metric = MetricFactory(name="demo.measure.std", unit="adu")
    SpecificationFactory(metric=metric, level="minimum", operator="<=", threshold=12.0, blocking=True)
    return metric


def gate_html(client, campaign) -> str:
    response = client.get(reverse("qa:campaign-gate", args=[campaign.pk]))
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_a_run_that_just_succeeded_waits_for_its_metrics(client_for, task_force_lead, noise):
    run = succeeded_run()  # ended now, its output collection not read yet

    gate = step_gate(run.step)

    assert gate.state == GateState.WAITING_FOR_METRICS
    html = gate_html(client_for(task_force_lead), run.step.campaign)
    assert 'data-state="waiting-for-metrics"' in html
    assert "Waiting for metrics" in html and "Blocked by QA" not in html
    assert "its metrics are ingested after the run" in html and "This page updates." in html
    # The fragment refreshes itself while it waits; neither accepting nor waiving is offered.
    assert f'hx-get="{reverse("qa:campaign-gate", args=[run.step.campaign.pk])}" hx-trigger="every 10s"' in html
    assert "accept-form" not in html and "waiver-form" not in html


def test_acceptance_and_waivers_wait_for_the_metrics(task_force_lead, noise):
    run = succeeded_run()
    decision = DecisionFactory(kind="qa-tooling", status="endorsed", campaigns=[run.step.campaign])

    with pytest.raises(Conflict, match=f"The metrics of run #{run.pk} are not ingested yet"):
        step_accept(actor=task_force_lead, step=run.step)
    with pytest.raises(Conflict, match="not ingested yet"):
        waiver_grant(actor=task_force_lead, step=run.step, reason="Known noise", decision=decision)


def test_a_failing_run_shows_each_failing_value_against_its_threshold(client_for, task_force_lead, noise):
    run = succeeded_run()
    measure(run, noise, [14.0, 14.2, 15.0])

    gate = step_gate(run.step)

    assert gate.state == GateState.FAILING
    assert [result.verdict for result in gate.failing] == ["demo.measure.std median 14.2 > 12.0 (minimum)"]
    html = gate_html(client_for(task_force_lead), run.step.campaign)
    assert 'data-state="failing"' in html and "Blocked by QA" in html
    assert "demo.measure.std median 14.2 > 12.0 (minimum)" in html
    # Why it blocks, and what a person does next: a waiver citing a decision, or a new run.
    assert "Why it is blocked" in html and "What to do next" in html
    assert "records a waiver that cites an endorsed" in html and "run the step again" in html
    assert 'data-testid="waiver-form"' in html and "accept-form" not in html
    assert "hx-trigger" not in html.split('data-testid="qa-gate-body"')[1].split(">")[0]  # nothing to wait for


def test_a_run_still_without_metrics_long_after_its_end_fails_for_want_of_them(noise):
    run = succeeded_run(ended_at=timezone.now() - METRICS_INGEST_WAIT - timedelta(minutes=1))

    gate = step_gate(run.step)

    assert gate.state == GateState.FAILING
    assert [result.verdict for result in gate.failing] == [
        "demo.measure.std median <= 12.0 (minimum): no measurements to judge"
    ]


def test_a_run_the_console_never_reads_metrics_of_is_not_waited_for(noise):
    run = succeeded_run()
    run.run_collection = ""  # recorded without an output collection: nothing will ingest its metrics
    run.save(update_fields=["run_collection"])

    assert step_gate(run.step).state == GateState.FAILING


def test_a_passing_run_says_so_with_its_values(client_for, task_force_lead, noise):
    run = succeeded_run()
    measure(run, noise, [10.0, 11.0, 11.5])

    assert step_gate(run.step).state == GateState.PASSING
    html = gate_html(client_for(task_force_lead), run.step.campaign)
    assert 'data-state="passing"' in html and "QA passes" in html
    assert "demo.measure.std median 11 <= 12.0 (minimum)" in html
    assert 'data-testid="accept-form"' in html


def test_a_run_no_blocking_specification_applies_to_has_nothing_to_judge(client_for, task_force_lead):
    run = succeeded_run()
    SpecificationFactory(metric=MetricFactory(name="demo.other"), threshold=1.0, blocking=False)

    assert step_gate(run.step).state == GateState.NOT_APPLICABLE
    html = gate_html(client_for(task_force_lead), run.step.campaign)
    assert 'data-state="not-applicable"' in html and "there is nothing to judge" in html

    step_accept(actor=task_force_lead, step=run.step)
    run.step.refresh_from_db()
    assert run.step.accepted_submission == run


def test_the_gate_refreshes_itself_while_a_run_of_the_campaign_is_in_progress(client_for, viewer, noise):
    run = succeeded_run()
    measure(run, noise, [10.0])
    succeeded_run(run.step.campaign, status="running", ended_at=None)

    html = gate_html(client_for(viewer), run.step.campaign)

    assert 'data-state="passing"' in html
    assert 'hx-trigger="every 10s" hx-swap="outerHTML"' in html


def test_the_api_gives_the_gate_state_and_each_verdict(client_for, viewer, noise):
    run = succeeded_run()
    client = client_for(viewer)
    url = reverse("api:step-gate", args=[run.step.pk])

    waiting = client.get(url).json()
    assert (waiting["state"], waiting["submission"]) == ("waiting-for-metrics", run.pk)
    assert waiting["label"] == "Waiting for metrics"
    assert waiting["metrics_expected_until"] is not None and "not ingested yet" in waiting["refusal"]

    measure(run, noise, [14.0, 14.2, 15.0])
    failing = client.get(url).json()
    assert failing["state"] == "failing"
    assert failing["failing"] == ["demo.measure.std median 14.2 > 12.0 (minimum)"]
    assert failing["blocking"][0]["passed"] is False and failing["blocking"][0]["value"] == pytest.approx(14.2)
    assert client.get(reverse("api:step-gate", args=[999_999])).status_code == 404
