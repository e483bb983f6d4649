"""Committees, their seats, and the delegates who vote for a seat for a while."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction

from committee import permissions as may
from committee.choices import QuorumRule
from committee.models import Committee, Delegation, Seat
from console.errors import Conflict, InvalidInput, NotPermitted
from console.identifiers import COMMITTEE_SLUG
from console.roles import Role, user_has_role
from console.services import audit_record


@transaction.atomic
def committee_create(
    *,
    actor: AbstractBaseUser | None,
    name: str,
    slug: str,
    kind: str,
    areas: tuple[str, ...],
    quorum: str = QuorumRule.EVERY_SEAT,
    source: str = "system",
) -> Committee:
    """Create a committee with one vacant seat per area."""
    if actor is not None:
        may.CREATE_COMMITTEES.check(actor)
    if problem := COMMITTEE_SLUG.problem(slug):
        raise InvalidInput(f"slug {problem}")
    committee = Committee.objects.create(name=name, slug=slug, kind=kind, quorum=quorum)
    Seat.objects.bulk_create(Seat(committee=committee, area=area) for area in areas)
    audit_record(
        actor=actor,
        action="committee.created",
        obj=committee,
        after={"name": name, "kind": kind, "quorum": quorum, "seats": list(areas)},
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
    """The seat holder (or the task force lead) names a delegate for a period."""
    seat = Seat.objects.select_for_update(no_key=True, of=("self",)).select_related("committee").get(pk=seat.pk)
    # The holder of this seat, not any seat holder (``may.NAME_DELEGATE``): checked on the locked seat.
    if seat.holder_id != actor.pk and not user_has_role(actor, Role.TASK_FORCE_LEAD):
        raise NotPermitted(f"Only the holder of the seat {seat} (or the task force lead) may name its delegate.")
    if ends_on < starts_on:
        raise InvalidInput(f"The delegation ends ({ends_on}) before it starts ({starts_on}).")
    if delegate.pk == seat.holder_id:
        raise InvalidInput(f"{delegate} holds the seat already.")
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
