"""Votes: a seat's holder, or its delegate during the delegation, votes; the vote that meets the committee's rule
closes the decision. One person casts one current vote per decision, whatever seats they hold or stand in for."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from committee.choices import DecisionStatus, VoteChoice
from committee.models import Decision, Seat, Vote
from committee.selectors import seats_voted_for_by
from committee.services.decisions import close_decision, lock_decision
from console.errors import Conflict, InvalidInput, NotPermitted
from console.services import audit_record
from console.text_limits import COMMENT, text_check


@transaction.atomic
def vote_cast(
    *, actor: AbstractBaseUser, decision: Decision, choice: str, comment: str = "", seat: Seat | None = None
) -> Vote:
    """Vote for a seat: its holder, or its delegate during the delegation. A new vote supersedes the seat's last.

    Someone who may vote for several seats (a holder who is also another seat's delegate) votes for one of them:
    while their vote for one seat counts, they may change it but not vote for another seat too. Without ``seat``,
    their vote goes to the seat they voted for already.

    The decision row is locked, so concurrent votes are counted one after the
    other, and the vote that meets the committee's rule closes the decision.
    """
    if choice not in VoteChoice.values:
        raise InvalidInput(f"{choice!r} is not a vote; vote one of {', '.join(VoteChoice.values)}.")
    text_check(comment.strip(), limit=COMMENT, what="The comment")
    decision = lock_decision(decision)
    if decision.status != DecisionStatus.OPEN:
        raise Conflict(f"Decision #{decision.pk} is {decision.status}; votes are taken only while it is open.")
    now = timezone.now()
    if decision.deadline <= now:
        raise Conflict(f"Decision #{decision.pk} passed its deadline at {decision.deadline:%Y-%m-%d %H:%M}.")
    eligible = seats_voted_for_by(actor, decision.committee, timezone.localdate(now))
    if seat is not None:
        eligible = [(held, holder) for held, holder in eligible if held.pk == seat.pk]
        if not eligible:
            raise NotPermitted(f"{actor.get_username()} may not vote for the seat {seat.area}.")
    if not eligible:
        raise NotPermitted(
            f"{actor.get_username()} holds no seat of the {decision.committee} and is no active delegate of one."
        )
    # The decision is locked: no other vote of this person can be cast meanwhile.
    current = Vote.objects.filter(decision=decision, superseded_at__isnull=True)
    own = current.filter(cast_by=actor.pk).select_related("seat").first()
    if own is not None:
        eligible = [(held, holder) for held, holder in eligible if held.pk == own.seat_id]
        if not eligible:
            raise Conflict(
                f"{actor.get_username()} voted for the seat {own.seat.area} on decision #{decision.pk} already; "
                "one person casts one vote per decision, for one seat."
            )
    if len(eligible) > 1:
        areas = ", ".join(held.area for held, _ in eligible)
        raise InvalidInput(f"You may vote for several seats ({areas}); name the seat.")
    voting_seat, on_behalf_of = eligible[0]
    previous = Vote.objects.filter(decision=decision, seat=voting_seat, superseded_at__isnull=True).first()
    if previous is not None:
        previous.superseded_at = now
        previous.save(update_fields=["superseded_at"])
    vote = Vote.objects.create(
        decision=decision,
        seat=voting_seat,
        choice=choice,
        comment=comment.strip(),
        cast_by=actor,
        on_behalf_of=on_behalf_of,
        cast_at=now,
    )
    audit_record(
        actor=actor,
        action="decision.vote-changed" if previous else "decision.voted",
        obj=decision,
        before={"seat": voting_seat.area, "vote": previous.choice} if previous else None,
        after={
            "seat": voting_seat.area,
            "vote": choice,
            "on_behalf_of": on_behalf_of.get_username() if on_behalf_of else None,
        },
    )
    tally = decision.tally()
    if tally.rule_met:
        close_decision(decision, actor=actor, tally=tally, now=now)
    return vote
