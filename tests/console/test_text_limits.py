"""Long texts have limits that fit their use (issue 16): each service refuses a longer text, naming it, its length and
the limit, whoever calls it (a page, the API, a script); the API says so per field before the service is called."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from campaigns.services import campaign_create
from committee.services import decision_create, decision_endorse, decision_record_past, vote_cast
from committee.services.endorsement import decision_refuse_endorsement
from console import text_limits
from console.errors import InvalidInput
from qa.services import waiver_grant
from releases.services import backport_request_create, release_create
from tests.campaigns.factories import StepFactory
from tests.committee.factories import DecisionFactory, LeadershipTeamFactory, PolicyCommitteeFactory
from tests.committee.helpers import holders, open_decision
from tests.releases.factories import SupportedReleaseFactory

pytestmark = pytest.mark.django_db


def too_long(limit: int) -> str:
    return "x" * (limit + 1)


def refused(limit: int, what: str) -> str:
    """The message naming the text, its length and the limit."""
    return f"{what} has {limit + 1:,} characters; at most {limit:,} fit."


def test_a_proposal_longer_than_its_limit_is_refused(task_force_lead):
    policy = PolicyCommitteeFactory()
    with pytest.raises(InvalidInput, match=refused(text_limits.PROPOSAL, "The proposal")):
        decision_create(
            actor=task_force_lead,
            committee=policy,
            kind="operational",
            title="A long one",
            proposal=too_long(text_limits.PROPOSAL),
            deadline=timezone.now() + timedelta(days=7),
        )


def test_a_proposal_of_the_limit_is_taken(task_force_lead):
    policy = PolicyCommitteeFactory()
    decision = decision_create(
        actor=task_force_lead,
        committee=policy,
        kind="operational",
        title="As long as it may be",
        proposal="x" * text_limits.PROPOSAL,
        deadline=timezone.now() + timedelta(days=7),
    )
    assert len(decision.proposal) == text_limits.PROPOSAL


def test_a_past_decision_with_a_proposal_longer_than_its_limit_is_refused(task_force_lead):
    policy = PolicyCommitteeFactory()
    with pytest.raises(InvalidInput, match=refused(text_limits.PROPOSAL, "The proposal")):
        decision_record_past(
            actor=task_force_lead,
            committee=policy,
            kind="operational",
            title="Taken in 2021",
            proposal=too_long(text_limits.PROPOSAL),
            opened_on=date(2021, 6, 1),
            closed_on=date(2021, 6, 8),
            outcome="rejected",
        )


def test_a_vote_comment_longer_than_its_limit_is_refused():
    policy = PolicyCommitteeFactory()
    decision = open_decision(policy)
    with pytest.raises(InvalidInput, match=refused(text_limits.COMMENT, "The comment")):
        vote_cast(actor=holders(policy)[0], decision=decision, choice="approve", comment=too_long(text_limits.COMMENT))
    assert not decision.votes.exists()


@pytest.mark.parametrize("service", [decision_endorse, decision_refuse_endorsement])
def test_an_endorsement_note_longer_than_its_limit_is_refused(service):
    leadership = LeadershipTeamFactory()
    decision = DecisionFactory(status="approved")
    with pytest.raises(InvalidInput, match=refused(text_limits.NOTE, "The note")):
        service(actor=holders(leadership)[0], decision=decision, note=too_long(text_limits.NOTE))
    decision.refresh_from_db()
    assert decision.status == "approved"


def test_a_backport_rationale_longer_than_its_limit_is_refused(task_force_lead):
    release = SupportedReleaseFactory()
    with pytest.raises(InvalidInput, match=refused(text_limits.RATIONALE, "The rationale")):
        backport_request_create(
            actor=task_force_lead,
            rfc_id="RFC-900",
            ticket="DM-40000",
            title="A fix",
            rationale=too_long(text_limits.RATIONALE),
            target_release=release,
        )


def test_release_notes_longer_than_their_limit_are_refused(task_force_lead):
    with pytest.raises(InvalidInput, match=refused(text_limits.NOTES, "The notes")):
        release_create(actor=task_force_lead, version="v29.0.0", notes=too_long(text_limits.NOTES))


def test_a_waiver_reason_longer_than_its_limit_is_refused(task_force_lead):
    step = StepFactory()
    with pytest.raises(InvalidInput, match=refused(text_limits.REASON, "The reason")):
        waiver_grant(actor=task_force_lead, step=step, reason=too_long(text_limits.REASON), decision=DecisionFactory())
    assert not step.waivers.exists()


def test_a_campaign_description_longer_than_its_limit_is_refused(operator):
    with pytest.raises(InvalidInput, match=refused(text_limits.DESCRIPTION, "The description")):
        campaign_create(actor=operator, name="DC2 RC8", description=too_long(text_limits.DESCRIPTION))


@pytest.mark.parametrize(
    ("path", "field", "limit"),
    [
        ("/api/v1/decisions/", "proposal", text_limits.PROPOSAL),
        ("/api/v1/backport-requests/", "rationale", text_limits.RATIONALE),
        ("/api/v1/releases/", "notes", text_limits.NOTES),
        ("/api/v1/campaigns/", "description", text_limits.DESCRIPTION),
    ],
)
def test_the_api_refuses_a_text_longer_than_its_limit_naming_the_field(path, field, limit, staff_user, client_for):
    response = client_for(staff_user).post(path, {field: too_long(limit)}, content_type="application/json")
    assert response.status_code == 400
    assert f"no more than {limit} characters" in str(response.json()[field])


def test_the_api_refuses_a_vote_comment_longer_than_its_limit(client_for):
    policy = PolicyCommitteeFactory()
    decision = open_decision(policy)
    response = client_for(holders(policy)[0]).post(
        f"/api/v1/decisions/{decision.pk}/vote/",
        {"choice": "approve", "comment": too_long(text_limits.COMMENT)},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert f"no more than {text_limits.COMMENT} characters" in str(response.json()["comment"])
    assert not decision.votes.exists()
