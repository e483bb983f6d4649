"""Writes of committees and their seats."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from committee.models import Committee, Seat
from console.services import audit_record


@transaction.atomic
def committee_create(
    *, actor: AbstractBaseUser | None, name: str, slug: str, kind: str, areas: tuple[str, ...], source: str = "system"
) -> Committee:
    """Create a committee with one vacant seat per area."""
    committee = Committee.objects.create(name=name, slug=slug, kind=kind)
    Seat.objects.bulk_create(Seat(committee=committee, area=area) for area in areas)
    audit_record(
        actor=actor,
        action="committee.created",
        obj=committee,
        after={"name": name, "kind": kind, "seats": list(areas)},
        system_actor=source,
    )
    return committee


@transaction.atomic
def seat_assign(*, actor: AbstractBaseUser | None, seat: Seat, holder, source: str = "system") -> Seat:
    """Give a seat to a member (or leave it vacant with ``holder=None``)."""
    seat = Seat.objects.select_for_update().get(pk=seat.pk)
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
