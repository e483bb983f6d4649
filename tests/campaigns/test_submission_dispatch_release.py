"""Dispatch checks the release again before it launches anything: still approved for the campaign, still within
support. A refused release fails the submission (nothing launched), pauses the campaign with the reason; a run
already in progress goes on, flagged on the campaign page and the dashboard."""

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.choices import CampaignStatus, SubmissionStatus
from campaigns.models import Campaign
from campaigns.selectors import campaign_pause_reason
from campaigns.services import submission_dispatch
from campaigns.workflow import Launch
from committee.models import ReleaseApproval
from console.models import AuditEvent
from releases.choices import ReleaseStatus
from tests.campaigns.factories import StepFactory, SubmissionFactory, SubmittableCampaignFactory
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


class RecordingAdapter:
    """Stands in for the workflow adapter: records every launch, launches nothing."""

    def __init__(self):
        self.launched = []

    def submit(self, submission) -> Launch:
        self.launched.append(submission.pk)
        return Launch(working_dir="runs/recorded", host="here", pid=None, started_at=timezone.now())

    def restart(self, submission, previous) -> Launch:
        return self.submit(submission)


@pytest.fixture
def adapter(monkeypatch) -> RecordingAdapter:
    recording = RecordingAdapter()
    monkeypatch.setattr("campaigns.services.dispatch.adapter_for", lambda workflow_system: recording)
    monkeypatch.setattr("campaigns.services.dispatch.dispatch_on_commit", lambda *args, **kwargs: None)
    return recording


@pytest.fixture
def pending():
    campaign = SubmittableCampaignFactory(status=CampaignStatus.RUNNING)
    return SubmissionFactory(step=StepFactory(campaign=campaign), status=SubmissionStatus.PENDING, launch_token="")


def test_an_approved_supported_release_is_launched(adapter, pending):
    submission = submission_dispatch(submission_id=pending.pk)

    assert submission.status == SubmissionStatus.RUNNING
    assert adapter.launched == [pending.pk]


def test_a_release_no_longer_approved_fails_the_submission_at_dispatch_without_launching(adapter, pending):
    campaign = pending.step.campaign
    ReleaseApproval.objects.filter(campaign=campaign).delete()

    submission_dispatch(submission_id=pending.pk)

    pending.refresh_from_db()
    campaign.refresh_from_db()
    assert adapter.launched == []
    assert pending.status == SubmissionStatus.FAILED
    assert pending.error.startswith("Not launched: ")
    assert f"is not approved for {campaign.name}" in pending.error
    failed = AuditEvent.objects.get(action="submission.failed", object_id=str(pending.pk))
    assert (failed.actor_name, failed.after["check"]) == ("workflow", "release")
    assert campaign.status == CampaignStatus.PAUSED
    assert AuditEvent.objects.get(action="campaign.paused").after["reason"] == pending.error
    assert campaign_pause_reason(campaign) == pending.error


def test_a_release_whose_support_ended_while_a_submission_waited_out_its_backoff_is_not_launched(adapter, pending):
    pending.retries, pending.retry_at = 1, timezone.now() - timedelta(seconds=1)
    pending.save(update_fields=["retries", "retry_at"])
    release = pending.step.campaign.release
    release.status = ReleaseStatus.END_OF_SUPPORT
    release.save(update_fields=["status"])

    submission_dispatch(submission_id=pending.pk)

    pending.refresh_from_db()
    assert adapter.launched == []
    assert pending.status == SubmissionStatus.FAILED
    assert "end-of-support" in pending.error
    campaign = pending.step.campaign
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED


