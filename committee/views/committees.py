"""Pages of the committee app: the committees, their seats and the delegates who vote for a seat for a while."""

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from committee import selectors, services
from committee.forms import DelegationForm
from committee.models import Seat
from committee.permissions import NAME_DELEGATE
from committee.services.committees import DELEGATION_AHEAD_DAYS, DELEGATION_BACKDATED_DAYS, DELEGATION_MAX_DAYS
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
