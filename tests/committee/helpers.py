"""Decisions put to the vote through the services, for tests of what happens next."""

from datetime import timedelta

from django.utils import timezone

from committee.models import Committee, Decision
from committee.services import decision_create, decision_open


def open_decision(committee: Committee, *, kind: str = "operational", days: int = 7, **links) -> Decision:
    """An open decision of the committee, proposed by the holder of its first seat."""
    proposer = committee.seats.exclude(holder=None).order_by("area").first().holder
    decision = decision_create(
        actor=proposer,
        committee=committee,
        kind=kind,
        title="Run the QA tooling at the USDF",
        proposal="Run faro on every step-3 output at the USDF.",
        deadline=timezone.now() + timedelta(days=days),
        **links,
    )
    return decision_open(actor=proposer, decision=decision)


def holders(committee: Committee) -> list:
    return [seat.holder for seat in committee.seats.select_related("holder").order_by("area")]
