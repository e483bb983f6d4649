"""Opening, endorsing and refusing endorsement from the decision page: the buttons and who may press them."""

import pytest
from django.urls import reverse
from django.utils import timezone

from committee.choices import DecisionKind, DecisionStatus
from committee.models import ReleaseApproval
from console.models import AuditEvent
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import (
    ChangeControlBoardFactory,
    DecisionFactory,
    LeadershipTeamFactory,
    PolicyCommitteeFactory,
)
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(committee_member):
    return DecisionFactory(
        committee=PolicyCommitteeFactory(), status=DecisionStatus.DRAFT, opened_at=None, proposed_by=committee_member
    )


@pytest.fixture
def approved():
    return DecisionFactory(
        committee=PolicyCommitteeFactory(),
        status=DecisionStatus.APPROVED,
        closed_at=timezone.now(),
        outcome_summary="4 approve, 0 reject, 0 abstain of 4 seats",
    )


@pytest.fixture
def team_lead():
    return LeadershipTeamFactory().seats.get().holder


def page_of(client, decision) -> str:
    return client.get(decision.get_absolute_url()).content.decode()


def url(name, decision) -> str:
    return reverse(f"committee:{name}", kwargs={"pk": decision.pk})


def test_the_open_button_is_shown_to_the_proposer_and_the_lead_only(
    client_for, draft, committee_member, task_force_lead, viewer
):
    assert 'data-testid="open-form"' in page_of(client_for(committee_member), draft)
    assert 'data-testid="open-form"' in page_of(client_for(task_force_lead), draft)
    assert 'data-testid="open-form"' not in page_of(client_for(viewer), draft)
    draft.status = DecisionStatus.OPEN
    draft.save()
    assert 'data-testid="open-form"' not in page_of(client_for(committee_member), draft)


def test_the_proposer_opens_the_draft(
    client_for, draft, committee_member, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(committee_member).post(url("decision-open", draft))

    assert response.status_code == 302
    assert response["Location"] == draft.get_absolute_url()
    draft.refresh_from_db()
    assert draft.status == DecisionStatus.OPEN
    assert AuditEvent.objects.filter(action="decision.opened", object_id=str(draft.pk)).exists()
    assert len(mailoutbox) == 1


def test_someone_else_may_not_open_the_draft(client_for, draft, viewer):
    response = client_for(viewer).post(url("decision-open", draft))

    assert response.status_code == 403
    assert "Only the proposer or the task force lead" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == DecisionStatus.DRAFT


def test_opening_an_open_decision_is_refused_with_a_message(client_for, draft, committee_member):
    draft.status = DecisionStatus.OPEN
    draft.save()

    response = client_for(committee_member).post(
        url("decision-open", draft), HTTP_REFERER=draft.get_absolute_url(), follow=True
    )

    assert "it cannot become open" in response.content.decode()


def test_the_open_endpoint_refuses_get(client_for, draft, committee_member):
    assert client_for(committee_member).get(url("decision-open", draft)).status_code == 405


def test_endorsement_forms_are_shown_to_the_leadership_team_and_staff_only(
    client_for, approved, team_lead, staff_user, committee_member, task_force_lead
):
    for user in (team_lead, staff_user):
        page = page_of(client_for(user), approved)
        assert 'data-testid="endorse-form"' in page
        assert 'data-testid="refuse-endorsement-form"' in page
    for user in (committee_member, task_force_lead):
        page = page_of(client_for(user), approved)
        assert 'data-testid="endorse-form"' not in page
        assert 'data-testid="refuse-endorsement-form"' not in page
        assert 'data-testid="endorsement-pending"' in page


@pytest.mark.parametrize("status", [DecisionStatus.OPEN, DecisionStatus.REJECTED, DecisionStatus.ENDORSED])
def test_no_endorsement_forms_unless_the_decision_is_approved(client_for, approved, team_lead, status):
    approved.status = status
    approved.save()

    assert 'data-testid="endorse-form"' not in page_of(client_for(team_lead), approved)


def test_no_endorsement_forms_for_the_change_control_boards_decisions(client_for, team_lead):
    decision = DecisionFactory(committee=ChangeControlBoardFactory(), status=DecisionStatus.APPROVED)

    page = page_of(client_for(team_lead), decision)

    assert 'data-testid="endorse-form"' not in page
    assert 'data-testid="endorsement-pending"' not in page


def test_the_leadership_team_endorses_with_a_note(client_for, approved, team_lead):
    response = client_for(team_lead).post(
        url("decision-endorse", approved), {"note": "Agreed at the DPLT meeting"}, follow=True
    )

    approved.refresh_from_db()
    assert (approved.status, approved.endorsed_by, approved.endorsement_note) == (
        DecisionStatus.ENDORSED,
        team_lead,
        "Agreed at the DPLT meeting",
    )
    page = response.content.decode()
    assert 'data-testid="decision-endorsement"' in page
    assert "Agreed at the DPLT meeting" in page


def test_the_leadership_team_refuses_endorsement_and_the_release_approval_is_withdrawn(client_for, team_lead):
    release = ReleaseFactory(version="v29.2.0", status="approved")
    campaign = CampaignFactory()
    decision = DecisionFactory(
        committee=PolicyCommitteeFactory(),
        kind=DecisionKind.PIPELINE_VERSION,
        status=DecisionStatus.APPROVED,
        release=release,
    )
    decision.campaigns.add(campaign)
    ReleaseApproval.objects.create(release=release, campaign=campaign, decision=decision, approved_at=timezone.now())

    client_for(team_lead).post(url("decision-refuse-endorsement", decision), {"note": "Not validated"})

    decision.refresh_from_db()
    assert decision.status == DecisionStatus.ENDORSEMENT_REFUSED
    assert decision.endorsement_note == "Not validated"
    assert not ReleaseApproval.objects.filter(decision=decision).exists()


def test_a_refusal_without_a_reason_is_refused_with_a_message(client_for, approved, team_lead):
    response = client_for(team_lead).post(
        url("decision-refuse-endorsement", approved),
        {"note": " "},
        HTTP_REFERER=approved.get_absolute_url(),
        follow=True,
    )

    assert "Say why the endorsement is refused." in response.content.decode()
    approved.refresh_from_db()
    assert approved.status == DecisionStatus.APPROVED


@pytest.mark.parametrize("name", ["decision-endorse", "decision-refuse-endorsement"])
def test_others_may_not_endorse_or_refuse(client_for, approved, committee_member, task_force_lead, name):
    for user in (committee_member, task_force_lead):
        response = client_for(user).post(url(name, approved), {"note": "Sneaky"})

        assert response.status_code == 403
    approved.refresh_from_db()
    assert approved.status == DecisionStatus.APPROVED
    assert approved.endorsed_by is None
    assert not AuditEvent.objects.filter(object_type="committee.decision").exists()
