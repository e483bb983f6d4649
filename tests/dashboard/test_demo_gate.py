"""The demo's first successful run of DP0.2 is blocked by the QA gate on purpose, and the campaign page says why and
what a person does next: waive it with the decision the demo provides, or run again."""

from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services import submission_record_external_run
from committee.models import Decision
from dashboard.demo import DEMO_CAMPAIGN, DEMO_WAIVER_DECISION, load_demo
from qa.choices import GateState
from qa.ingest import measurements_ingest
from qa.services import step_accept, step_gate, waiver_grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    load_demo()
    return Campaign.objects.get(name=DEMO_CAMPAIGN)


def first_run(campaign):
    now = timezone.now()
    return submission_record_external_run(
        actor=User.objects.get(username="operator"),
        step=campaign.steps.get(),
        idempotency_key="first-dp02-run",
        started_at=now - timedelta(minutes=5),
        ended_at=now,
        run_collection="u/operator/dp02-demo/all/submission-1",
        task_counts={"measure": {"expected": 8, "succeeded": 8, "failed": 0, "blocked": 0}},
    )


def test_the_campaign_page_explains_the_blocked_gate(client_for, viewer, demo):
    decision = Decision.objects.get(title=DEMO_WAIVER_DECISION)

    page = unescape(client_for(viewer).get(demo.get_absolute_url()).content.decode())

    note = page.split('data-testid="demo-gate-note"')[1].split("</section>")[0]
    assert "blocks the first successful run on purpose" in page
    assert "median <= 12.0 adu" in note and "about 23 adu" in note
    assert "Waive it with a decision" in note and f"decision #{decision.pk}</a>" in note
    assert "Or run again" in note
    assert page.index('id="qa-gate"') < page.index('id="demo-gate-note"')  # below the gate it explains
    drill = Campaign.objects.get(name="Failure drill")
    assert "demo-gate-note" not in client_for(viewer).get(drill.get_absolute_url()).content.decode()


def test_the_first_run_waits_for_its_metrics_then_fails_and_a_waiver_lets_it_through(demo):
    lead = User.objects.get(username="lead")
    run = first_run(demo)
    step = run.step

    assert step_gate(step).state == GateState.WAITING_FOR_METRICS
    rows = [
        {"metric": "demo.measure.std", "value": value, "tags": {"visit": 1001, "detector": n}}
        for n, value in enumerate([16.8, 17.7, 22.3, 22.8, 23.6, 23.7, 23.8, 29.7])
    ]
    measurements_ingest(submission=run, rows=rows, source="test")

    gate = step_gate(step)
    assert gate.state == GateState.FAILING
    assert [result.verdict for result in gate.failing] == ["demo.measure.std median 23.2 > 12.0 (minimum)"]

    decision = Decision.objects.get(title=DEMO_WAIVER_DECISION)
    waiver_grant(actor=lead, step=step, reason="The demo's noise, as the policy allows", decision=decision)
    assert step_gate(step).state == GateState.WAIVED
    step_accept(actor=lead, step=step)
    step.refresh_from_db()
    assert step.accepted_submission == run


def test_the_waiver_form_offers_the_demo_decision(client_for, task_force_lead, demo):
    run = first_run(demo)
    measurements_ingest(submission=run, rows=[{"metric": "demo.measure.std", "value": 23.0, "tags": {}}], source="test")

    html = unescape(client_for(task_force_lead).get(reverse("qa:campaign-gate", args=[demo.pk])).content.decode())

    assert 'data-state="failing"' in html
    assert DEMO_WAIVER_DECISION in html.split('data-testid="waiver-form"')[1]
