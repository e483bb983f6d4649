"""The QA gate: a step is accepted only when its run passes every blocking specification, or a waiver allows it."""

import pytest

from console.errors import Conflict, NotPermitted
from console.models import AuditEvent
from qa.models import Waiver
from qa.services import step_accept, waiver_grant
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


def test_it_refuses_acceptance_while_a_blocking_spec_fails(task_force_lead, failing_run):
    step = failing_run.step

    with pytest.raises(Conflict, match=r"(?s)fails blocking specifications.*residual median 13 >= 10.0 \(minimum\)"):
        step_accept(actor=task_force_lead, step=step)

    step.refresh_from_db()
    assert step.accepted_at is None


def test_a_waiver_backed_by_an_approved_decision_allows_acceptance(task_force_lead, failing_run):
    step = failing_run.step
    decision = DecisionFactory(
        kind="campaign-policy",
        status="endorsed",
        title="Accept RC6 step1 despite astrometry",
        campaigns=[step.campaign],
    )

    waiver = waiver_grant(actor=task_force_lead, step=step, reason="Known reference-catalog gap", decision=decision)
    accepted = step_accept(actor=task_force_lead, step=step)

    assert waiver.submission == failing_run
    assert accepted.accepted_submission == failing_run
    event = AuditEvent.objects.get(action="step.accepted")
    assert event.after["waiver"] == waiver.pk
    assert event.after["failing_blocking_specs"] == ["demo.astrometric_residual median < 10.0 (minimum)"]


def test_a_waiver_needs_an_approved_decision(task_force_lead, failing_run):
    open_decision = DecisionFactory(status="open")

    with pytest.raises(Conflict, match=r"is open; only a decision in effect \(approved and endorsed\) allows"):
        waiver_grant(actor=task_force_lead, step=failing_run.step, reason="r", decision=open_decision)

    assert not Waiver.objects.exists()


def test_a_passing_run_is_accepted_and_completes_the_campaign_acceptance(task_force_lead):
    run = succeeded_run()
    campaign = run.step.campaign
    campaign.status = "completed"
    campaign.save()
    metric = MetricFactory(name="demo.ok")
    measure(run, metric, [1.0])
    SpecificationFactory(metric=metric, threshold=10, blocking=True)

    step_accept(actor=task_force_lead, step=run.step)

    campaign.refresh_from_db()
    assert campaign.status == "accepted"


def test_only_the_lead_accepts_steps(operator, failing_run):
    with pytest.raises(NotPermitted):
        step_accept(actor=operator, step=failing_run.step)


def test_a_step_without_a_successful_run_cannot_be_accepted(task_force_lead, failing_run):
    failing_run.status = "failed"
    failing_run.save()

    with pytest.raises(Conflict, match="has no successful run"):
        step_accept(actor=task_force_lead, step=failing_run.step)


def test_a_blocking_spec_with_no_measurements_to_judge_blocks_acceptance(task_force_lead):
    run = succeeded_run()
    measure(run, MetricFactory(name="demo.other"), [1.0])
    SpecificationFactory(metric=MetricFactory(name="demo.never_measured"), threshold=10, blocking=True)

    with pytest.raises(Conflict, match="demo.never_measured median < 10.0 .*no measurements to judge"):
        step_accept(actor=task_force_lead, step=run.step)
