"""The QA gate of a campaign's steps (a fragment of the campaign page), and its two actions: accepting a step,
recording a waiver."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from campaigns.models import Step
from console.errors import Conflict, InvalidInput
from console.forms import form_errors_message
from console.permissions import requires
from qa import selectors, services
from qa.choices import GateState
from qa.forms import WaiverForm
from qa.gate import StepGate
from qa.permissions import ACCEPT_STEPS, RECORD_WAIVERS

# The waiver form offers this many of the latest decisions that allow one for the campaign.
DECISIONS_OFFERED = 50


# While a step waits for its run's metrics, or a run of the campaign is in progress, the gate judges again this
# often, so that it shows what changed without a reload.
GATE_REFRESH_SECONDS = 10


@require_GET
def campaign_gate(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Each step's QA gate (``qa.gate.GateState``): accepted (by whom, when, with which waiver), waiting for the
    run's metrics, failing (each value against its threshold), waived, passing, or nothing to judge; with why, what
    to do next, and the lead's buttons."""
    campaign = selectors.campaign_by_id(campaign_id)
    if campaign is None:
        raise Http404(f"No campaign #{campaign_id}.")
    steps = selectors.gate_steps(campaign)
    accepted_waivers = selectors.waivers_of_accepted_runs(steps)
    rows = []
    for step in steps:
        if step.accepted_at is not None:
            waiver = accepted_waivers.get((step.pk, step.accepted_submission_id))
            rows.append(
                StepGate(step=step, state=GateState.ACCEPTED, submission=step.accepted_submission, waiver=waiver)
            )
        else:
            rows.append(services.step_gate(step))
    # A mini run's gate is shown, but nothing of it is accepted or waived (``Campaign.acceptance_refusal``).
    may_gate = ACCEPT_STEPS.allows(request.user) and not campaign.acceptance_refusal()
    needs_waiver = may_gate and any(row.state == GateState.FAILING for row in rows)
    decisions = list(selectors.decisions_allowing_waivers(campaign)[:DECISIONS_OFFERED]) if needs_waiver else []
    waiting = any(row.state == GateState.WAITING_FOR_METRICS for row in rows)
    refresh = waiting or selectors.campaign_has_run_in_progress(campaign)
    return render(
        request,
        "qa/_campaign_gate.html",
        {
            "campaign": campaign,
            "rows": rows,
            "may_gate": may_gate,
            "decisions": decisions,
            "refresh_seconds": GATE_REFRESH_SECONDS if refresh else None,
        },
    )


def _step_or_404(step_id: int) -> Step:
    step = selectors.step_by_id(step_id)
    if step is None:
        raise Http404(f"No step #{step_id}.")
    return step


def _gate_return(step: Step) -> str:
    return f"{step.campaign.get_absolute_url()}#qa-gate"


@require_POST
@requires(ACCEPT_STEPS)
def step_accept(request: HttpRequest, step_id: int) -> HttpResponse:
    step = _step_or_404(step_id)
    try:
        step = services.step_accept(actor=request.user, step=step)
    except (Conflict, InvalidInput) as error:
        # Not left to console.middleware.DomainErrorMiddleware: the message names the step refused, and the
        # page returns to its gate (#qa-gate), as after an acceptance.
        messages.error(request, f"Step {step.name} not accepted. {error}")
        return redirect(_gate_return(step))
    messages.success(request, f"Step {step.name} accepted (run #{step.accepted_submission_id}).")
    return redirect(_gate_return(step))


@require_POST
@requires(RECORD_WAIVERS)
def waiver_grant(request: HttpRequest, step_id: int) -> HttpResponse:
    step = _step_or_404(step_id)
    form = WaiverForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(_gate_return(step))
    try:
        waiver = services.waiver_grant(
            actor=request.user, step=step, reason=form.cleaned_data["reason"], decision=form.cleaned_data["decision"]
        )
    except (Conflict, InvalidInput) as error:
        # Not left to console.middleware.DomainErrorMiddleware: the page returns to the gate (#qa-gate), where
        # the waiver form is, as after a waiver is recorded.
        messages.error(request, str(error))
        return redirect(_gate_return(step))
    messages.success(
        request, f"Waiver recorded for step {step.name} (run #{waiver.submission_id}, decision #{waiver.decision_id})."
    )
    return redirect(_gate_return(step))
