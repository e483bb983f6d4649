"""Votes: who may vote, one current vote per seat, no votes outside `open`, delegates within their period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from committee.models import Delegation, Vote
from committee.services import delegation_create, vote_cast
from console.errors import Conflict, NotPermitted
from console.models import AuditEvent
from tests.committee.factories import PolicyCommitteeFactory
from tests.committee.helpers import holders, open_decision
from tests.console.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy():
    return PolicyCommitteeFactory()


def test_it_refuses_a_vote_from_someone_without_a_seat(policy, task_force_lead):
    decision = open_decision(policy)

    with pytest.raises(NotPermitted, match="lead holds no seat of the Policy committee"):
        vote_cast(actor=task_force_lead, decision=decision, choice="approve")

    assert not Vote.objects.exists()


def test_a_second_vote_of_a_seat_supersedes_the_first_and_is_counted_once(policy):
    decision = open_decision(policy)
    member = holders(policy)[0]

    first = vote_cast(actor=member, decision=decision, choice="approve", comment="Looks good.")
    second = vote_cast(actor=member, decision=decision, choice="reject", comment="The mini run regressed.")

    first.refresh_from_db()
    assert first.superseded_at is not None
    assert second.superseded_at is None
    assert Vote.objects.filter(decision=decision).count() == 2
    tally = decision.tally()
    assert (tally.approve, tally.reject, tally.voted) == (0, 1, 1)
    assert list(AuditEvent.objects.filter(object_id=str(decision.pk)).values_list("action", flat=True)) == [
        "decision.vote-changed",
        "decision.voted",
        "decision.opened",
        "decision.created",
    ]


def test_it_refuses_a_vote_after_the_decision_closed(policy):
    decision = open_decision(policy)
    members = holders(policy)
    for member in members:
        vote_cast(actor=member, decision=decision, choice="approve")
    decision.refresh_from_db()
    assert decision.status == "approved"

    with pytest.raises(Conflict, match="is approved; votes are taken only while it is open"):
        vote_cast(actor=members[0], decision=decision, choice="reject")

    assert Vote.objects.filter(decision=decision).count() == 4
    assert not Vote.objects.filter(choice="reject").exists()


def test_it_refuses_a_vote_on_a_draft(policy):
    from committee.services import decision_create

    member = holders(policy)[0]
    draft = decision_create(
        actor=member,
        committee=policy,
        kind="operational",
        title="t",
        proposal="p",
        deadline=timezone.now() + timedelta(days=1),
    )

    with pytest.raises(Conflict, match="is draft"):
        vote_cast(actor=member, decision=draft, choice="approve")

    assert not Vote.objects.exists()


def test_a_delegate_votes_on_behalf_of_the_member_during_the_period(policy):
    decision = open_decision(policy)
    member = holders(policy)[1]
    seat = policy.seats.get(holder=member)
    stand_in = UserFactory(username="stand-in", roles=["committee-member"])
    today = timezone.localdate()
    delegation_create(actor=member, seat=seat, delegate=stand_in, starts_on=today, ends_on=today + timedelta(days=3))

    vote = vote_cast(actor=stand_in, decision=decision, choice="approve")

    assert (vote.seat, vote.cast_by, vote.on_behalf_of) == (seat, stand_in, member)
    event = AuditEvent.objects.get(action="decision.voted")
    assert event.after == {"seat": seat.area, "vote": "approve", "on_behalf_of": member.username}


def test_it_refuses_a_delegate_outside_their_period(policy):
    decision = open_decision(policy)
    member = holders(policy)[1]
    seat = policy.seats.get(holder=member)
    stand_in = UserFactory(username="stand-in")
    last_week = timezone.localdate() - timedelta(days=7)
    Delegation.objects.create(
        seat=seat, delegate=stand_in, named_by=member, starts_on=last_week, ends_on=last_week + timedelta(days=2)
    )

    with pytest.raises(NotPermitted, match="stand-in holds no seat"):
        vote_cast(actor=stand_in, decision=decision, choice="approve")

    assert not Vote.objects.exists()


def test_only_the_seat_holder_names_a_delegate(policy):
    seat = policy.seats.order_by("area").first()
    other_member = holders(policy)[1]
    today = timezone.localdate()

    with pytest.raises(NotPermitted, match="Only the holder of the seat"):
        delegation_create(actor=other_member, seat=seat, delegate=other_member, starts_on=today, ends_on=today)

    assert not Delegation.objects.exists()


def test_a_tie_is_rejected(policy):
    decision = open_decision(policy)

    for member, choice in zip(holders(policy), ["approve", "approve", "reject", "reject"], strict=True):
        vote_cast(actor=member, decision=decision, choice=choice)

    decision.refresh_from_db()
    assert decision.status == "rejected"
    assert decision.outcome_summary == "2 approve, 2 reject, 0 abstain of 4 seats"


def test_a_majority_of_the_seats_that_voted_approves_despite_abstentions(policy):
    decision = open_decision(policy)

    for member, choice in zip(holders(policy), ["approve", "abstain", "abstain", "abstain"], strict=True):
        vote_cast(actor=member, decision=decision, choice=choice)

    decision.refresh_from_db()
    assert decision.status == "approved"
