"""Opening, closing at the deadline, endorsement, and the effects each applies in its transaction."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from committee.models import DecisionNotification, ReleaseApproval
from committee.services import (
    decision_endorse,
    decision_open,
    decision_refuse_endorsement,
    decisions_close_expired,
    vote_cast,
    vote_reminders_send,
)
from console.errors import Conflict, InvalidInput, NotPermitted
from console.models import AuditEvent
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import (
    ChangeControlBoardFactory,
    DecisionFactory,
    LeadershipTeamFactory,
    PolicyCommitteeFactory,
)
from tests.committee.helpers import holders, open_decision
from tests.releases.factories import BackportRequestFactory, ReleaseFactory

pytestmark = pytest.mark.django_db


def test_opening_notifies_every_seat_holder_once(settings, django_capture_on_commit_callbacks):
    policy = PolicyCommitteeFactory()

    with django_capture_on_commit_callbacks(execute=True):
        decision = open_decision(policy)

    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted(member.email for member in holders(policy))
    assert mail.outbox[0].subject == f"[Policy committee] Vote open: {decision.title}"
    assert f"{settings.CONSOLE_BASE_URL}/committee/{decision.pk}/" in mail.outbox[0].body
    assert DecisionNotification.objects.filter(decision=decision, kind="opened").count() == 1


def test_the_proposer_or_the_lead_opens_a_decision_and_no_one_else(task_force_lead):
    policy = PolicyCommitteeFactory()
    decision = DecisionFactory(committee=policy, status="draft", opened_at=None)

    with pytest.raises(NotPermitted):
        decision_open(actor=holders(policy)[2], decision=decision)
    opened = decision_open(actor=task_force_lead, decision=decision)

    assert opened.status == "open"
    with pytest.raises(Conflict, match="is open; it cannot become open"):
        decision_open(actor=task_force_lead, decision=decision)


def test_an_open_decision_past_its_deadline_expires_and_its_backport_goes_back_to_proposed():
    board = ChangeControlBoardFactory()
    backport = BackportRequestFactory()
    decision = open_decision(board, kind="backport", days=1, backport_request=backport)
    vote_cast(actor=holders(board)[0], decision=decision, choice="approve")
    backport.refresh_from_db()
    assert backport.status == "under-review"

    closed = decisions_close_expired(now=timezone.now() + timedelta(days=2))

    decision.refresh_from_db()
    backport.refresh_from_db()
    assert closed == [decision.pk]
    assert decision.status == "expired"
    assert backport.status == "proposed"
    assert AuditEvent.objects.get(action="decision.expired").actor_name == "deadline"
    assert decisions_close_expired(now=timezone.now() + timedelta(days=2)) == []


def test_a_rejected_backport_decision_rejects_the_backport(django_capture_on_commit_callbacks):
    board = ChangeControlBoardFactory()
    backport = BackportRequestFactory()
    decision = open_decision(board, kind="backport", backport_request=backport)

    with django_capture_on_commit_callbacks(execute=True):
        for member in holders(board):
            vote_cast(actor=member, decision=decision, choice="reject")

    backport.refresh_from_db()
    assert backport.status == "rejected"
    assert mail.outbox[-1].subject.startswith("[Change control board] Decision rejected")


def test_a_backport_decision_needs_a_proposed_backport_and_the_board():
    policy = PolicyCommitteeFactory()
    backport = BackportRequestFactory()

    with pytest.raises(InvalidInput, match="Backports are decided by the change control board"):
        open_decision(policy, kind="backport", backport_request=backport)


@pytest.fixture
def approved_pipeline_decision():
    policy = PolicyCommitteeFactory()
    release = ReleaseFactory(version="v23.0.0")
    campaign = CampaignFactory(name="DP0.2")
    decision = open_decision(policy, kind="pipeline-version", release=release, campaigns=[campaign])
    for member in holders(policy):
        vote_cast(actor=member, decision=decision, choice="approve")
    decision.refresh_from_db()
    return decision


def test_only_the_leadership_team_endorses(approved_pipeline_decision, task_force_lead):
    leadership = LeadershipTeamFactory()

    with pytest.raises(NotPermitted, match="leadership team"):
        decision_endorse(actor=task_force_lead, decision=approved_pipeline_decision)
    endorsed = decision_endorse(actor=holders(leadership)[0], decision=approved_pipeline_decision, note="Agreed.")

    assert (endorsed.status, endorsed.endorsement_note) == ("endorsed", "Agreed.")


def test_an_approved_pipeline_decision_approves_nothing_before_it_is_endorsed(approved_pipeline_decision):
    release = approved_pipeline_decision.release
    release.refresh_from_db()

    assert approved_pipeline_decision.status == "approved"
    assert approved_pipeline_decision.awaits_endorsement
    assert approved_pipeline_decision.status_label == "Approved by the committee, awaiting endorsement"
    assert release.status == "candidate"
    assert not ReleaseApproval.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="release.").exists()


def test_an_endorsed_pipeline_decision_approves_its_release_for_its_campaigns(approved_pipeline_decision):
    leadership = LeadershipTeamFactory()

    endorsed = decision_endorse(actor=holders(leadership)[0], decision=approved_pipeline_decision)

    release = endorsed.release
    release.refresh_from_db()
    assert (endorsed.status, endorsed.in_effect, release.status) == ("endorsed", True, "approved")
    approval = ReleaseApproval.objects.get()
    assert (approval.campaign.name, approval.decision_id) == ("DP0.2", endorsed.pk)
    assert list(
        AuditEvent.objects.filter(action__in=["decision.endorsed", "release.approved", "release.approved-for-campaign"])
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "decision.endorsed",
        "release.approved",
        "release.approved-for-campaign",
    ]


def test_a_refused_endorsement_means_the_decision_never_took_effect(approved_pipeline_decision):
    leadership = LeadershipTeamFactory()

    refused = decision_refuse_endorsement(
        actor=holders(leadership)[0], decision=approved_pipeline_decision, note="Wait for the w.40 mini run."
    )

    release = refused.release
    release.refresh_from_db()
    assert (refused.status, refused.in_effect, release.status) == ("endorsement-refused", False, "candidate")
    assert not ReleaseApproval.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="release.").exists()


def test_a_refused_endorsement_withdraws_approvals_given_at_close_before_endorsement_was_required(
    approved_pipeline_decision,
):
    # A decision closed by the earlier rule, which approved the release for its campaigns at the close.
    release = approved_pipeline_decision.release
    release.status = "approved"
    release.save(update_fields=["status"])
    ReleaseApproval.objects.create(
        release=release,
        campaign=approved_pipeline_decision.campaigns.get(),
        decision=approved_pipeline_decision,
        approved_at=timezone.now(),
    )

    decision_refuse_endorsement(
        actor=holders(LeadershipTeamFactory())[0], decision=approved_pipeline_decision, note="Not validated."
    )

    release.refresh_from_db()
    assert release.status == "candidate"
    assert not ReleaseApproval.objects.exists()
    assert AuditEvent.objects.filter(action="release.approval-withdrawn").count() == 1


def test_an_approved_backport_decision_takes_effect_when_it_closes():
    board = ChangeControlBoardFactory()
    backport = BackportRequestFactory()
    decision = open_decision(board, kind="backport", backport_request=backport)

    for member in holders(board):
        vote_cast(actor=member, decision=decision, choice="approve")

    decision.refresh_from_db()
    backport.refresh_from_db()
    assert (decision.status, decision.awaits_endorsement, decision.in_effect) == ("approved", False, True)
    assert decision.status_label == "Approved"
    assert backport.status == "approved"


def test_the_boards_decisions_are_not_endorsed():
    board = ChangeControlBoardFactory()
    leadership = LeadershipTeamFactory()
    decision = open_decision(board)
    for member in holders(board):
        vote_cast(actor=member, decision=decision, choice="approve")

    with pytest.raises(Conflict, match="Only the policy committee's decisions are endorsed"):
        decision_endorse(actor=holders(leadership)[0], decision=decision)


def test_seats_that_have_not_voted_are_reminded_once_when_the_deadline_nears():
    policy = PolicyCommitteeFactory()
    decision = open_decision(policy, days=1)
    vote_cast(actor=holders(policy)[0], decision=decision, choice="approve")
    mail.outbox.clear()

    assert vote_reminders_send() == 3
    assert vote_reminders_send() == 0

    assert len(mail.outbox) == 3
    assert {tuple(message.to) for message in mail.outbox} == {(member.email,) for member in holders(policy)[1:]}
