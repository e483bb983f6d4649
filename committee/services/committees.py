"""Committees, their seats, and the delegates who vote for a seat for a while."""

from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import IntegrityError, transaction
from django.utils import timezone

from committee import permissions as may
from committee.choices import CommitteeKind, QuorumRule
from committee.models import Committee, Delegation, Seat
from console.errors import Conflict, InvalidInput, NotPermitted
from console.identifiers import COMMITTEE_SLUG
from console.roles import Role, user_has_role, user_roles
from console.services import audit_record

# A delegation's period: it starts at most DELEGATION_BACKDATED_DAYS before the day it is named (a holder who
# fell ill on Monday names a delegate on Wednesday) and at most DELEGATION_AHEAD_DAYS after it, and lasts at most
# DELEGATION_MAX_DAYS days (both ends included); a longer absence is a new seat holder (``seat_assign``).
DELEGATION_BACKDATED_DAYS = 7
DELEGATION_AHEAD_DAYS = 365
DELEGATION_MAX_DAYS = 365


# A committee's name and a seat's area: what the columns hold.
NAME_MAX_LENGTH = Committee._meta.get_field("name").max_length
AREA_MAX_LENGTH = Seat._meta.get_field("area").max_length
# Slugs that name a page of the committees rather than a committee (``committee/urls.py``).
RESERVED_SLUGS = frozenset({"new"})


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
    if slug in RESERVED_SLUGS:
        raise InvalidInput(f"slug {slug!r} names a page of the committees: choose another.")
    name = name.strip()
    if not name or len(name) > NAME_MAX_LENGTH:
        raise InvalidInput(f"name {name[:40]!r}: a committee's name has 1 to {NAME_MAX_LENGTH} characters.")
    if kind not in CommitteeKind.values:
        raise InvalidInput(f"kind {kind!r} is not one of {', '.join(CommitteeKind.values)}.")
    _check_quorum(quorum)
    areas = tuple(areas)
    if not areas:
        raise InvalidInput("areas: a committee needs at least one seat (one area per seat).")
    for area in areas:
        _check_area(area)
    seen: dict[str, str] = {}
    for area in areas:
        if area.casefold() in seen:
            raise InvalidInput(f"areas: each area has one seat; {seen[area.casefold()]!r} is given twice ({area!r}).")
        seen[area.casefold()] = area
    if chair is not None and chair not in areas:
        raise InvalidInput(f"The chair {chair!r} is not one of the areas ({', '.join(areas)}).")
    for field, value in (("name", name), ("slug", slug)):
        if Committee.objects.filter(**{field: value}).exists():
            raise InvalidInput(f"{field} {value!r} is taken by another committee.")
    try:
        with transaction.atomic():
            committee = Committee.objects.create(name=name, slug=slug, kind=kind, quorum=quorum)
    except IntegrityError as error:
        # Another request created a committee of that name or slug since the check above.
        raise Conflict(f"A committee named {name!r} or with the slug {slug!r} was just created.") from error
    Seat.objects.bulk_create(Seat(committee=committee, area=area, chair=area == chair) for area in areas)
    audit_record(
        actor=actor,
        action="committee.created",
        obj=committee,
        after={"name": name, "kind": kind, "quorum": quorum, "seats": list(areas), "chair": chair},
        system_actor=source,
    )
    return committee


def _check_quorum(quorum: str) -> None:
    if quorum not in QuorumRule.values:
        raise InvalidInput(f"quorum {quorum!r} is not one of {', '.join(QuorumRule.values)}.")


def _check_area(area: str) -> None:
    if not area or area != area.strip() or len(area) > AREA_MAX_LENGTH or not area.isprintable():
        raise InvalidInput(
            f"area {area[:40]!r}: an area has 1 to {AREA_MAX_LENGTH} printable characters, without spaces around."
        )


def _locked_committee(committee: Committee) -> Committee:
    """The committee's row, locked: its seats, chair and quorum change one request at a time."""
    return Committee.objects.select_for_update(no_key=True).get(pk=committee.pk)


@transaction.atomic
def seat_add(*, actor: AbstractBaseUser, committee: Committee, area: str) -> Seat:
    """Add a vacant seat for an area to a committee."""
    may.CHANGE_SEATS.check(actor)
    committee = _locked_committee(committee)
    area = area.strip()
    _check_area(area)
    taken = next((seat for seat in committee.seats.all() if seat.area.casefold() == area.casefold()), None)
    if taken is not None:
        raise Conflict(f"The {committee} has a seat for {taken.area!r} already.")
    seat = Seat.objects.create(committee=committee, area=area)
    audit_record(actor=actor, action="seat.added", obj=seat, after={"committee": committee.slug, "area": area})
    return seat


