"""Campaigns that run automatically (campaigns/services/automation.py), with nothing launched: the runs' ends are
recorded as the poller would record them (``submission_finish``), and each advance is called as beat calls it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.choices import ErrorAction, ErrorOrigin
from campaigns.models import Campaign, ErrorRule, ErrorType, StepGroup, Submission
from campaigns.services import (
    campaign_advance,
    campaign_automate,
    campaign_pause,
    campaign_resume,
    campaigns_advance,
    step_breakpoint_set,
    submission_finish,
    submission_restart,
)
from campaigns.services.dispatch import free_slots
from campaigns.workflow import RunState
from console.errors import Conflict
from console.models import AuditEvent
from console.roles import Role
from tests.console.factories import UserFactory

pytestmark = pytest.mark.django_db

INJECTED = "InjectedFailureError: Injected failure in measure for detector 2"


@pytest.fixture
def campaign(make_ready_campaign, dispatched, settings) -> Campaign:
    """Two steps: the first split into four groups over detectors, the second not split; at most two groups at
    once."""
    settings.CAMPAIGN_SITE_LIMITS = {}
    campaign = make_ready_campaign(
        "DP0.2 automatic",
        steps=[{"name": "detectors", "pipeline_subset": "#perDetector"}, {"name": "visits", "depends_on": "detectors"}],
        max_running_groups=2,
    )
    step = campaign.steps.get(name="detectors")
    for position in range(4):
        StepGroup.objects.create(
            step=step, name=f"detector-{position}", position=position, data_query=f"detector = {position}"
        )
    return campaign


@pytest.fixture
def injected_rule(db) -> ErrorRule:
    error_type = ErrorType.objects.create(name="Injected (test)", origin=ErrorOrigin.PIPELINE)
    return ErrorRule.objects.create(
        name="injected failure: retry twice",
        position=1,
        message_pattern="InjectedFailureError",
        error_type=error_type,
        action=ErrorAction.RETRY,
        max_retries=2,
        retry_after_seconds=30,
    )


def end(submission: Submission, state: str, *, failures=(), now=None) -> Submission:
    """The run ends as the poller finds it (it was launched first)."""
    Submission.objects.filter(pk=submission.pk).update(status="running", started_at=timezone.now())
    counts = {"measure": {"expected": 2, "succeeded": 2 if state == "succeeded" else 1, "failed": int(bool(failures))}}
    submission_finish(
        submission_id=submission.pk,
        state=RunState(state, counts, list(failures), run_collection=submission.run_collection),
        now=now or timezone.now(),
    )
    submission.refresh_from_db()
    return submission


def active(campaign: Campaign) -> list[Submission]:
    return list(
        Submission.objects.filter(step__campaign=campaign, status="pending").select_related("group").order_by("pk")
    )


def test_run_automatically_submits_groups_up_to_the_campaign_limit_and_more_as_they_end(campaign, operator):
    campaign_automate(actor=operator, campaign=campaign, on=True)
    campaign_advance(campaign_id=campaign.pk)

    first = active(campaign)
    assert [s.group.name for s in first] == ["detector-0", "detector-1"]
    assert "detector = 0" in first[0].bps_config
    assert first[0].run_collection.endswith(f"/detectors/detector-0/submission-{first[0].pk}")
    campaign.refresh_from_db()
    assert campaign.status == "running"
    audit = AuditEvent.objects.filter(action="submission.requested", object_id=str(first[0].pk)).get()
    assert audit.after["automatic"] is True and audit.actor == operator

    # Nothing more while both slots are taken.
    assert campaign_advance(campaign_id=campaign.pk).submitted == 0
    end(first[0], "succeeded")
    assert campaign_advance(campaign_id=campaign.pk).submitted == 1
    assert [s.group.name for s in active(campaign)] == ["detector-1", "detector-2"]


def test_the_next_step_starts_by_itself_with_the_groups_outputs_as_its_inputs(campaign, operator):
    campaign_automate(actor=operator, campaign=campaign, on=True)
    for _ in range(2):  # two groups at a time
        campaign_advance(campaign_id=campaign.pk)
        for submission in active(campaign):
            end(submission, "succeeded")
    campaign_advance(campaign_id=campaign.pk)

    (visits,) = active(campaign)
    assert visits.step.name == "visits" and visits.group is None
    group_runs = Submission.objects.filter(step__name="detectors").values_list("run_collection", flat=True)
    assert all(run in visits.bps_config for run in group_runs)
    end(visits, "succeeded")
    campaign.refresh_from_db()
    assert campaign.status == "completed"


def test_a_failure_is_retried_by_its_rule_after_its_delay_then_held_when_its_tries_are_spent(
    campaign, operator, injected_rule
):
    campaign_automate(actor=operator, campaign=campaign, on=True)
    campaign_advance(campaign_id=campaign.pk)
    first = active(campaign)[0]
    failed = end(first, "failed", failures=[{"task": "measure", "data_id": {"detector": 0}, "message": INJECTED}])
    assert failed.error_rule == injected_rule and failed.error_type.name == "Injected (test)"
    campaign.refresh_from_db()
    assert campaign.status == "running", "a failure does not fail a campaign that runs automatically"

    # Not before the rule's delay.
    assert campaign_advance(campaign_id=campaign.pk, now=failed.ended_at + timedelta(seconds=10)).retried == 0
    later = failed.ended_at + timedelta(seconds=31)
    assert campaign_advance(campaign_id=campaign.pk, now=later).retried == 1
    retry = Submission.objects.get(restarts=failed)
    assert retry.requested_by_rule == injected_rule and retry.attempt == 2
    audit = AuditEvent.objects.get(action="submission.restart-requested", object_id=str(retry.pk))
    assert audit.after["rule"] == injected_rule.name and audit.after["automatic"] is True

    second = end(retry, "failed", failures=[{"task": "measure", "message": INJECTED}], now=later)
    campaign_advance(campaign_id=campaign.pk, now=later + timedelta(minutes=1))
    third = Submission.objects.get(restarts=second)
    end(third, "failed", failures=[{"task": "measure", "message": INJECTED}], now=later)
    advance = campaign_advance(campaign_id=campaign.pk, now=later + timedelta(minutes=2))

    assert advance.held == 1 and not Submission.objects.filter(restarts=third).exists()
    group = StepGroup.objects.get(pk=first.group_id)
    assert group.is_held and "tried 2 time(s)" in group.held_reason
    held = AuditEvent.objects.get(action="group.held")
    assert held.actor_name == "automation" and held.after["rule"] == injected_rule.name

    # A person restarts the held group: the hold ends with it.
    submission_restart(actor=operator, submission=third)
    group.refresh_from_db()
    assert not group.is_held


def test_a_failure_no_rule_covers_holds_its_group_and_the_others_go_on(campaign, operator):
    campaign_automate(actor=operator, campaign=campaign, on=True)
    campaign_advance(campaign_id=campaign.pk)
    first, _second = active(campaign)
    end(first, "failed", failures=[{"task": "calibrate", "message": "ValueError: something nobody foresaw"}])

    advance = campaign_advance(campaign_id=campaign.pk)

    assert advance.held == 1 and advance.submitted == 1
    assert StepGroup.objects.get(pk=first.group_id).held_reason.startswith("no error rule covers")
    assert [s.group.name for s in active(campaign)] == ["detector-1", "detector-2"]
    campaign.refresh_from_db()
    assert campaign.status == "running"


def test_a_rule_that_fails_the_campaign_stops_it(campaign, operator, injected_rule):
    ErrorRule.objects.filter(pk=injected_rule.pk).update(action=ErrorAction.FAIL, max_retries=0)
    campaign_automate(actor=operator, campaign=campaign, on=True)
    campaign_advance(campaign_id=campaign.pk)
    end(active(campaign)[0], "failed", failures=[{"task": "measure", "message": INJECTED}])

    advance = campaign_advance(campaign_id=campaign.pk)

    campaign.refresh_from_db()
    assert campaign.status == "failed" and "injected failure: retry twice" in advance.stopped
    failed = AuditEvent.objects.get(action="campaign.failed")
    assert failed.after["automatic"] is True and failed.actor_name == "automation"


def test_a_breakpoint_pauses_before_its_step_and_resuming_goes_past_it(campaign, operator):
    step_breakpoint_set(actor=operator, step=campaign.steps.get(name="visits"), hold=True)
    campaign_automate(actor=operator, campaign=campaign, on=True)
    for _ in range(2):
        campaign_advance(campaign_id=campaign.pk)
        for submission in active(campaign):
            end(submission, "succeeded")

    advance = campaign_advance(campaign_id=campaign.pk)

    campaign.refresh_from_db()
    assert campaign.status == "paused" and "breakpoint" in advance.stopped and not active(campaign)
    campaign_resume(actor=operator, campaign=campaign)
    campaign_advance(campaign_id=campaign.pk)
    assert [s.step.name for s in active(campaign)] == ["visits"]
    assert campaign.steps.get(name="visits").hold_released_by == operator


def test_pausing_stops_every_automatic_act(campaign, operator):
    campaign_automate(actor=operator, campaign=campaign, on=True)
    campaign_pause(actor=operator, campaign=campaign)

    assert campaigns_advance()["campaigns"] == 0
    assert campaign_advance(campaign_id=campaign.pk).submitted == 0
    assert not active(campaign)


def test_the_automation_stops_when_its_owner_loses_the_role(campaign, operator):
    campaign_automate(actor=operator, campaign=campaign, on=True)
    operator.groups.clear()

    advance = campaign_advance(campaign_id=campaign.pk)

    campaign.refresh_from_db()
    assert campaign.status == "paused" and "may no longer" in advance.stopped and not active(campaign)


def test_turning_automation_on_is_refused_to_a_viewer_and_twice(campaign, operator):
    viewer = UserFactory(username="reader", roles=[Role.VIEWER])
    with pytest.raises(Exception, match="run campaigns automatically"):
        campaign_automate(actor=viewer, campaign=campaign, on=True)
    campaign_automate(actor=operator, campaign=campaign, on=True)
    with pytest.raises(Conflict, match="runs automatically already"):
        campaign_automate(actor=operator, campaign=campaign, on=True)


def test_free_slots_count_the_campaign_and_the_site(campaign, settings):
    settings.CAMPAIGN_SITE_LIMITS = {"parsl": 3}
    assert free_slots(campaign) == 2
    settings.CAMPAIGN_SITE_LIMITS = {"parsl": 1}
    assert free_slots(campaign) == 1
    Campaign.objects.filter(pk=campaign.pk).update(max_running_groups=None)
    campaign.refresh_from_db()
    settings.CAMPAIGN_SITE_LIMITS = {}
    assert free_slots(campaign) > 1000


def test_progress_counts_groups_and_steps_and_estimates_the_completion(campaign, operator, injected_rule):
    from campaigns.progress import automation_timeline, campaigns_progress

    campaign_automate(actor=operator, campaign=campaign, on=True)
    campaign_advance(campaign_id=campaign.pk)
    first, second = active(campaign)
    end(first, "succeeded")
    end(second, "failed", failures=[{"task": "measure", "message": INJECTED}])
    now = timezone.now() + timedelta(hours=1)

    progress = campaigns_progress([campaign.pk], now=now)[campaign.pk]

    # Four groups and the visits step: one done, one failed, three waiting.
    assert (progress.total, progress.done, progress.failed, progress.running, progress.held) == (5, 1, 1, 0, 0)
    assert progress.percent == 20
    # One unit in about an hour: the four left in about four more.
    assert abs((progress.estimated_completion - now) - timedelta(hours=4)) < timedelta(minutes=2)
    actions = [event.action for event in automation_timeline(campaign)]
    assert actions.count("submission.requested") == 2 and "campaign.automation-on" in actions


def test_the_campaign_page_offers_automation_to_an_operator_and_shows_its_acts(campaign, operator, client_for):
    client = client_for(operator)
    response = client.post(f"/campaigns/{campaign.pk}/automate/", {"on": "1"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.run_automatically and campaign.automation_by == operator
    campaign_advance(campaign_id=campaign.pk)
    visits = campaign.steps.get(name="visits")
    assert client.post(f"/campaigns/steps/{visits.pk}/breakpoint/", {"hold": "1"}).status_code == 302

    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()

    assert 'data-testid="automation-on"' in page and "Stop running automatically" in page
    assert page.count('data-testid="automatic-act"') >= 3  # on, two groups requested, the breakpoint
    assert "0 of 5 units done" in page and "hold before" in page


def test_a_viewer_sees_the_automation_card_without_its_actions(campaign, viewer, client_for):
    page = client_for(viewer).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert 'data-testid="automation"' in page and 'data-testid="automate-form"' not in page
    assert client_for(viewer).post(f"/campaigns/{campaign.pk}/automate/", {"on": "1"}).status_code == 403


def test_the_dashboard_shows_running_campaigns_with_their_progress(campaign, operator, client_for):
    campaign_automate(actor=operator, campaign=campaign, on=True)
    campaign_advance(campaign_id=campaign.pk)
    end(active(campaign)[0], "succeeded")

    page = client_for(operator).get("/").content.decode()

    assert 'data-testid="running-campaign"' in page and "1 of 5 done" in page and "automatic" in page


def test_only_a_held_group_of_an_automatic_campaign_waits_for_its_owner(campaign, operator, injected_rule):
    from dashboard.attention import attention_items

    campaign_automate(actor=operator, campaign=campaign, on=True)
    campaign_advance(campaign_id=campaign.pk)
    retried, unknown = active(campaign)
    end(retried, "failed", failures=[{"task": "measure", "message": INJECTED}])
    end(unknown, "failed", failures=[{"task": "measure", "message": "KeyError: 'psf'"}])
    campaign_advance(campaign_id=campaign.pk)

    items = [item for item in attention_items(operator, today=timezone.localdate()) if item.kind == "failed-run"]

    assert [item.title for item in items] == ["DP0.2 automatic / detectors / detector-1: attempt 1 failed"]
    assert items[0].detail.startswith("held for review: no error rule covers")


def test_an_out_of_memory_failure_is_submitted_again_with_more_memory_per_job(campaign, operator):
    import yaml

    memory = ErrorRule.objects.get(name="Out of memory")
    assert (memory.action, memory.memory_multiplier, memory.max_retries) == (ErrorAction.RETRY, 2.0, 2)
    campaign_automate(actor=operator, campaign=campaign, on=True)
    campaign_advance(campaign_id=campaign.pk)
    first = active(campaign)[0]
    failed = end(first, "failed", failures=[{"task": "calibrate", "message": "MemoryError: Unable to allocate"}])
    assert failed.error_rule == memory

    campaign_advance(campaign_id=campaign.pk, now=failed.ended_at + timedelta(seconds=1))

    again = Submission.objects.get(requested_by_rule=memory)
    assert again.group_id == failed.group_id and again.restarts is None, "a new graph, not a bps restart"
    assert yaml.safe_load(again.bps_config)["requestMemory"] == 2 * 2048
    second = end(again, "failed", failures=[{"task": "calibrate", "message": "MemoryError: Unable to allocate"}])
    campaign_advance(campaign_id=campaign.pk, now=second.ended_at + timedelta(seconds=1))
    third = Submission.objects.filter(requested_by_rule=memory).exclude(pk=again.pk).get()
    assert yaml.safe_load(third.bps_config)["requestMemory"] == 4 * 2048


def test_a_rule_that_restarts_the_group_submits_it_afresh(campaign, operator, injected_rule):
    ErrorRule.objects.filter(pk=injected_rule.pk).update(action=ErrorAction.RESTART_GROUP, retry_after_seconds=0)
    campaign_automate(actor=operator, campaign=campaign, on=True)
    campaign_advance(campaign_id=campaign.pk)
    failed = end(active(campaign)[0], "failed", failures=[{"task": "measure", "message": INJECTED}])

    assert campaign_advance(campaign_id=campaign.pk).retried == 1

    again = Submission.objects.get(requested_by_rule=injected_rule)
    assert again.restarts is None and again.group_id == failed.group_id and again.attempt == 1
    assert again.run_collection != failed.run_collection


def test_a_released_group_is_restarted_and_gets_one_more_try(campaign, operator, injected_rule):
    from campaigns.services.groups import group_release

    ErrorRule.objects.filter(pk=injected_rule.pk).update(action=ErrorAction.HOLD, max_retries=0)
    campaign_automate(actor=operator, campaign=campaign, on=True)
    campaign_advance(campaign_id=campaign.pk)
    failed = end(active(campaign)[0], "failed", failures=[{"task": "measure", "message": INJECTED}])
    campaign_advance(campaign_id=campaign.pk)
    group = StepGroup.objects.get(pk=failed.group_id)
    assert group.is_held

    group_release(actor=operator, group=group)
    # Restarted within the campaign's limit, as any group: two more slots.
    Campaign.objects.filter(pk=campaign.pk).update(max_running_groups=4)
    campaign_advance(campaign_id=campaign.pk)

    again = Submission.objects.get(restarts=failed)
    assert again.status == "pending" and again.requested_by_rule is None
    audit = AuditEvent.objects.get(action="submission.restart-requested", object_id=str(again.pk))
    assert audit.after["automatic"] is True


def test_a_group_a_person_cancelled_is_held_not_restarted(campaign, operator):
    from campaigns.services import submission_cancel

    campaign_automate(actor=operator, campaign=campaign, on=True)
    campaign_advance(campaign_id=campaign.pk)
    cancelled = submission_cancel(actor=operator, submission=active(campaign)[0])

    campaign_advance(campaign_id=campaign.pk)

    group = StepGroup.objects.get(pk=cancelled.group_id)
    assert group.is_held and "was cancelled" in group.held_reason
    assert not Submission.objects.filter(restarts=cancelled).exists()


def test_a_campaign_whose_last_run_ended_while_paused_completes_when_resumed(campaign, operator):
    campaign_automate(actor=operator, campaign=campaign, on=True)
    for _ in range(2):
        campaign_advance(campaign_id=campaign.pk)
        for submission in active(campaign):
            end(submission, "succeeded")
    campaign_advance(campaign_id=campaign.pk)
    (visits,) = active(campaign)
    campaign_pause(actor=operator, campaign=campaign)
    Submission.objects.filter(pk=visits.pk).update(status="running")
    submission_finish(
        submission_id=visits.pk,
        state=RunState("succeeded", {"summarize": {"expected": 2, "succeeded": 2}}),
        now=timezone.now(),
    )
    campaign.refresh_from_db()
    assert campaign.status == "paused"

    campaign_resume(actor=operator, campaign=campaign)
    campaign_advance(campaign_id=campaign.pk)

    campaign.refresh_from_db()
    assert campaign.status == "completed"


def test_resuming_after_a_pause_by_hand_does_not_release_the_next_steps_breakpoint(campaign, operator):
    step_breakpoint_set(actor=operator, step=campaign.steps.get(name="visits"), hold=True)
    campaign_automate(actor=operator, campaign=campaign, on=True)
    for _ in range(2):
        campaign_advance(campaign_id=campaign.pk)
        for submission in active(campaign):
            end(submission, "succeeded")
    # Paused by hand once the first step is done: the breakpoint has not been reached.
    campaign_pause(actor=operator, campaign=campaign)
    campaign_resume(actor=operator, campaign=campaign)

    advance = campaign_advance(campaign_id=campaign.pk)

    assert "breakpoint" in advance.stopped and campaign.steps.get(name="visits").hold_released_at is None


def test_a_paused_campaigns_pending_submissions_are_not_claimed(campaign, operator, settings):
    from campaigns.services import submission_dispatch

    campaign_automate(actor=operator, campaign=campaign, on=True)
    campaign_advance(campaign_id=campaign.pk)
    pending = active(campaign)[0]
    campaign_pause(actor=operator, campaign=campaign)

    assert submission_dispatch(submission_id=pending.pk) is None
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_more_memory_multiplies_every_request_memory_of_the_configuration():
    import yaml

    from campaigns import bps_config

    template = "requestMemory: 4096\npipetask:\n  measure:\n    requestMemory: 8000\n  calibrate: {}\n"
    rendered = bps_config.render(
        template=template,
        overrides="",
        workflow_system="parsl",
        pipeline="demo.yaml",
        butler_repo="/repo",
        input_collections=["in"],
        data_query="",
        output_run="u/op/run",
        step_name="all",
        memory_factor=2.0,
    )
    config = yaml.safe_load(rendered)
    assert config["requestMemory"] == 8192 and config["pipetask"]["measure"]["requestMemory"] == 16000
    assert config["pipetask"]["calibrate"] == {}


def test_a_steps_overrides_may_not_set_what_the_console_sets_for_each_group(make_ready_campaign, dispatched):
    from console.errors import InvalidInput

    with pytest.raises(InvalidInput, match="set dataQuery, outputRun"):
        make_ready_campaign(
            "overrides", steps=[{"name": "all", "bps_overrides": "payload:\n  dataQuery: visit=1\n  outputRun: x\n"}]
        )


def test_a_split_step_is_accepted_only_when_every_group_succeeded(campaign, operator):
    from qa.services import step_accept

    lead = UserFactory(username="the-lead", roles=[Role.TASK_FORCE_LEAD])
    campaign_automate(actor=operator, campaign=campaign, on=True)
    campaign_advance(campaign_id=campaign.pk)
    end(active(campaign)[0], "succeeded")
    step = campaign.steps.get(name="detectors")

    with pytest.raises(Conflict, match="not every group has a successful run"):
        step_accept(actor=lead, step=step)


@pytest.mark.parametrize("raw", ["parsl", "parsl=0", "parsl=two", "=3"])
def test_a_bad_site_limit_stops_the_start_naming_the_variable(monkeypatch, raw):
    from django.core.exceptions import ImproperlyConfigured

    from console.env import env_limits

    monkeypatch.setenv("CAMPAIGN_SITE_LIMITS", raw)
    with pytest.raises(ImproperlyConfigured, match="CAMPAIGN_SITE_LIMITS"):
        env_limits("CAMPAIGN_SITE_LIMITS", {"parsl": 2})
    monkeypatch.setenv("CAMPAIGN_SITE_LIMITS", "parsl=4, htcondor=500")
    assert env_limits("CAMPAIGN_SITE_LIMITS", {}) == {"parsl": 4, "htcondor": 500}
