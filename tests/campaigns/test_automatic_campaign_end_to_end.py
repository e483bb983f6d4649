"""End to end with the real tools: a campaign of two steps, the first split into four groups over the detectors
(read from the demo Butler repository), runs automatically through the real `bps submit` with Parsl. One group
fails by the demo's failure switch; once the switch is removed its rule (the starting set's "Injected failure
(demo)": retry) restarts it with `bps restart`; the second step starts by itself when the first step's groups have
all succeeded; the data products are counted from the repository; the campaign completes with no act after "run
automatically" but the removal of the switch.

Needs the stack environment (`make stack`); CI (CONSOLE_TEST_SERVICES=required) turns a skip into a failure.
"""

import time
from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from campaigns.models import Campaign, ErrorRule, StepGroup, Submission
from campaigns.services import submissions_poll
from campaigns.services.groups import step_split
from campaigns.services.products import campaign_products_declare
from console.models import AuditEvent

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.stack]
RUN_TIMEOUT = 900


def cycle(now=None) -> None:
    """What beat runs every poll interval (the poll, then the campaigns' advance); what they enqueue runs at once."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        submissions_poll()
    with TestCase.captureOnCommitCallbacks(execute=True):
        from campaigns.services import campaigns_advance

        campaigns_advance(now=now)


def test_a_campaign_split_into_groups_runs_automatically_to_completion(
    demo_campaign, operator, client_for, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.CAMPAIGN_SITE_LIMITS = {"parsl": 2}
    marker = tmp_path / "FAIL"
    marker.touch()
    campaign = demo_campaign("e2e-automatic")
    # Two steps: calibrate and measure each detector (split by detector; the failure switch on), then summarize
    # each visit.
    campaign.steps.all().delete()
    detectors = campaign.steps.create(
        name="detectors",
        position=1,
        pipeline_subset="#perDetector",
        bps_overrides=f'extraQgraphOptions: "-c measure:fail_detectors=[2] -c measure:fail_marker={marker}"\n',
    )
    campaign.steps.create(name="visits", position=2, pipeline_subset="#summarize", depends_on=detectors)
    Campaign.objects.filter(pk=campaign.pk).update(
        max_running_groups=2, pipeline="resource://console_stack/pipelines/demo.yaml"
    )
    campaign.refresh_from_db()
    groups = step_split(actor=operator, step=detectors, mode="count", dimension="detector", count=4)
    assert [group.data_query for group in groups] == [f"detector IN ({n})" for n in range(4)]
    campaign_products_declare(
        actor=operator,
        campaign=campaign,
        products=[("demo_calexp", 8), ("demo_detector_stats", 8), ("demo_visit_summary", 2)],
    )
    rule = ErrorRule.objects.get(name__icontains="injected")

    client = client_for(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/campaigns/{campaign.pk}/automate/", {"on": True}, content_type="application/json"
        )
    assert response.status_code == 200, response.content
    acts_before = AuditEvent.objects.filter(actor=operator).count()

    deadline = time.monotonic() + RUN_TIMEOUT
    failed = None
    while time.monotonic() < deadline:
        cycle()
        campaign.refresh_from_db()
        if campaign.status in ("completed", "paused", "failed"):
            break
        failed = failed or Submission.objects.filter(step=detectors, status="failed").first()
        if failed is not None and marker.exists():
            # The fix is out: the rule's retry (after its delay) succeeds.
            marker.unlink()
            cycle(now=timezone.now() + timedelta(seconds=rule.retry_after_seconds + 1))
        time.sleep(2)

    assert campaign.status == "completed", (campaign.status, list(AuditEvent.objects.values_list("action", "after")))
    assert failed is not None and failed.group.data_query == "detector IN (2)"
    failed.refresh_from_db()
    assert failed.error_rule == rule and failed.error_type.name == rule.error_type.name
    retry = Submission.objects.get(restarts=failed)
    assert retry.status == "succeeded" and retry.requested_by_rule == rule and retry.submit_dir == failed.submit_dir
    assert not StepGroup.objects.filter(step=detectors, held_at__isnull=False).exists()
    (visits,) = Submission.objects.filter(step__name="visits", step__campaign=campaign)
    assert visits.status == "succeeded" and visits.task_counts["summarize"]["succeeded"] == 2
    for run in Submission.objects.filter(step=detectors, status="succeeded"):
        assert run.run_collection in visits.bps_config
    # The products were counted from the repository after the last run.
    assert {p.dataset_type: p.delivered_count for p in campaign.data_products.all()} == {
        "demo_calexp": 8,
        "demo_detector_stats": 8,
        "demo_visit_summary": 2,
    }
    # No act of the operator after "run automatically": every later act is the automation's.
    acts = AuditEvent.objects.filter(actor=operator).order_by("pk")[acts_before:]
    assert [event.action for event in acts if not (event.after or {}).get("automatic")] == []
    automatic = AuditEvent.objects.filter(after__automatic=True).values_list("action", flat=True)
    assert list(automatic).count("submission.requested") == 5 and "submission.restart-requested" in automatic