@transaction.atomic
def seat_remove(*, actor: AbstractBaseUser, seat: Seat) -> None:
    """Remove a vacant seat that never voted, is not the chair and has no delegate from today on.

    A seat that voted is kept, so that the register still shows who voted: vacate it instead. Its past
    delegations go with it (their audit rows stay, and the removal's row lists them).
    """
    may.CHANGE_SEATS.check(actor)
    committee = _locked_committee(seat.committee)
    # FOR UPDATE, not NO KEY: a vote being cast for the seat (which takes a key-share lock on it) waits for the
    # removal, or the removal for the vote.
    seat = Seat.objects.select_for_update(of=("self",)).select_related("holder").get(pk=seat.pk)
    seat.committee = committee
    votes = seat.votes.values("decision").distinct().count()
    if votes:
        instead = f"vacate it instead (it is held by {seat.holder})" if seat.holder else "it stays, vacant"
        raise Conflict(
            f"The seat {seat} has voted on {votes} decision{'s' if votes != 1 else ''}: a seat with votes is kept, "
            f"so that the register shows who voted; {instead}."
        )
    if seat.holder is not None:
        raise Conflict(f"The seat {seat} is held by {seat.holder}: vacate it first.")
    if seat.chair:
        raise Conflict(f"The seat {seat} chairs the {committee}: move the chair to another seat first.")
    today = timezone.localdate()
    current = seat.delegations.filter(ends_on__gte=today).select_related("delegate").first()
    if current is not None:
        raise Conflict(f"The seat {seat} has a delegate from today on ({current}): end the delegation first.")
    past = [str(delegation) for delegation in seat.delegations.select_related("delegate")]
    audit_record(
        actor=actor,
        action="seat.removed",
        obj=seat,
        before={"committee": committee.slug, "area": seat.area, "delegations": past},
    )
    seat.delete()


@transaction.atomic
def seat_assign(*, actor: AbstractBaseUser | None, seat: Seat, holder: User | None, source: str = "system") -> Seat:
    """Give a seat to a person (or leave it vacant with ``holder=None``).

    The holder is an active user with the committee's member role (``Committee.delegate_role``); the leadership
    team, which endorses the policy committee's decisions and has no member role of its own, seats people with
    the task force lead role or staff. One person holds at most one seat of a committee (one vote per decision).
    """
    if actor is not None:
        may.ASSIGN_SEATS.check(actor)
    committee = _locked_committee(seat.committee)
    seat = Seat.objects.select_for_update(no_key=True, of=("self",)).select_related("holder").get(pk=seat.pk)
    seat.committee = committee
    before = seat.holder.get_username() if seat.holder else None
    if holder is None and seat.holder is None:
        raise Conflict(f"The seat {seat} is vacant already.")
    if holder is not None:
        if holder.pk == seat.holder_id:
            raise Conflict(f"{holder} holds the seat {seat} already.")
        _check_holder(committee, holder)
        other = committee.seats.filter(holder=holder.pk).exclude(pk=seat.pk).first()
        if other is not None:
            raise InvalidInput(
                f"{holder} holds the seat {other.area!r} of the {committee} already: one person holds one seat of "
                "a committee (and casts one vote)."
            )
    seat.holder = holder
    seat.save(update_fields=["holder"])
    audit_record(
        actor=actor,
        action="seat.assigned" if holder is not None else "seat.vacated",
        obj=seat,
        before={"holder": before},
        after={"holder": holder.get_username() if holder else None},
        system_actor=source,
    )
    return seat


def _check_holder(committee: Committee, holder: User) -> None:
    if not holder.is_active:
        raise InvalidInput(f"{holder} is not an active user: a seat is held by someone who can sign in.")
    role = committee.delegate_role
    if role is not None and role not in user_roles(holder):
        raise InvalidInput(
            f"{holder} may not hold a seat of the {committee}: its seats are for people with the "
            f"{role.label.lower()} role."
        )
    if committee.kind == CommitteeKind.LEADERSHIP and not user_has_role(holder, Role.TASK_FORCE_LEAD):
        raise InvalidInput(
            f"{holder} may not hold a seat of the {committee}: it endorses the policy committee's decisions, so "
            "its seats are for people with the task force lead role or staff."
        )


