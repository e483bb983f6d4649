"""Restarting an attempt, and the idempotency keys of submit and restart, from the API and the page.

The same request asked again gives the same submission; a key that another request used is a 409 naming the
submission it gave; an attempt that cannot restart is a 409 whatever the key. Nothing is launched: the
dispatch enqueued on commit is replaced by a recorder.
"""

from html import unescape

import pytest
from django.urls import reverse

from campaigns.choices import CampaignStatus, SubmissionStatus
from campaigns.models import Submission
from tests.campaigns.factories import StepFactory, SubmissionFactory, SubmittableCampaignFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dispatched")]


@pytest.fixture
def campaign():
    campaign = SubmittableCampaignFactory(name="DC2 RC6", status=CampaignStatus.FAILED)
    StepFactory(campaign=campaign, name="step1")
    StepFactory(campaign=campaign, name="step2")
    return campaign


@pytest.fixture
def failed(campaign):
    return SubmissionFactory(
        step=campaign.steps.get(name="step1"),
        status=SubmissionStatus.FAILED,
        idempotency_key="first-attempt",
        bps_config="pipelineYaml: x\n",
        run_collection="r/1",
    )


@pytest.fixture
def other(campaign):
    """A submission of the other step, made with the key ``other-key``."""
    return SubmissionFactory(
        step=campaign.steps.get(name="step2"), status=SubmissionStatus.FAILED, idempotency_key="other-key"
    )


@pytest.fixture
def api(client_for, operator):
    client = client_for(operator)

    def post(path: str, **data):
        return client.post(f"/api/v1/{path}", data, content_type="application/json")

    return post


def test_it_refuses_a_restart_whose_key_belongs_to_another_submission(api, failed, other, dispatched):
    response = api(f"submissions/{failed.pk}/restart/", idempotency_key="other-key")

    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"That idempotency key belongs to submission {other.pk}, not to a restart of submission {failed.pk}; "
        "a new request needs a new key."
    )
    assert not Submission.objects.filter(restarts=failed).exists()
    assert dispatched == []


@pytest.mark.parametrize("status", ["pending", "submitting", "running", "succeeded"])
def test_it_refuses_to_restart_an_attempt_that_cannot_restart_whatever_the_key(api, campaign, other, status):
    attempt = SubmissionFactory(step=campaign.steps.get(name="step1"), status=status)

    with_new_key = api(f"submissions/{attempt.pk}/restart/", idempotency_key="new-key")
    without_key = api(f"submissions/{attempt.pk}/restart/")
    with_other_key = api(f"submissions/{attempt.pk}/restart/", idempotency_key="other-key")

    assert with_new_key.status_code == without_key.status_code == with_other_key.status_code == 409
    assert with_new_key.json()["detail"] == (
        f"Submission {attempt.pk} is {status}; only a failed, lost or cancelled one restarts."
    )
    assert f"belongs to submission {other.pk}" in with_other_key.json()["detail"]
    assert Submission.objects.count() == 2


def test_the_same_restart_asked_again_gives_the_same_attempt(api, failed, dispatched):
    first = api(f"submissions/{failed.pk}/restart/", idempotency_key="restart-1")
    again = api(f"submissions/{failed.pk}/restart/", idempotency_key="restart-1")

    assert first.status_code == again.status_code == 202
    restart = Submission.objects.get(restarts=failed)
    assert first.json()["id"] == again.json()["id"] == restart.pk
    assert (restart.attempt, restart.status, restart.idempotency_key) == (2, "pending", "restart-1")
    assert dispatched == [restart]


def test_a_second_restart_of_one_attempt_is_refused_naming_the_first(api, failed):
    first = api(f"submissions/{failed.pk}/restart/", idempotency_key="restart-1")

    second = api(f"submissions/{failed.pk}/restart/", idempotency_key="restart-2")

    assert second.status_code == 409
    restart = first.json()["id"]
    assert second.json()["detail"] == f"Submission {failed.pk} was restarted already, by submission {restart}."


def test_a_restart_key_longer_than_a_key_may_be_is_refused(client_for, operator, failed):
    response = client_for(operator).post(f"/api/v1/submissions/{failed.pk}/restart/", HTTP_IDEMPOTENCY_KEY="k" * 101)

    assert response.status_code == 400
    assert not Submission.objects.filter(restarts=failed).exists()


def test_it_refuses_a_submit_whose_key_a_restart_used(api, campaign, failed):
    restart = api(f"submissions/{failed.pk}/restart/", idempotency_key="restart-1").json()
    Submission.objects.filter(pk=restart["id"]).update(status=SubmissionStatus.FAILED)

    response = api(f"campaigns/{campaign.pk}/submit/", step="step1", idempotency_key="restart-1")

    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"That idempotency key belongs to submission {restart['id']}, not to a new submission of the step step1; "
        "a new request needs a new key."
    )
    assert Submission.objects.count() == 2


def test_it_refuses_a_submit_whose_key_another_step_used(api, campaign, failed, other):
    response = api(f"campaigns/{campaign.pk}/submit/", step="step1", idempotency_key="other-key")

    assert response.status_code == 409
    assert f"belongs to submission {other.pk}, not to a new submission of the step step1" in response.json()["detail"]


def test_the_page_refuses_a_restart_whose_key_belongs_to_another_submission(client_for, operator, failed, other):
    back = failed.step.campaign.get_absolute_url()

    response = client_for(operator).post(
        reverse("campaigns:submission-restart", kwargs={"pk": failed.pk}),
        {"idempotency_key": "other-key"},
        HTTP_REFERER=f"http://testserver{back}",
        follow=True,
    )

    page = unescape(response.content.decode())
    assert response.redirect_chain[0][0].endswith(back)
    assert f"That idempotency key belongs to submission {other.pk}, not to a restart of submission {failed.pk}" in page
    assert not Submission.objects.filter(restarts=failed).exists()


def test_the_page_refuses_to_restart_a_succeeded_attempt(client_for, operator, campaign):
    succeeded = SubmissionFactory(step=campaign.steps.get(name="step1"), status=SubmissionStatus.SUCCEEDED)

    response = client_for(operator).post(
        reverse("campaigns:submission-restart", kwargs={"pk": succeeded.pk}), {"idempotency_key": "k-1"}, follow=True
    )

    assert f"Submission {succeeded.pk} is succeeded; only a failed, lost or cancelled one restarts." in unescape(
        response.content.decode()
    )
    assert Submission.objects.count() == 1
