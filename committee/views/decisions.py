"""Pages of the committee app: decisions, their votes and the decision register.

Views parse input and call one service; the services check who may do what
and raise domain errors, which ``DomainErrorMiddleware`` turns into a 403 page
or a message. The checks made here only decide which buttons to draw.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser, User
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from committee import exports, selectors, services
from committee.choices import VOTING_COMMITTEE_KINDS, DecisionKind, DecisionStatus
from committee.filters import DecisionFilter
from committee.forms import DecisionCreateForm, EndorsementForm, VoteForm, draft_initial
from committee.models import Committee, Decision, Delegation, Seat, Tally, Vote
from committee.permissions import ENDORSE, OPEN, RECORD_HISTORY, VOTE
from console.errors import DomainError, NotPermitted
from console.exports import csv_text, markdown_table
from console.forms import form_errors_message
from console.permissions import requires
from console.roles import Role, user_has_role
from console.selectors import audit_events_for

DECISIONS_PER_PAGE = 50


# Who sees which button ------------------------------------------------------------


def _proposable_committees(user: AbstractBaseUser) -> QuerySet[Committee]:
    """The committees the user may propose decisions to: all voting ones for the lead, else those they sit on."""
    committees = Committee.objects.filter(kind__in=VOTING_COMMITTEE_KINDS)
    if user_has_role(user, Role.TASK_FORCE_LEAD):
        return committees
    return committees.filter(seats__holder=user.pk).distinct()


# Decisions -------------------------------------------------------------------------


@require_GET
def decision_list(request: HttpRequest) -> HttpResponse:
    decision_filter = DecisionFilter(request.GET, queryset=selectors.decision_list())
    page = Paginator(decision_filter.qs, DECISIONS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "committee/decision_list.html",
        {
            "awaiting": selectors.decisions_awaiting_vote_of(request.user, today=timezone.localdate()),
            # Empty unless the user sits on the leadership team, which endorses them.
            "awaiting_endorsement": selectors.decisions_awaiting_endorsement_by(request.user).with_tally(),
            "filter": decision_filter,
            "page": page,
            "query": query.urlencode(),
            "committees": Committee.objects.filter(kind__in=VOTING_COMMITTEE_KINDS),
            "kinds": DecisionKind.choices,
            "statuses": DecisionStatus.choices,
            "may_propose": _proposable_committees(request.user).exists(),
            "may_record_past": RECORD_HISTORY.allows(request.user),
        },
    )


def decision_create(request: HttpRequest) -> HttpResponse:
    committees = _proposable_committees(request.user)
    if not committees.exists():
        raise NotPermitted("Only a member of a committee or the task force lead may propose decisions.")
    # A link may open a draft filled in ("ask the committee to approve this patch for these campaigns").
    initial = draft_initial(request.GET, committees) if request.method == "GET" else {}
    form = DecisionCreateForm(request.POST or None, committees=committees, initial=initial)
    chosen = request.POST.get("committee", "")
    if chosen.isdigit() and Committee.objects.filter(pk=chosen).exclude(pk__in=committees.values("pk")).exists():
        # A committee the form does not offer: refused as the service would refuse it, not as a bad choice.
        raise NotPermitted("Only a member of that committee or the task force lead may propose its decisions.")
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.decision_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            if isinstance(error, NotPermitted):
                raise
            # Caught here rather than left to DomainErrorMiddleware, whose redirect would lose the proposal typed
            # in: the form is shown again, filled in, with the refusal above it.
            messages.error(request, str(error))
        else:
            messages.success(request, f"Decision #{decision.pk} drafted. Open it for votes when it is ready.")
            return redirect(decision)
    return render(request, "committee/decision_create.html", {"form": form})


@require_GET
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _decision_or_404(pk)
    return render(
        request,
        "committee/decision_detail.html",
        {
            "decision": decision,
            "panel": _votes_panel(request, decision),
            "may_open": decision.status == DecisionStatus.DRAFT
            and (decision.proposed_by_id == request.user.pk or user_has_role(request.user, Role.TASK_FORCE_LEAD)),
            "may_endorse": decision.awaits_endorsement and ENDORSE.allows(request.user),
            "awaits_endorsement": decision.awaits_endorsement,
            "events": audit_events_for(decision),
        },
    )


@require_POST
@requires(OPEN)
def decision_open(request: HttpRequest, pk: int) -> HttpResponse:
    decision = services.decision_open(actor=request.user, decision=get_object_or_404(Decision, pk=pk))
    messages.success(
        request, f"Decision #{decision.pk} is open for votes until {decision.deadline:%Y-%m-%d %H:%M} UTC."
    )
    return redirect(decision)


@require_POST
@requires(ENDORSE)
def decision_endorse(request: HttpRequest, pk: int) -> HttpResponse:
    return _endorsement(request, pk, services.decision_endorse, "endorsed")


@require_POST
@requires(ENDORSE)
def decision_refuse_endorsement(request: HttpRequest, pk: int) -> HttpResponse:
    return _endorsement(request, pk, services.decision_refuse_endorsement, "refused endorsement")


def _endorsement(request: HttpRequest, pk: int, service, verb: str) -> HttpResponse:
    decision = get_object_or_404(Decision, pk=pk)
    form = EndorsementForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
    else:
        service(actor=request.user, decision=decision, note=form.cleaned_data["note"])
        messages.success(request, f"Decision #{decision.pk} {verb}.")
    return redirect(decision)


@require_POST
def decision_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Cast a vote. An htmx request gets the re-rendered votes panel back (``_vote_in_panel``); a plain form is
    redirected to the decision with a message.

    Who may vote at all is checked before the form is read (``committee.permissions.VOTE``); a refusal of the
    service is ``DomainErrorMiddleware``'s: a 403 page, or the message on the decision page voted from."""
    if request.headers.get("HX-Request") == "true":
        return _vote_in_panel(request, pk)
    VOTE.check(request.user)
    decision = get_object_or_404(Decision.objects.select_related("committee"), pk=pk)
    form = VoteForm(request.POST, committee=decision.committee)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(decision)
    vote = services.vote_cast(actor=request.user, decision=decision, **form.cleaned_data)
    messages.success(request, f"Your vote ({vote.get_choice_display()}) for {vote.seat.area} is recorded.")
    return redirect(decision)


