"""The campaign page's automation card (``automation_section``, read by ``views.campaign_detail``): whether it runs
automatically and for whom, its limits, progress and estimated completion, its breakpoints, what its automation did;
and the actions: turn it on or off, put or take a breakpoint on a step."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from campaigns import permissions as may
from campaigns import services
from campaigns.models import Campaign, Step
from campaigns.progress import automation_timeline, campaigns_progress
from console.permissions import requires

# The automatic acts the card lists; the audit list has them all.
TIMELINE_SHOWN = 12


def automation_section(request: HttpRequest, campaign: Campaign) -> dict:
    """The context of ``campaigns/_automation.html``."""
    return {
        "campaign": campaign,
        "progress": campaigns_progress([campaign.pk])[campaign.pk],
        "site_limit": settings.CAMPAIGN_SITE_LIMITS.get(campaign.workflow_system),
        "timeline": list(automation_timeline(campaign)[:TIMELINE_SHOWN]),
        "may_automate": may.AUTOMATE.allows(request.user),
        "steps": list(campaign.steps.all()),
    }


def _card(campaign: Campaign):
    return redirect(f"{campaign.get_absolute_url()}#automation")


@require_POST
@requires(may.AUTOMATE)
def campaign_automate(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    on = request.POST.get("on") == "1"
    services.campaign_automate(actor=request.user, campaign=campaign, on=on)
    if on:
        messages.success(request, f"{campaign.name} runs automatically: pause it to stop every automatic act at once.")
    else:
        messages.success(request, f"{campaign.name} no longer runs automatically; runs in progress go on.")
    return _card(campaign)


@require_POST
@requires(may.AUTOMATE)
def step_breakpoint(request: HttpRequest, pk: int) -> HttpResponse:
    step = get_object_or_404(Step.objects.select_related("campaign"), pk=pk)
    hold = request.POST.get("hold") == "1"
    services.step_breakpoint_set(actor=request.user, step=step, hold=hold)
    if hold:
        messages.success(request, f"{step.campaign.name} will hold for review before the step {step.name}.")
    else:
        messages.success(request, f"No breakpoint before the step {step.name} any more.")
    return _card(step.campaign)
