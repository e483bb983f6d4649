"""Reads of committees and decisions."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser, User
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from committee.choices import CommitteeKind, DecisionStatus
from committee.models import Committee, Decision, Delegation, ReleaseApproval, Seat, Vote
from releases.models import BackportRequest
from releases.selectors import backports_proposed


def committees_with_seats() -> QuerySet[Committee]:
    """Committees with their seats (holder, ``has_votes``: whether it ever voted) and the seats' delegations."""
    seats = (
        Seat.objects.select_related("holder")
        .annotate(has_votes=Exists(Vote.objects.filter(seat=OuterRef("pk"))))
        .prefetch_related(
            Prefetch("delegations", queryset=Delegation.objects.select_related("delegate").order_by("-starts_on"))
        )
    )
    return Committee.objects.prefetch_related(Prefetch("seats", queryset=seats))


def decision_list() -> QuerySet[Decision]:
    """Decisions with committee, release, backport and their tally (filter with ``DecisionFilter``)."""
    return (
        Decision.objects.select_related("committee", "release", "backport_request", "proposed_by", "recorded_by")
        .prefetch_related("campaigns")
        .with_tally()
        .order_by("-created_at", "-id")
    )


def decisions_awaiting_vote_of(user: AbstractBaseUser, *, today: date) -> QuerySet[Decision]:
    """Open decisions where a seat the user holds, or stands in for today, has no current vote, and the user has
    none either (one person, one vote per decision: ``vote_cast``)."""
    if not user.is_authenticated:
        return Decision.objects.none()
    stands_in_for = Delegation.objects.active_on(today).filter(delegate=user.pk).values("seat")
    my_seats = Seat.objects.filter(Q(holder=user.pk) | Q(pk__in=stands_in_for))
    voted = Vote.objects.filter(decision=OuterRef("decision_id"), seat=OuterRef("pk"), superseded_at__isnull=True)
    waiting_seats = (
        my_seats.filter(committee=OuterRef("committee_id")).annotate(decision_id=OuterRef("pk")).exclude(Exists(voted))
    )
    my_vote = Vote.objects.filter(decision=OuterRef("pk"), cast_by=user.pk, superseded_at__isnull=True)
    return (
        decision_list()
        .filter(status=DecisionStatus.OPEN)
        .filter(Exists(waiting_seats))
        .exclude(Exists(my_vote))
        .order_by("deadline")
    )


def decisions_awaiting_endorsement() -> QuerySet[Decision]:
    """The policy committee's decisions approved by their votes that the leadership team has neither endorsed nor
    refused (``Decision.awaits_endorsement``), the longest waiting first."""
    return (
        Decision.objects.select_related("committee", "release", "backport_request")
        .filter(status=DecisionStatus.APPROVED, committee__kind=CommitteeKind.POLICY)
        .order_by("closed_at", "pk")
    )


def decisions_awaiting_endorsement_by(user: AbstractBaseUser) -> QuerySet[Decision]:
    """``decisions_awaiting_endorsement`` when the user holds a seat of the leadership team, which endorses them;
    none otherwise. One query either way."""
    if not user.is_authenticated:
        return Decision.objects.none()
    endorses = Seat.objects.filter(holder=user.pk, committee__kind=CommitteeKind.LEADERSHIP)
    return decisions_awaiting_endorsement().filter(Exists(endorses))


def decisions_drafted_by(user: AbstractBaseUser) -> QuerySet[Decision]:
    """The user's drafts, not opened for votes yet, the oldest first."""
    if not user.is_authenticated:
        return Decision.objects.none()
    return (
        Decision.objects.select_related("committee")
        .filter(status=DecisionStatus.DRAFT, proposed_by=user.pk)
        .order_by("created_at", "pk")
    )


def backports_awaiting_board_review_by(user: AbstractBaseUser) -> QuerySet[BackportRequest]:
    """Proposed backport requests that no decision of the change control board is drafted for yet, when the user
    holds a seat of the board (whose members propose its decisions); none otherwise. One query either way.

    A request under decision is under review, and its open decision awaits the members' votes
    (``decisions_awaiting_vote_of``); one whose decision expired is proposed again and is listed here again."""
    if not user.is_authenticated:
        return BackportRequest.objects.none()
    sits_on_board = Seat.objects.filter(holder=user.pk, committee__kind=CommitteeKind.CHANGE_CONTROL)
    drafted = Decision.objects.filter(backport_request=OuterRef("pk"), status=DecisionStatus.DRAFT)
    return backports_proposed().filter(Exists(sits_on_board)).exclude(Exists(drafted))


def open_decision_count(committee: Committee) -> int:
    """How many of the committee's decisions are open (a change of its quorum rule applies to them)."""
    return committee.decisions.filter(status=DecisionStatus.OPEN).count()


def decisions_awaiting_votes() -> QuerySet[Decision]:
    return decision_list().filter(status=DecisionStatus.OPEN).order_by("deadline")


def decision_detail(pk: int) -> Decision:
    """One decision with its committee's seats (holders, delegations) and every vote, current and superseded."""
    seats = Seat.objects.select_related("holder").prefetch_related(
        Prefetch("delegations", queryset=Delegation.objects.select_related("delegate"))
    )
    votes = Vote.objects.select_related("seat", "cast_by", "on_behalf_of").order_by("cast_at", "id")
    return (
        Decision.objects.select_related(
            "committee", "release", "backport_request", "proposed_by", "endorsed_by", "recorded_by"
        )
        .prefetch_related(Prefetch("committee__seats", queryset=seats), Prefetch("votes", queryset=votes), "campaigns")
        .get(pk=pk)
    )


# Who may do what (committee/permissions.py) ------------------------------------------------------------


def holds_seat(user: AbstractBaseUser, *, kinds: tuple[str, ...] | None = None) -> bool:
    """Whether the user holds a seat (of a committee of one of the kinds, when given)."""
    seats = Seat.objects.filter(holder=user.pk)
    if kinds is not None:
        seats = seats.filter(committee__kind__in=kinds)
    return seats.exists()


def stands_in_for_a_seat(user: AbstractBaseUser, *, today: date) -> bool:
    """Whether the user is the delegate of a seat today."""
    return Delegation.objects.active_on(today).filter(delegate=user.pk).exists()


def seats_voted_for_by(user: AbstractBaseUser, committee: Committee, day: date) -> list[tuple[Seat, User | None]]:
    """The seats of a committee the user may vote for on a day, each with the holder a delegate votes for."""
    held = [(seat, None) for seat in committee.seats.filter(holder=user.pk)]
    delegated = [
        (delegation.seat, delegation.seat.holder)
        for delegation in Delegation.objects.active_on(day)
        .select_related("seat__holder")
        .filter(seat__committee=committee, delegate=user.pk)
    ]
    return held + delegated


def has_proposed_decisions(user: AbstractBaseUser) -> bool:
    return Decision.objects.filter(proposed_by=user.pk).exists()


def release_is_approved_for(*, release, campaign) -> bool:
    """Whether the policy committee approved this release for this campaign."""
    return ReleaseApproval.objects.filter(release=release, campaign=campaign).exists()
