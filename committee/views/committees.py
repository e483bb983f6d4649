"""Pages of the committee app: the committees, their seats and the delegates who vote for a seat for a while; the
task force lead's (and staff's) management of them: new committees, seats added and removed, holders assigned
and vacated, the chair moved, the quorum rule changed."""

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from committee import selectors, services
from committee.choices import QuorumRule
from committee.forms import CommitteeCreateForm, DelegationForm, QuorumForm, SeatAddForm, SeatAssignForm
from committee.models import Committee, Delegation, Seat
from committee.permissions import (
    ASSIGN_SEATS,
    CHANGE_QUORUM,
    CHANGE_SEATS,
    CREATE_COMMITTEES,
    END_DELEGATION,
    MOVE_CHAIR,
    NAME_DELEGATE,
)
from committee.services.committees import DELEGATION_AHEAD_DAYS, DELEGATION_BACKDATED_DAYS, DELEGATION_MAX_DAYS
from console.errors import DomainError, NotPermitted
from console.forms import form_errors_message
from console.permissions import requires
from console.roles import Role, user_has_role


@require_GET
def committee_list(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    committees = selectors.committees_with_seats()
    if slug is not None:
        committees = committees.filter(slug=slug)
    committees = list(committees)
    if slug is not None and not committees:
        raise Http404(f"No committee {slug!r}.")
    today = timezone.localdate()
    for committee in committees:
        # The chair's holder names delegates for the committee's other seats too (``delegation_create``).
        committee.chaired_by_user = any(
            seat.chair and seat.holder_id == request.user.pk for seat in committee.seats.all()
        )
        for seat in committee.seats.all():
            seat.active_delegations = seat.delegations_active_on(today)
    return render(
        request,
        "committee/committee_list.html",
        {
            "committees": committees,
            "today": today,
            "delegation_starts": (
                today - timedelta(days=DELEGATION_BACKDATED_DAYS),
                today + timedelta(days=DELEGATION_AHEAD_DAYS),
            ),
            "delegation_max_days": DELEGATION_MAX_DAYS,
            "is_lead": user_has_role(request.user, Role.TASK_FORCE_LEAD),
            "single": slug is not None,
            # The management controls, for the task force lead and staff.
            "may_create": CREATE_COMMITTEES.allows(request.user),
            "may_change_seats": CHANGE_SEATS.allows(request.user),
            "may_assign": ASSIGN_SEATS.allows(request.user),
            "may_move_chair": MOVE_CHAIR.allows(request.user),
            "may_change_quorum": CHANGE_QUORUM.allows(request.user),
            "quorum_rules": QuorumRule.choices,
        },
    )


@require_POST
@requires(NAME_DELEGATE)
def delegation_create(request: HttpRequest, seat_pk: int) -> HttpResponse:
    seat = get_object_or_404(Seat.objects.select_related("committee"), pk=seat_pk)
    form = DelegationForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
    else:
        delegation = services.delegation_create(actor=request.user, seat=seat, **form.cleaned_data)
        messages.success(
            request,
            f"{delegation.delegate.get_username()} may vote for {seat} "
            f"from {delegation.starts_on:%Y-%m-%d} to {delegation.ends_on:%Y-%m-%d}.",
        )
    return redirect(f"{reverse('committee:committee-list')}#seat-{seat.pk}")


def _back_to(committee: Committee, anchor: str = "") -> HttpResponse:
    return redirect(f"{reverse('committee:committee-list')}#{anchor or f'committee-{committee.slug}'}")


@require_http_methods(["GET", "POST"])
@requires(CREATE_COMMITTEES)
def committee_create(request: HttpRequest) -> HttpResponse:
    form = CommitteeCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            committee = services.committee_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            if isinstance(error, NotPermitted):
                raise
            # Shown above the form, still filled in (DomainErrorMiddleware's redirect would empty it).
            messages.error(request, str(error))
        else:
            seats = len(form.cleaned_data["areas"])
            messages.success(request, f"{committee} created with {seats} vacant seats: assign their holders.")
            return _back_to(committee)
    return render(request, "committee/committee_create.html", {"form": form})


@require_POST
@requires(CHANGE_SEATS)
def seat_add(request: HttpRequest, slug: str) -> HttpResponse:
    committee = get_object_or_404(Committee, slug=slug)
    form = SeatAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return _back_to(committee)
    seat = services.seat_add(actor=request.user, committee=committee, **form.cleaned_data)
    messages.success(request, f"Seat {seat.area!r} added to the {committee}, vacant.")
    return _back_to(committee, f"seat-{seat.pk}")


@require_POST
@requires(CHANGE_SEATS)
def seat_remove(request: HttpRequest, seat_pk: int) -> HttpResponse:
    seat = get_object_or_404(Seat.objects.select_related("committee"), pk=seat_pk)
    services.seat_remove(actor=request.user, seat=seat)
    messages.success(request, f"Seat {seat.area!r} removed from the {seat.committee}.")
    return _back_to(seat.committee)


@require_POST
@requires(ASSIGN_SEATS)
def seat_assign(request: HttpRequest, seat_pk: int) -> HttpResponse:
    seat = get_object_or_404(Seat.objects.select_related("committee"), pk=seat_pk)
    form = SeatAssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
    else:
        seat = services.seat_assign(actor=request.user, seat=seat, **form.cleaned_data)
        messages.success(request, f"{seat.holder.get_username()} holds the seat {seat} now.")
    return _back_to(seat.committee, f"seat-{seat.pk}")


@require_POST
@requires(ASSIGN_SEATS)
def seat_vacate(request: HttpRequest, seat_pk: int) -> HttpResponse:
    seat = get_object_or_404(Seat.objects.select_related("committee"), pk=seat_pk)
    seat = services.seat_assign(actor=request.user, seat=seat, holder=None)
    messages.success(request, f"The seat {seat} is vacant now.")
    return _back_to(seat.committee, f"seat-{seat.pk}")


@require_POST
@requires(MOVE_CHAIR)
def seat_chair(request: HttpRequest, seat_pk: int) -> HttpResponse:
    seat = get_object_or_404(Seat.objects.select_related("committee"), pk=seat_pk)
    seat = services.committee_move_chair(actor=request.user, committee=seat.committee, seat=seat)
    messages.success(request, f"The seat {seat.area!r} chairs the {seat.committee} now.")
    return _back_to(seat.committee, f"seat-{seat.pk}")


@require_POST
@requires(CHANGE_QUORUM)
def committee_quorum(request: HttpRequest, slug: str) -> HttpResponse:
    committee = get_object_or_404(Committee, slug=slug)
    form = QuorumForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return _back_to(committee)
    committee = services.committee_change_quorum(actor=request.user, committee=committee, **form.cleaned_data)
    open_decisions = selectors.open_decision_count(committee)
    also = f" It applies to its {open_decisions} open decision(s) too." if open_decisions else ""
    messages.success(request, f"The {committee}'s quorum rule: {committee.get_quorum_display().lower()}.{also}")
    return _back_to(committee)


@require_POST
@requires(END_DELEGATION)
def delegation_end(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = get_object_or_404(Delegation.objects.select_related("seat__committee", "delegate"), pk=pk)
    seat, delegate = delegation.seat, delegation.delegate.get_username()
    ended = services.delegation_end(actor=request.user, delegation=delegation)
    if ended is None:
        messages.success(
            request, f"The delegation of {delegate} for {seat} is removed: it had not started before today."
        )
    else:
        messages.success(
            request,
            f"The delegation of {delegate} for {seat} ends on {ended.ends_on:%Y-%m-%d} (yesterday): "
            f"{delegate} votes for the seat no more.",
        )
    return _back_to(seat.committee, f"seat-{seat.pk}")
