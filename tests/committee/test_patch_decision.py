"""A patch decision of the policy committee: it names a patch and campaigns running its base (or an earlier patch
of it); once endorsed, it approves the patch for them and moves them onto it. Each run records the release it ran
with, before and after the move."""

import uuid

import pytest
from django.utils import timezone

from campaigns.choices import CampaignStatus
from campaigns.models import CampaignReleaseChange
from campaigns.selectors import campaign_release_history
from campaigns.services import submission_request
from committee.choices import DecisionKind, DecisionStatus
from committee.models import ReleaseApproval
from committee.selectors import release_is_approved_for
from committee.services import decision_endorse, vote_cast
from console.errors import InvalidInput
from console.models import AuditEvent
from releases.choices import ReleaseStatus
from tests.campaigns.factories import StepFactory, SubmittableCampaignFactory
from tests.committee.factories import (
    ChangeControlBoardFactory,
    DecisionFactory,
    LeadershipTeamFactory,
    PolicyCommitteeFactory,
)
from tests.committee.helpers import holders, open_decision
from tests.releases.factories import ReleaseFactory, SupportedReleaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def base():
    return SupportedReleaseFactory(version="v23.0.0")


@pytest.fixture
def patch(base):
    return ReleaseFactory(version="v23.0.1", base_release=base)


@pytest.fixture
def campaign(base):
    campaign = SubmittableCampaignFactory(name="DP0.2", release=base, status=CampaignStatus.RUNNING)
    StepFactory(campaign=campaign, name="all")
    return campaign


@pytest.fixture
def policy():
    return PolicyCommitteeFactory()


@pytest.fixture
def endorser(task_force_lead):
    LeadershipTeamFactory(areas=["Lead"], areas__vacant=True).seats.update(holder=task_force_lead)
    return task_force_lead


def patch_decision(policy, patch, campaigns):
    return open_decision(policy, kind=DecisionKind.PATCH, release=patch, campaigns=campaigns)


def approved_by_votes(decision, committee):
    for member in holders(committee):
        vote_cast(actor=member, decision=decision, choice="approve")
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED
    return decision


def test_it_refuses_a_campaign_not_running_the_patchs_base(policy, patch):
    elsewhere = SubmittableCampaignFactory(name="DC2 RC6", release=SupportedReleaseFactory(version="v22.0.0"))

    with pytest.raises(InvalidInput) as refused:
        patch_decision(policy, patch, [elsewhere])

    assert "DC2 RC6 runs v22.0.0, not v23.0.0 or an earlier patch of it." in str(refused.value)


def test_it_refuses_a_campaign_on_the_patch_already(policy, patch):
    on_it = SubmittableCampaignFactory(name="DP0.2 copy", release=patch, approved=False)

    with pytest.raises(InvalidInput, match="DP0.2 copy runs v23.0.1 already"):
        patch_decision(policy, patch, [on_it])


def test_it_refuses_a_release_that_is_no_patch(policy, base, campaign):
    with pytest.raises(InvalidInput, match="v23.0.0 is not a patch"):
        patch_decision(policy, base, [campaign])


def test_it_goes_to_the_policy_committee(patch, campaign):
    with pytest.raises(InvalidInput, match="decided by the policy committee"):
        patch_decision(ChangeControlBoardFactory(), patch, [campaign])


def test_a_campaign_on_an_earlier_patch_may_move_onto_a_later_one(policy, base, patch):
    later = ReleaseFactory(version="v23.0.2", base_release=base)
    on_earlier = SubmittableCampaignFactory(name="DP0.2 on .1", release=patch, approved=False)

    decision = patch_decision(policy, later, [on_earlier])

    assert list(decision.campaigns.all()) == [on_earlier]


def test_approved_but_not_endorsed_it_moves_nothing(policy, patch, campaign):
    approved_by_votes(patch_decision(policy, patch, [campaign]), policy)

    campaign.refresh_from_db()
    assert campaign.release.version == "v23.0.0"
    assert not release_is_approved_for(release=patch, campaign=campaign)


def test_endorsed_it_approves_the_patch_and_moves_the_campaign_onto_it(
    policy, endorser, operator, base, patch, campaign, monkeypatch
):
    monkeypatch.setattr("campaigns.services.dispatch.dispatch_on_commit", lambda submission: None)
    step = campaign.steps.get()
    before = submission_request(actor=operator, step=step, idempotency_key=str(uuid.uuid4()))
    decision = approved_by_votes(patch_decision(policy, patch, [campaign]), policy)

    decision_endorse(actor=endorser, decision=decision, note="Endorsed.")

    campaign.refresh_from_db()
    patch.refresh_from_db()
    assert campaign.release == patch
    assert patch.status == ReleaseStatus.APPROVED
    assert ReleaseApproval.objects.get(release=patch, campaign=campaign).decision == decision
    change = CampaignReleaseChange.objects.get(campaign=campaign)
    assert (change.from_release, change.to_release, change.changed_by) == (base, patch, endorser)
    assert change.reason == f"{decision.title} (decision #{decision.pk})"
    event = AuditEvent.objects.get(action="campaign.release-changed")
    assert event.after["source"] == f"decision #{decision.pk}"
    # The run requested before keeps its release; the next one runs with the patch.
    before.status = "succeeded"
    before.save()
    after = submission_request(actor=operator, step=step, idempotency_key=str(uuid.uuid4()))
    assert (before.release, after.release) == (base, patch)
    history = campaign_release_history(campaign)
    assert [(period.release.version, period.submissions) for period in history] == [("v23.0.0", 1), ("v23.0.1", 1)]


def test_a_campaign_moved_onto_the_patch_meanwhile_is_left_alone(policy, endorser, operator, patch, campaign):
    decision = approved_by_votes(patch_decision(policy, patch, [campaign]), policy)
    other = DecisionFactory(kind=DecisionKind.PATCH, release=patch, status=DecisionStatus.ENDORSED)
    ReleaseApproval.objects.create(release=patch, campaign=campaign, decision=other, approved_at=timezone.now())
    campaign.release = patch
    campaign.save()

    decision_endorse(actor=endorser, decision=decision)

    assert not CampaignReleaseChange.objects.exists()
