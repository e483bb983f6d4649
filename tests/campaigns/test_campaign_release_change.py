"""A campaign moves onto another release (``campaign_release_change``) only when it may run it: approved for it by
the policy committee (any open release for a mini run). Each change is a row of its release history, with who,
when and why, and an audit row; a run in progress keeps the release it was requested with."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.choices import CampaignKind, CampaignStatus, SubmissionStatus
from campaigns.models import CampaignReleaseChange
from campaigns.selectors import campaign_release_history, releases_to_move_to
from campaigns.services import campaign_release_change, submission_request
from committee.choices import DecisionKind, DecisionStatus
from committee.models import ReleaseApproval
from console.errors import Conflict, NotPermitted
from console.models import AuditEvent
from releases.choices import ReleaseStatus
from tests.campaigns.factories import StepFactory, SubmissionFactory, SubmittableCampaignFactory
from tests.committee.factories import DecisionFactory
from tests.releases.factories import ReleaseFactory, SupportedReleaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def base():
    return SupportedReleaseFactory(version="v23.0.0")


@pytest.fixture
def patch(base):
    return ReleaseFactory(version="v23.0.1", base_release=base, status=ReleaseStatus.APPROVED)


@pytest.fixture
def campaign(base):
    campaign = SubmittableCampaignFactory(name="DP0.2", release=base)
    StepFactory(campaign=campaign, name="all")
    return campaign


def approve(release, campaign):
    decision = DecisionFactory(kind=DecisionKind.PATCH, release=release, status=DecisionStatus.ENDORSED)
    ReleaseApproval.objects.create(release=release, campaign=campaign, decision=decision, approved_at=timezone.now())


def test_it_refuses_a_release_not_approved_for_the_campaign_and_names_why(operator, campaign, patch):
    with pytest.raises(Conflict) as refused:
        campaign_release_change(actor=operator, campaign=campaign, release=patch)

    assert str(refused.value).startswith("DP0.2 cannot move onto v23.0.1: v23.0.1 is not approved for DP0.2")
    campaign.refresh_from_db()
    assert campaign.release.version == "v23.0.0"
    assert not CampaignReleaseChange.objects.exists()


def test_it_moves_onto_an_approved_release_with_history_and_audit(operator, campaign, base, patch):
    approve(patch, campaign)

    campaign_release_change(actor=operator, campaign=campaign, release=patch, reason="The flux calibration fix.")

    campaign.refresh_from_db()
    assert campaign.release == patch
    change = CampaignReleaseChange.objects.get()
    assert (change.from_release, change.to_release, change.changed_by, change.reason) == (
        base,
        patch,
        operator,
        "The flux calibration fix.",
    )
    event = AuditEvent.objects.get(action="campaign.release-changed")
    assert (event.actor_name, event.before, event.after) == (
        "operator",
        {"release": "v23.0.0"},
        {"release": "v23.0.1", "reason": "The flux calibration fix."},
    )
    history = campaign_release_history(campaign)
    assert [(period.release.version, period.changed_by) for period in history] == [
        ("v23.0.0", ""),
        ("v23.0.1", "operator"),
    ]


def test_it_refuses_the_release_the_campaign_runs_already(operator, campaign, base):
    with pytest.raises(Conflict, match="DP0.2 runs v23.0.0 already"):
        campaign_release_change(actor=operator, campaign=campaign, release=base)


def test_an_accepted_campaign_keeps_the_release_it_ran_with(operator, campaign, patch):
    approve(patch, campaign)
    campaign.status = CampaignStatus.ACCEPTED
    campaign.save()

    with pytest.raises(Conflict, match="DP0.2 is accepted; it keeps the release it ran with"):
        campaign_release_change(actor=operator, campaign=campaign, release=patch)


def test_a_viewer_may_not_change_a_release(viewer, campaign, patch):
    approve(patch, campaign)

    with pytest.raises(NotPermitted, match="change a campaign's release"):
        campaign_release_change(actor=viewer, campaign=campaign, release=patch)


def test_a_mini_run_moves_onto_any_open_release_without_a_decision(operator, base):
    mini = SubmittableCampaignFactory(name="mini", release=base, kind=CampaignKind.MINI_RUN, approved=False)
    weekly = ReleaseFactory(version="w.2021.28")
    withdrawn = ReleaseFactory(version="v22.0.0", status=ReleaseStatus.WITHDRAWN)

    assert weekly in releases_to_move_to(mini)
    assert withdrawn not in releases_to_move_to(mini)
    campaign_release_change(actor=operator, campaign=mini, release=weekly)

    mini.refresh_from_db()
    assert mini.release == weekly


def test_a_run_in_progress_keeps_the_release_it_was_requested_with(operator, campaign, base, patch, monkeypatch):
    monkeypatch.setattr("campaigns.services.dispatch.dispatch_on_commit", lambda submission: None)
    before = submission_request(actor=operator, step=campaign.steps.get(), idempotency_key=str(uuid.uuid4()))
    approve(patch, campaign)

    campaign_release_change(actor=operator, campaign=campaign, release=patch)

    before.refresh_from_db()
    assert (before.status, before.release) == (SubmissionStatus.PENDING, base)


def test_the_history_counts_the_submissions_of_each_release(operator, campaign, base, patch):
    step = campaign.steps.get()
    SubmissionFactory.create_batch(2, step=step, release=base)
    approve(patch, campaign)
    campaign_release_change(actor=operator, campaign=campaign, release=patch)
    SubmissionFactory(step=step, release=patch)

    history = campaign_release_history(campaign)

    assert [(period.release.version, period.submissions) for period in history] == [("v23.0.0", 2), ("v23.0.1", 1)]


def test_the_page_action_moves_the_campaign_and_the_page_shows_its_releases(client_for, operator, campaign, patch):
    approve(patch, campaign)
    client = client_for(operator)

    page = client.get(campaign.get_absolute_url()).content.decode()
    form = page.split('data-testid="change-release-form"')[1].split("</form>")[0]
    assert '<option value="v23.0.1"' in form

    response = client.post(
        reverse("campaigns:campaign-change-release", args=[campaign.pk]),
        {"release": "v23.0.1", "reason": "Ships the fix."},
        follow=True,
    )

    html = response.content.decode()
    assert "DP0.2 runs v23.0.1 from now on (it ran v23.0.0)" in html
    history = html.split('data-testid="release-history"')[1].split("</table>")[0]
    assert history.count('data-testid="release-period"') == 2
    assert "Ships the fix." in history


def test_the_page_says_when_no_other_release_is_approved(client_for, operator, campaign, patch):
    page = client_for(operator).get(campaign.get_absolute_url()).content.decode()

    assert 'data-testid="change-release-form"' not in page
    assert "No other release is approved for DP0.2" in page


def test_the_api_moves_the_campaign_and_lists_its_release_history(client_for, operator, campaign, patch):
    client = client_for(operator)
    url = f"/api/v1/campaigns/{campaign.pk}/change-release/"

    refused = client.post(url, {"release": "v23.0.1"}, content_type="application/json")
    approve(patch, campaign)
    moved = client.post(url, {"release": "v23.0.1", "reason": "Ships the fix."}, content_type="application/json")
    history = client.get(f"/api/v1/campaigns/{campaign.pk}/release-history/").json()
    detail = client.get(f"/api/v1/campaigns/{campaign.pk}/").json()

    assert refused.status_code == 409
    assert "v23.0.1 is not approved for DP0.2" in refused.json()["detail"]
    assert (moved.status_code, moved.json()["release"]) == (200, "v23.0.1")
    assert [(row["release"], row["changed_by"], row["reason"]) for row in history] == [
        ("v23.0.0", "", "created with it"),
        ("v23.0.1", "operator", "Ships the fix."),
    ]
    assert detail["release_history"] == history