def test_a_failed_campaign_stays_failed_and_a_paused_ones_submission_waits_pending(adapter):
    failed = SubmittableCampaignFactory(status=CampaignStatus.FAILED, approved=False)
    refused = SubmissionFactory(step=StepFactory(campaign=failed), status=SubmissionStatus.PENDING, launch_token="")
    paused = SubmittableCampaignFactory(status=CampaignStatus.PAUSED, approved=False)
    waiting = SubmissionFactory(step=StepFactory(campaign=paused), status=SubmissionStatus.PENDING, launch_token="")

    submission_dispatch(submission_id=refused.pk)
    submission_dispatch(submission_id=waiting.pk)

    for row in (refused, waiting, failed, paused):
        row.refresh_from_db()
    assert (refused.status, failed.status) == (SubmissionStatus.FAILED, CampaignStatus.FAILED)
    # Paused: nothing is launched (nor checked) until it resumes.
    assert (waiting.status, paused.status) == (SubmissionStatus.PENDING, CampaignStatus.PAUSED)
    assert adapter.launched == []
    assert not AuditEvent.objects.filter(action__startswith="campaign.").exists()


def test_the_campaign_page_says_why_dispatch_paused_the_campaign(adapter, pending, client_for, viewer):
    ReleaseApproval.objects.filter(campaign=pending.step.campaign).delete()
    submission_dispatch(submission_id=pending.pk)

    page = unescape(client_for(viewer).get(pending.step.campaign.get_absolute_url()).content.decode())

    assert 'data-testid="campaign-pause-reason"' in page
    assert "Paused:</strong> Not launched: " in page


def test_a_run_in_progress_on_a_refused_release_goes_on_and_is_flagged(client_for, viewer):
    campaign = SubmittableCampaignFactory(status=CampaignStatus.RUNNING, name="DP0.2")
    running = SubmissionFactory(step=StepFactory(campaign=campaign, name="step1"), status=SubmissionStatus.RUNNING)
    client = client_for(viewer)
    assert 'data-testid="refused-release-runs"' not in client.get(campaign.get_absolute_url()).content.decode()

    ReleaseApproval.objects.filter(campaign=campaign).delete()
    page = unescape(client.get(campaign.get_absolute_url()).content.decode())
    card = unescape(client.get(reverse("dashboard:refused-release-runs")).content.decode())

    running.refresh_from_db()
    assert running.status == SubmissionStatus.RUNNING
    for html in (page, card):
        flagged = html.split('data-testid="refused-release-runs"')[1]
        assert f"is not approved for {campaign.name}" in flagged
        assert "step1 attempt 1" in flagged
    assert "DP0.2 / step1" in card
    assert 'hx-get="/dashboard/refused-release-runs/"' in client.get(reverse("dashboard:home")).content.decode()


@pytest.mark.parametrize("rows", [12, 15])
def test_the_dashboards_flag_checks_a_bounded_number_of_campaigns(client_for, viewer, django_assert_num_queries, rows):
    for _ in range(rows):
        campaign = SubmittableCampaignFactory(status=CampaignStatus.RUNNING, approved=False)
        SubmissionFactory(step=StepFactory(campaign=campaign), status=SubmissionStatus.RUNNING)
    client = client_for(viewer)

    # session, user, roles; the running submissions; the approval check of each campaign checked
    with django_assert_num_queries(4 + 10):
        response = client.get(reverse("dashboard:refused-release-runs"))
    assert len(response.context["flagged"]) == 10


def test_a_submission_waiting_while_its_campaign_moved_runs_and_records_the_campaigns_release(adapter, pending):
    campaign = pending.step.campaign
    old_release = campaign.release
    pending.release = old_release
    pending.save(update_fields=["release"])
    patch = ReleaseFactory(version="v99.0.1", base_release=old_release, status=ReleaseStatus.APPROVED)
    decision = ReleaseApproval.objects.get(campaign=campaign).decision
    ReleaseApproval.objects.create(release=patch, campaign=campaign, decision=decision, approved_at=timezone.now())
    Campaign.objects.filter(pk=campaign.pk).update(release=patch)

    submission = submission_dispatch(submission_id=pending.pk)

    assert submission.status == SubmissionStatus.RUNNING
    pending.refresh_from_db()
    assert pending.release == patch
