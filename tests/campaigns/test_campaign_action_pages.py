"""The buttons of a campaign's page: submit, restart, cancel, pause, resume, clone; and who may press them.

Nothing is launched: the dispatch enqueued on commit is replaced by a recorder.
"""

from html import unescape

import pytest
from django.urls import reverse

from campaigns.choices import CampaignStatus, SubmissionStatus
from campaigns.models import Campaign, Submission
from console.models import AuditEvent
from tests.campaigns.factories import StepFactory, SubmissionFactory, SubmittableCampaignFactory
from tests.releases.factories import ReleaseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dispatched")]


@pytest.fixture
def campaign():
    campaign = SubmittableCampaignFactory(name="DC2 RC6")
    StepFactory(campaign=campaign, name="step1", pipeline_subset="#step1")
    return campaign


def url(name: str, obj) -> str:
    return reverse(f"campaigns:{name}", kwargs={"pk": obj.pk})


def text(response) -> str:
    return unescape(response.content.decode())


def submit_form(client, campaign) -> dict:
    """The hidden fields of the first submit form, as the page drew them."""
    page = text(client.get(campaign.get_absolute_url()))
    form = page.split('data-testid="submit-form"')[1].split("</form>")[0]
    return {name: form.split(f'name="{name}" value="')[1].split('"')[0] for name in ("step", "idempotency_key")}


# Submit


def test_submitting_a_step_posted_twice_gives_one_pending_submission(client_for, operator, campaign, dispatched):
    client = client_for(operator)
    data = submit_form(client, campaign)

    first = client.post(url("campaign-submit", campaign), data)
    second = client.post(url("campaign-submit", campaign), data)

    submission = Submission.objects.get()
    assert (submission.status, submission.step.name, submission.requested_by) == ("pending", "step1", operator)
    assert submission.idempotency_key == data["idempotency_key"]
    assert "outputRun: u/operator/rc/step1/submission-" in submission.bps_config
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == f"{campaign.get_absolute_url()}#submission-{submission.pk}"
    assert dispatched == [submission]
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING
    assert AuditEvent.objects.filter(action="submission.requested").count() == 1


def test_each_rendering_of_the_page_gets_a_new_key(client_for, operator, campaign):
    client = client_for(operator)
    assert submit_form(client, campaign)["idempotency_key"] != submit_form(client, campaign)["idempotency_key"]


def test_a_viewer_may_not_submit(client_for, viewer, operator, campaign, dispatched):
    data = submit_form(client_for(operator), campaign)

    response = client_for(viewer).post(url("campaign-submit", campaign), data)

    assert response.status_code == 403
    assert "Only a task force lead or operator may submit campaigns." in text(response)
    assert not Submission.objects.exists()
    assert dispatched == []


def test_a_step_that_fails_its_preflight_checks_is_refused_with_the_problems(client_for, operator, dispatched):
    campaign = SubmittableCampaignFactory(name="DC2 RC8", release=ReleaseFactory(version="v24.0.0"), approved=False)
    step = StepFactory(campaign=campaign, name="all")
    client = client_for(operator)

    response = client.post(
        url("campaign-submit", campaign),
        {"step": step.pk, "idempotency_key": "k-1"},
        HTTP_REFERER=f"http://testserver{campaign.get_absolute_url()}",
        follow=True,
    )

    assert "Pre-flight checks failed:" in text(response)
    assert "v24.0.0 is not approved for DC2 RC8" in text(response)
    assert not Submission.objects.exists()


def test_a_step_of_another_campaign_is_not_submitted(client_for, operator, campaign):
    other = StepFactory(campaign=SubmittableCampaignFactory(name="Other"), name="step1")

    response = client_for(operator).post(
        url("campaign-submit", campaign), {"step": other.pk, "idempotency_key": "k-2"}, follow=True
    )

    assert f"DC2 RC6 has no step #{other.pk}." in text(response)
    assert not Submission.objects.exists()


# Restart and cancel


@pytest.fixture
def failed(campaign):
    campaign.status = CampaignStatus.FAILED
    campaign.save()
    return SubmissionFactory(
        step=campaign.steps.get(), status=SubmissionStatus.FAILED, bps_config="pipelineYaml: x\n", run_collection="r/1"
    )


