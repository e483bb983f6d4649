"""Committees, their seats, and the delegates who vote for a seat for a while."""

from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.utils import timezone

from committee import permissions as may
from committee.choices import QuorumRule
from committee.models import Committee, Delegation, Seat
from console.errors import Conflict, InvalidInput, NotPermitted
from console.identifiers import COMMITTEE_SLUG
from console.roles import Role, user_has_role
from console.services import audit_record

# A delegation's period: it starts at most DELEGATION_BACKDATED_DAYS before the day it is named (a holder who
# fell ill on Monday names a delegate on Wednesday) and at most DELEGATION_AHEAD_DAYS after it, and lasts at most
# DELEGATION_MAX_DAYS days (both ends included); a longer absence is a new seat holder (``seat_assign``).
DELEGATION_BACKDATED_DAYS = 7
DELEGATION_AHEAD_DAYS = 365
DELEGATION_MAX_DAYS = 365


@transaction.atomic
def committee_create(
    *,
    actor: AbstractBaseUser | None,
    name: str,
    slug: str,
    kind: str,
    areas: tuple[str, ...],
    quorum: str = QuorumRule.EVERY_SEAT,
    chair: str | None = None,
    source: str = "system",
) -> Committee:
    """Create a committee with one vacant seat per area; the seat of the area ``chair`` (if given) chairs it."""
    if actor is not None:
        may.CREATE_COMMITTEES.check(actor)
    if problem := COMMITTEE_SLUG.problem(slug):
        raise InvalidInput(f"slug {problem}")
    if chair is not None and chair not in areas:
        raise InvalidInput(f"The chair {chair!r} is not one of the areas ({', '.join(areas)}).")
    committee = Committee.objects.create(name=name, slug=slug, kind=kind, quorum=quorum)
    Seat.objects.bulk_create(Seat(committee=committee, area=area, chair=area == chair) for area in areas)
    audit_record(
        actor=actor,
        action="committee.created",
        obj=committee,
        after={"name": name, "kind": kind, "quorum": quorum, "seats": list(areas), "chair": chair},
        system_actor=source,
    )
    return committee


@transaction.atomic
def seat_assign(*, actor: AbstractBaseUser | None, seat: Seat, holder: User | None, source: str = "system") -> Seat:
    """Give a seat to a member (or leave it vacant with ``holder=None``). People need the task force lead role."""
    if actor is not None:
        may.ASSIGN_SEATS.check(actor)
    seat = Seat.objects.select_for_update(no_key=True, of=("self",)).select_related("holder").get(pk=seat.pk)
    before = seat.holder.get_username() if seat.holder else None
    seat.holder = holder
    seat.save(update_fields=["holder"])
    audit_record(
        actor=actor,
        action="seat.assigned",
        obj=seat,
        before={"holder": before},
        after={"holder": holder.get_username() if holder else None},
        system_actor=source,
    )
    return seat


@transaction.atomic
def delegation_create(
    *, actor: AbstractBaseUser, seat: Seat, delegate: User, starts_on: date, ends_on: date
) -> Delegation:
    """The seat holder, the holder of the committee's chair or the task force lead names a delegate for a period.

    The delegate is someone the committee allows to stand in (``Committee.may_delegate_to``), for a period within
    the limits above.
    """
    seat = Seat.objects.select_for_update(no_key=True, of=("self",)).select_related("committee").get(pk=seat.pk)
    committee = seat.committee
    # The holder of this seat or of its committee's chair, not any seat holder (``may.NAME_DELEGATE``): checked on
    # the locked seat.
    chairs = committee.seats.filter(chair=True, holder=actor.pk).exists()
    if seat.holder_id != actor.pk and not chairs and not user_has_role(actor, Role.TASK_FORCE_LEAD):
        raise NotPermitted(
            f"Only the holder of the seat {seat}, the chair of the {committee} or the task force lead may name "
            "its delegate."
        )
    if ends_on < starts_on:
        raise InvalidInput(f"The delegation ends ({ends_on}) before it starts ({starts_on}).")
    _check_period(starts_on, ends_on)
    if delegate.pk == seat.holder_id:
        raise InvalidInput(f"{delegate} holds the seat already.")
    if not committee.may_delegate_to(delegate):
        role = committee.delegate_role
        who = f"people with the {role.label.lower()} role or " if role else ""
        raise InvalidInput(
            f"{delegate} may not stand in for a seat of the {committee}: its delegates are {who}holders of its seats."
        )
    overlapping = seat.delegations.overlapping(starts_on, ends_on)
    if overlapping.exists():
        raise Conflict(f"{seat} has a delegate for part of {starts_on}..{ends_on} already: {overlapping.first()}.")
    delegation = Delegation.objects.create(
        seat=seat, delegate=delegate, named_by=actor, starts_on=starts_on, ends_on=ends_on
    )
    audit_record(
        actor=actor,
        action="seat.delegate-named",
        obj=seat,
        after={"delegate": delegate.get_username(), "starts_on": str(starts_on), "ends_on": str(ends_on)},
    )
    return delegation


def _check_period(starts_on: date, ends_on: date) -> None:
    today = timezone.localdate()
    earliest, latest = today - timedelta(days=DELEGATION_BACKDATED_DAYS), today + timedelta(days=DELEGATION_AHEAD_DAYS)
    if not earliest <= starts_on <= latest:
        raise InvalidInput(
            f"A delegation starts at most {DELEGATION_BACKDATED_DAYS} days back and {DELEGATION_AHEAD_DAYS} days "
            f"ahead ({earliest}..{latest}), not on {starts_on}."
        )
    days = (ends_on - starts_on).days + 1
    if days > DELEGATION_MAX_DAYS:
        last = starts_on + timedelta(days=DELEGATION_MAX_DAYS - 1)
        raise InvalidInput(
            f"A delegation lasts at most {DELEGATION_MAX_DAYS} days (from {starts_on} to {last} at the latest), "
            f"not {days}."
        )
