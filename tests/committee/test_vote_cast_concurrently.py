"""Two votes arriving at once on the last open seat close the decision exactly once."""

import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from committee.models import Decision, Delegation, Vote
from committee.services import vote_cast
from console.errors import Conflict
from console.models import AuditEvent
from tests.committee.factories import PolicyCommitteeFactory
from tests.committee.helpers import holders, open_decision
from tests.console.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_votes_on_the_last_seat_close_the_decision_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency are a PostgreSQL matter; CI runs this on PostgreSQL")
    policy = PolicyCommitteeFactory()
    decision = open_decision(policy)
    *first_three, last = holders(policy)
    for member in first_three:
        vote_cast(actor=member, decision=decision, choice="approve")
    last_seat = policy.seats.get(holder=last)
    stand_in = UserFactory(username="stand-in")
    today = timezone.localdate()
    Delegation.objects.create(seat=last_seat, delegate=stand_in, named_by=last, starts_on=today, ends_on=today)

    start = threading.Barrier(2)
    outcomes: list[str] = []

    def vote_as(user, choice):
        try:
            start.wait()
            vote_cast(actor=user, decision=Decision.objects.get(pk=decision.pk), choice=choice)
            outcomes.append("accepted")
        except Conflict as refused:
            outcomes.append(f"refused: {refused}")
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=vote_as, args=(last, "approve")),
        threading.Thread(target=vote_as, args=(stand_in, "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes)[0] == "accepted"
    assert sorted(outcomes)[1].startswith("refused: Decision")
    decision.refresh_from_db()
    assert decision.status in ("approved", "rejected")
    assert Vote.objects.filter(decision=decision, seat=last_seat).count() == 1
    assert (
        AuditEvent.objects.filter(
            object_id=str(decision.pk), action__in=["decision.approved", "decision.rejected"]
        ).count()
        == 1
    )