@transaction.atomic
def committee_move_chair(*, actor: AbstractBaseUser, committee: Committee, seat: Seat) -> Seat:
    """Make a seat of the committee its chair (the one chair: ``seat_one_chair_per_committee``)."""
    may.MOVE_CHAIR.check(actor)
    committee = _locked_committee(committee)
    seats = {locked.pk: locked for locked in committee.seats.select_for_update(no_key=True)}
    if seat.pk not in seats:
        raise InvalidInput(f"The seat {seat} is not a seat of the {committee}.")
    seat = seats[seat.pk]
    if seat.chair:
        raise Conflict(f"The seat {seat} chairs the {committee} already.")
    previous = next((other for other in seats.values() if other.chair), None)
    if previous is not None:
        # Off the old seat first: the constraint allows one chair at any moment.
        previous.chair = False
        previous.save(update_fields=["chair"])
    seat.chair = True
    seat.save(update_fields=["chair"])
    audit_record(
        actor=actor,
        action="committee.chair-moved",
        obj=committee,
        before={"chair": previous.area if previous else None},
        after={"chair": seat.area},
    )
    return seat


@transaction.atomic
def committee_change_quorum(*, actor: AbstractBaseUser, committee: Committee, quorum: str) -> Committee:
    """Change the rule a decision of the committee is counted by; it applies to the decisions still open too."""
    may.CHANGE_QUORUM.check(actor)
    committee = _locked_committee(committee)
    _check_quorum(quorum)
    if committee.quorum == quorum:
        raise Conflict(f"The {committee}'s quorum rule is {committee.get_quorum_display().lower()} already.")
    before = committee.quorum
    committee.quorum = quorum
    committee.save(update_fields=["quorum"])
    audit_record(
        actor=actor,
        action="committee.quorum-changed",
        obj=committee,
        before={"quorum": before},
        after={"quorum": quorum},
    )
    return committee


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
    _check_names_delegates(actor, seat, "name its delegate")
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


def _check_names_delegates(actor: AbstractBaseUser, seat: Seat, action: str) -> None:
    """The holder of this seat or of its committee's chair, not any seat holder (``may.NAME_DELEGATE``), or the
    task force lead: checked on the locked seat."""
    committee = seat.committee
    chairs = committee.seats.filter(chair=True, holder=actor.pk).exists()
    if seat.holder_id != actor.pk and not chairs and not user_has_role(actor, Role.TASK_FORCE_LEAD):
        raise NotPermitted(
            f"Only the holder of the seat {seat}, the chair of the {committee} or the task force lead may {action}."
        )


@transaction.atomic
def delegation_end(*, actor: AbstractBaseUser, delegation: Delegation) -> Delegation | None:
    """End a delegation early: whoever may name the seat's delegate may (``delegation_create``).

    It ends at once: one that has started gets ``ends_on`` = yesterday, so its delegate cannot vote for the seat
    from now on (today included); one that has not started, or started today (it would end before it starts),
    is removed. The audit row ``seat.delegation-ended`` keeps its delegate and period either way. Returns the
    shortened delegation, or ``None`` when it was removed.
    """
    may.END_DELEGATION.check(actor)
    seat = (
        Seat.objects.select_for_update(no_key=True, of=("self",)).select_related("committee").get(pk=delegation.seat_id)
    )
    _check_names_delegates(actor, seat, "end its delegation")
    delegation = Delegation.objects.select_for_update(of=("self",)).select_related("delegate").get(pk=delegation.pk)
    today = timezone.localdate()
    if delegation.ends_on < today:
        raise Conflict(f"The delegation of {delegation.delegate} for {seat} ended on {delegation.ends_on} already.")
    before = {
        "delegate": delegation.delegate.get_username(),
        "starts_on": str(delegation.starts_on),
        "ends_on": str(delegation.ends_on),
    }
    yesterday = today - timedelta(days=1)
    if delegation.starts_on > yesterday:
        audit_record(actor=actor, action="seat.delegation-ended", obj=seat, before=before, after={"removed": True})
        delegation.delete()
        return None
    delegation.ends_on = yesterday
    delegation.save(update_fields=["ends_on"])
    audit_record(
        actor=actor, action="seat.delegation-ended", obj=seat, before=before, after={"ends_on": str(yesterday)}
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