def restart_key(client, campaign) -> str:
    page = text(client.get(campaign.get_absolute_url()))
    return page.split('data-testid="restart-form"')[1].split('name="idempotency_key" value="')[1].split('"')[0]


def test_restarting_a_failed_attempt_makes_a_linked_attempt_once(client_for, operator, failed, dispatched):
    client = client_for(operator)
    data = {"idempotency_key": restart_key(client, failed.step.campaign)}

    first = client.post(url("submission-restart", failed), data)
    second = client.post(url("submission-restart", failed), data)

    restart = Submission.objects.get(restarts=failed)
    assert (restart.attempt, restart.status, restart.bps_config) == (2, "pending", "pipelineYaml: x\n")
    assert first.url == second.url == f"{failed.step.campaign.get_absolute_url()}#submission-{restart.pk}"
    assert Submission.objects.count() == 2
    assert dispatched == [restart]


def test_a_viewer_may_not_restart(client_for, viewer, failed):
    response = client_for(viewer).post(url("submission-restart", failed), {"idempotency_key": "k-3"})

    assert response.status_code == 403
    assert Submission.objects.count() == 1


def test_cancelling_a_pending_submission(client_for, operator, campaign):
    pending = SubmissionFactory(step=campaign.steps.get(), status=SubmissionStatus.PENDING)

    response = client_for(operator).post(url("submission-cancel", pending))

    pending.refresh_from_db()
    assert pending.status == SubmissionStatus.CANCELLED
    assert response.url == f"{campaign.get_absolute_url()}#submission-{pending.pk}"
    assert AuditEvent.objects.filter(action="submission.cancelled", actor=operator).exists()


def test_a_viewer_may_not_cancel(client_for, viewer, campaign):
    pending = SubmissionFactory(step=campaign.steps.get(), status=SubmissionStatus.PENDING)

    assert client_for(viewer).post(url("submission-cancel", pending)).status_code == 403
    pending.refresh_from_db()
    assert pending.status == SubmissionStatus.PENDING


# Pause, resume, clone


def test_pausing_and_resuming_a_running_campaign(client_for, task_force_lead, campaign):
    campaign.status = CampaignStatus.RUNNING
    campaign.save()
    client = client_for(task_force_lead)

    client.post(url("campaign-pause", campaign))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED

    client.post(url("campaign-resume", campaign))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING


def test_a_viewer_may_not_pause_or_resume(client_for, viewer, campaign):
    campaign.status = CampaignStatus.RUNNING
    campaign.save()
    client = client_for(viewer)

    assert client.post(url("campaign-pause", campaign)).status_code == 403
    campaign.status = CampaignStatus.PAUSED
    campaign.save()
    assert client.post(url("campaign-resume", campaign)).status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED


def test_pausing_a_draft_is_refused_with_a_message(client_for, operator, campaign):
    response = client_for(operator).post(
        url("campaign-pause", campaign), HTTP_REFERER=f"http://testserver{campaign.get_absolute_url()}", follow=True
    )

    assert "DC2 RC6 is draft; it cannot become paused" in text(response)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_cloning_makes_a_draft_with_the_same_definition_and_steps(client_for, operator, campaign):
    response = client_for(operator).post(url("campaign-clone", campaign), {"name": "DC2 RC6 bis"})

    clone = Campaign.objects.get(name="DC2 RC6 bis")
    assert response.url == clone.get_absolute_url()
    assert (clone.status, clone.butler_repo, clone.release) == ("draft", campaign.butler_repo, campaign.release)
    assert [(s.name, s.pipeline_subset) for s in clone.steps.all()] == [("step1", "#step1")]


def test_a_viewer_may_not_clone(client_for, viewer, campaign):
    assert client_for(viewer).post(url("campaign-clone", campaign), {"name": "Copy"}).status_code == 403
    assert not Campaign.objects.filter(name="Copy").exists()


def test_actions_refuse_get(client_for, operator, failed):
    client = client_for(operator)
    campaign = failed.step.campaign
    for name, obj in [
        ("campaign-submit", campaign),
        ("campaign-pause", campaign),
        ("campaign-resume", campaign),
        ("campaign-clone", campaign),
        ("submission-restart", failed),
        ("submission-cancel", failed),
    ]:
        assert client.get(url(name, obj)).status_code == 405