def _vote_in_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx vote: the votes panel comes back re-rendered, with the refusal in it if there is one."""
    decision = get_object_or_404(Decision.objects.select_related("committee"), pk=pk)
    error = ""
    # Caught here rather than left to DomainErrorMiddleware: htmx swaps the panel in place, so a refusal (a refused
    # permission too) is shown inside it, not as a redirect or a 403 page.
    try:
        VOTE.check(request.user)
        form = VoteForm(request.POST, committee=decision.committee)
        if form.is_valid():
            services.vote_cast(actor=request.user, decision=decision, **form.cleaned_data)
        else:
            error = form_errors_message(form)
    except DomainError as refused:
        error = str(refused)
    # Read again: the vote may have closed the decision.
    decision = _decision_or_404(pk)
    response = render(
        request, "committee/_votes_panel.html", {"panel": _votes_panel(request, decision, error=error, oob=True)}
    )
    if not error:
        # The voter's list of what waits for them changed: the navigation counts it again.
        response["HX-Trigger"] = "attention-changed"
    return response


def _decision_or_404(pk: int) -> Decision:
    try:
        return selectors.decision_detail(pk)
    except Decision.DoesNotExist:
        raise Http404(f"No decision #{pk}.") from None


@dataclass
class SeatVotes:
    """One row of the votes panel: a seat, who stands in for it today, its current vote and the ones it replaced."""

    seat: Seat
    delegates: list[Delegation]
    current: Vote | None = None
    superseded: list[Vote] = field(default_factory=list)


@dataclass
class VotesPanel:
    decision: Decision
    rows: list[SeatVotes]
    tally: Tally
    voting_seats: list[tuple[Seat, User | None]]
    deadline_passed: bool
    error: str = ""
    oob: bool = False
    # For the decision's endorsement, swapped with the panel after an htmx vote that closed the decision.
    may_endorse: bool = False
    # The decision's last events, swapped with the panel after an htmx vote (the vote, and the close if it closed).
    events: list = field(default_factory=list)

    @property
    def my_seat_ids(self) -> set[int]:
        return {seat.pk for seat, _ in self.voting_seats}

    @property
    def may_vote(self) -> bool:
        return bool(self.voting_seats) and not self.deadline_passed


def _votes_panel(request: HttpRequest, decision: Decision, *, error: str = "", oob: bool = False) -> VotesPanel:
    """The votes panel of a decision read through ``selectors.decision_detail`` (no further query per seat)."""
    today = timezone.localdate()
    rows = {seat.pk: SeatVotes(seat, seat.delegations_active_on(today)) for seat in decision.committee.seats.all()}
    for vote in decision.votes.all():
        row = rows.get(vote.seat_id)
        if row is None:
            continue
        if vote.superseded_at is None:
            row.current = vote
        else:
            row.superseded.append(vote)
    is_open = decision.status == DecisionStatus.OPEN
    voting_seats = selectors.seats_voted_for_by(request.user, decision.committee, today) if is_open else []
    mine = {row.current.seat_id for row in rows.values() if row.current and row.current.cast_by_id == request.user.pk}
    if mine:
        # One person, one vote per decision (``vote_cast``): they may change theirs, not vote for another seat too.
        voting_seats = [(seat, holder) for seat, holder in voting_seats if seat.pk in mine]
    return VotesPanel(
        decision=decision,
        rows=list(rows.values()),
        tally=decision.tally(),
        voting_seats=voting_seats,
        deadline_passed=decision.deadline <= timezone.now(),
        error=error,
        oob=oob,
        may_endorse=oob and decision.awaits_endorsement and ENDORSE.allows(request.user),
        events=audit_events_for(decision) if oob else [],
    )


# The register and its exports ---------------------------------------------------------


def _register_decisions(request: HttpRequest) -> tuple[DecisionFilter, list[Decision]]:
    decision_filter = DecisionFilter(request.GET, queryset=selectors.decision_list())
    return decision_filter, list(decision_filter.qs)


def _outcome(decision: Decision) -> str:
    return decision.outcome_summary or f"{decision.tally().summary()} so far"


def _register_row(decision: Decision) -> list[str]:
    # A decision recorded after the fact has its real days, not the times of day of a vote held here.
    shape = "%Y-%m-%d" if decision.recorded_after_the_fact else "%Y-%m-%d %H:%M"

    def when(moment) -> str:
        return f"{moment:{shape}}" if moment else ""

    return [
        str(decision.pk),
        when(decision.opened_at),
        decision.committee.name,
        decision.get_kind_display(),
        decision.title,
        decision.get_status_display(),
        _outcome(decision),
        when(decision.closed_at),
        when(decision.endorsed_at),
        exports.recorded_mark(decision),
    ]


@require_GET
def decision_register(request: HttpRequest) -> HttpResponse:
    decision_filter, decisions = _register_decisions(request)
    for decision in decisions:
        decision.outcome = _outcome(decision)
        decision.recorded_mark = exports.recorded_mark(decision)
    return render(
        request,
        "committee/decision_register.html",
        {
            "filter": decision_filter,
            "decisions": decisions,
            "query": request.GET.urlencode(),
            "committees": Committee.objects.filter(kind__in=VOTING_COMMITTEE_KINDS),
            "kinds": DecisionKind.choices,
            "statuses": DecisionStatus.choices,
        },
    )


@require_GET
def decision_register_csv(request: HttpRequest) -> HttpResponse:
    _, decisions = _register_decisions(request)
    text = csv_text(exports.REGISTER_COLUMNS, (_register_row(d) for d in decisions))
    return _download(text, "text/csv", "csv")


@require_GET
def decision_register_markdown(request: HttpRequest) -> HttpResponse:
    _, decisions = _register_decisions(request)
    text = markdown_table(exports.REGISTER_COLUMNS, (_register_row(d) for d in decisions))
    return _download(text, "text/markdown", "md")


def _download(text: str, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
    filename = f"decision-register-{timezone.localdate():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
