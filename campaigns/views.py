"""Pages of campaigns: the list, one campaign with its steps and submissions, the diff of two definitions.

Reads come from ``campaigns.selectors`` (and the pre-flight checks), writes go
through ``campaigns.services``; a refused change raises a domain error that
``DomainErrorMiddleware`` turns into a 403 page or a message. The role checks
here only decide which buttons to draw.
"""

import uuid
from dataclasses import dataclass, field

from django.contrib import messages
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from campaigns import permissions as may
from campaigns import preflight, selectors, services
from campaigns.bps_config import ConfigError
from campaigns.choices import (
    ACTIVE_SUBMISSION_STATUSES,
    CAMPAIGN_TRANSITIONS,
    RESTARTABLE_SUBMISSION_STATUSES,
    SUBMISSION_TRANSITIONS,
    CampaignStatus,
    SubmissionStatus,
)
from campaigns.forms import (
    CampaignCreateForm,
    CampaignDiffForm,
    CloneForm,
    RestartForm,
    SubmitForm,
)
from campaigns.models import Campaign, Step, Submission
from console.diff import diff_text
from console.errors import Conflict, DomainError, NotPermitted
from console.forms import form_errors_message
from console.permissions import requires
from console.ratelimit import limit_submissions
from console.roles import user_has_role
from console.selectors import audit_events_for

# Campaigns in these statuses take no new submission (``services._submission_create`` refuses them).
CLOSED_TO_SUBMISSIONS = (CampaignStatus.PAUSED, CampaignStatus.CANCELLED, CampaignStatus.ACCEPTED)
# The dashboard checks at most this many campaigns for pre-flight problems, so it never grows with data.
BLOCKED_CAMPAIGNS_CHECKED = 10
BLOCKED_CHECK_STATUSES = (CampaignStatus.DRAFT, CampaignStatus.READY, CampaignStatus.FAILED)


def _is_editor(request: HttpRequest) -> bool:
    return user_has_role(request.user, *services.CAMPAIGN_EDITORS)


# The list and the creation form ------------------------------------------------------


@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "campaigns/campaign_list.html",
        {"campaigns": selectors.campaign_list(), "may_create": _is_editor(request)},
    )


def campaign_create(request: HttpRequest) -> HttpResponse:
    if not _is_editor(request):
        raise NotPermitted("Only a task force lead or operator may define campaigns.")
    form = CampaignCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            if isinstance(error, NotPermitted):
                raise
            # Kept on this page, so that the definition typed in is not lost.
            messages.error(request, str(error))
        else:
            messages.success(request, f"Campaign {campaign.name} defined as a draft.")
            return redirect(campaign)
    return render(request, "campaigns/campaign_create.html", {"form": form})


# One campaign ------------------------------------------------------------------------


@dataclass
class StepRow:
    """One step of the submissions panel: its attempts, newest first, and whether it can be submitted now."""

    step: Step
    submissions: list[Submission]
    active: Submission | None = None
    succeeded: bool = False
    problems: list[preflight.Problem] = field(default_factory=list)
    may_submit: bool = False
    idempotency_key: str = ""

    @property
    def awaits_submission(self) -> bool:
        """Nothing runs and nothing succeeded: the step is to be submitted (pre-flight problems apply)."""
        return self.active is None and not self.succeeded


@dataclass
class SubmissionsPanel:
    campaign: Campaign
    steps: list[StepRow]
    errors: list[dict]
    may_edit: bool
    oob: bool = False

    @property
    def active(self) -> bool:
        """Something is pending, submitting or running: the panel polls itself while this is true."""
        return any(row.active is not None for row in self.steps)


def _campaign_or_404(pk: int) -> Campaign:
    try:
        return selectors.campaign_detail(pk)
    except Campaign.DoesNotExist:
        raise Http404(f"No campaign #{pk}.") from None


def _submissions_panel(request: HttpRequest, campaign: Campaign, *, oob: bool = False) -> SubmissionsPanel:
    """Steps and submissions of a campaign read through ``selectors.campaign_detail``.

    Lineage and the buttons come from the prefetched rows; the pre-flight checks
    (up to two queries each) run only for the steps that await a submission.
    """
    may_edit = _is_editor(request)
    takes_submissions = campaign.status not in CLOSED_TO_SUBMISSIONS
    rows = []
    current = []
    for step in campaign.steps.all():
        submissions = list(step.submissions.all())
        restarted_by = {s.restarts_id: s for s in submissions if s.restarts_id is not None}
        row = StepRow(step=step, submissions=submissions)
        for newest_first, submission in enumerate(submissions):
            submission.restarted_by_attempt = restarted_by.get(submission.pk)
            submission.is_current = submission.restarted_by_attempt is None
            # Older attempts are one line each, their details loaded on demand (submission_details).
            submission.shown_in_full = newest_first == 0 or submission.status in ACTIVE_SUBMISSION_STATUSES
            if submission.status in ACTIVE_SUBMISSION_STATUSES:
                row.active = submission
            if submission.status == SubmissionStatus.SUCCEEDED:
                row.succeeded = True
            if submission.is_current:
                current.append(submission)
        for submission in submissions:
            submission.may_cancel = may_edit and SubmissionStatus.CANCELLED in SUBMISSION_TRANSITIONS[submission.status]
            submission.may_restart = (
                may_edit
                and takes_submissions
                and row.active is None
                and submission.is_current
                and submission.status in RESTARTABLE_SUBMISSION_STATUSES
            )
            if submission.may_restart:
                submission.restart_key = str(uuid.uuid4())
        if row.awaits_submission:
            row.problems = preflight.preflight_problems(campaign, step)
            row.may_submit = may_edit and takes_submissions
            row.idempotency_key = str(uuid.uuid4())
        rows.append(row)
    return SubmissionsPanel(
        campaign=campaign, steps=rows, errors=selectors.error_summary(current), may_edit=may_edit, oob=oob
    )


def _next_configs(campaign: Campaign) -> list[tuple[Step, str]]:
    """Each step's BPS configuration as its next submission would get it."""
    configs = []
    for step in campaign.steps.all():
        try:
            config = preflight.render_config(campaign, step, "next")
        except ConfigError as error:
            config = f"# {error}"
        configs.append((step, config))
    return configs


@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    may_edit = _is_editor(request)
    allowed = CAMPAIGN_TRANSITIONS[campaign.status] if may_edit else set()
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "panel": _submissions_panel(request, campaign),
            "configs": _next_configs(campaign),
            "may_pause": CampaignStatus.PAUSED in allowed,
            "may_resume": may_edit and campaign.status == CampaignStatus.PAUSED,
            "may_clone": may_edit,
            "clone_form": CloneForm(auto_id="clone-%s", initial={"name": f"{campaign.name} (copy)"}),
            "events": audit_events_for(campaign),
        },
    )


@require_GET
def campaign_submissions(request: HttpRequest, pk: int) -> HttpResponse:
    """The submissions panel alone: what it polls while a submission is active."""
    campaign = _campaign_or_404(pk)
    return render(
        request, "campaigns/_submissions_panel.html", {"panel": _submissions_panel(request, campaign, oob=True)}
    )


@require_GET
def submission_details(request: HttpRequest, pk: int) -> HttpResponse:
    """What one attempt ran and how it ended, for an older attempt opened in the submissions panel."""
    submission = get_object_or_404(Submission, pk=pk)
    return render(request, "campaigns/_submission_body.html", {"submission": submission})


@require_POST
@limit_submissions
@requires(may.SUBMIT)
def campaign_submit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(campaign)
    step = campaign.steps.filter(pk=form.cleaned_data["step"]).first()
    if step is None:
        messages.error(request, f"{campaign.name} has no step #{form.cleaned_data['step']}.")
        return redirect(campaign)
    submission = services.submission_request(
        actor=request.user, step=step, idempotency_key=form.cleaned_data["idempotency_key"]
    )
    messages.success(
        request,
        f"Step {step.name}: submission #{submission.pk} is {submission.get_status_display().lower()}; "
        "it starts in the background.",
    )
    return redirect(f"{campaign.get_absolute_url()}#submission-{submission.pk}")


@require_POST
@limit_submissions
@requires(may.RESTART)
def submission_restart(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_object_or_404(Submission.objects.select_related("step__campaign"), pk=pk)
    campaign = submission.step.campaign
    form = RestartForm(request.POST)
    key = form.cleaned_data["idempotency_key"] if form.is_valid() else ""
    try:
        restart = services.submission_restart(actor=request.user, submission=submission, idempotency_key=key)
    except Conflict:
        # The same form posted twice (a double click): the first post made the restart.
        restart = Submission.objects.filter(restarts=submission, idempotency_key=key).first() if key else None
        if restart is None:
            raise
    messages.success(
        request,
        f"Attempt {restart.attempt} of step {submission.step.name} restarts attempt {submission.attempt}: "
        f"submission #{restart.pk} is {restart.get_status_display().lower()}.",
    )
    return redirect(f"{campaign.get_absolute_url()}#submission-{restart.pk}")


@require_POST
@limit_submissions
@requires(may.CANCEL)
def submission_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_object_or_404(Submission.objects.select_related("step__campaign"), pk=pk)
    submission = services.submission_cancel(actor=request.user, submission=submission)
    messages.success(request, f"Submission #{submission.pk} of step {submission.step.name} is cancelled.")
    return redirect(f"{submission.step.campaign.get_absolute_url()}#submission-{submission.pk}")


@require_POST
@requires(may.PAUSE)
def campaign_pause(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = services.campaign_pause(actor=request.user, campaign=get_object_or_404(Campaign, pk=pk))
    messages.success(request, f"{campaign.name} is paused: no new submission until it is resumed.")
    return redirect(campaign)


@require_POST
@requires(may.RESUME)
def campaign_resume(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = services.campaign_resume(actor=request.user, campaign=get_object_or_404(Campaign, pk=pk))
    messages.success(request, f"{campaign.name} is running again.")
    return redirect(campaign)


@require_POST
@requires(may.DEFINE)
def campaign_clone(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    form = CloneForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(campaign)
    clone = services.campaign_clone(actor=request.user, campaign=campaign, name=form.cleaned_data["name"])
    messages.success(request, f"{clone.name} is a draft copy of {campaign.name}.")
    return redirect(clone)


# Two definitions side by side ---------------------------------------------------------


@require_GET
def campaign_diff(request: HttpRequest) -> HttpResponse:
    both = "left" in request.GET and "right" in request.GET
    form = CampaignDiffForm(request.GET if both else None, initial=request.GET.dict())
    rows = None
    if both and form.is_valid():
        campaigns = Campaign.objects.select_related("release").prefetch_related("steps__depends_on")
        left = campaigns.get(pk=form.cleaned_data["left"].pk)
        right = campaigns.get(pk=form.cleaned_data["right"].pk)
        rows = [
            {**row, "left": diff_text(row["left"]), "right": diff_text(row["right"])}
            for row in selectors.campaign_diff(left, right)
        ]
    return render(
        request,
        "campaigns/campaign_diff.html",
        {
            "form": form,
            "rows": rows,
            "left": form.cleaned_data["left"] if rows is not None else None,
            "right": form.cleaned_data["right"] if rows is not None else None,
            "form_errors": form_errors_message(form) if both and rows is None else "",
        },
    )


# The dashboard's card of blocked campaigns ---------------------------------------------


@dataclass
class BlockedCampaign:
    campaign: Campaign
    step: Step
    problems: list[preflight.Problem]


def blocked_campaigns(limit: int = BLOCKED_CAMPAIGNS_CHECKED) -> list[BlockedCampaign]:
    """Campaigns not yet running whose next step (the first one not succeeded) fails a pre-flight check.

    Only the ``limit`` most recently changed candidates are checked, each with
    up to two queries, so the cost is bounded whatever the number of campaigns.
    """
    succeeded = Submission.objects.filter(step=OuterRef("pk"), status=SubmissionStatus.SUCCEEDED)
    steps = Step.objects.select_related("depends_on").annotate(done=Exists(succeeded)).order_by("position")
    candidates = (
        Campaign.objects.filter(status__in=BLOCKED_CHECK_STATUSES)
        .select_related("release")
        .prefetch_related(Prefetch("steps", queryset=steps))
        .order_by("-updated_at", "-pk")[:limit]
    )
    blocked = []
    for campaign in candidates:
        step = next((step for step in campaign.steps.all() if not step.done), None)
        if step is None:
            continue
        problems = preflight.preflight_problems(campaign, step)
        if problems:
            blocked.append(BlockedCampaign(campaign, step, problems))
    return blocked


@require_GET
def campaign_blocked(request: HttpRequest) -> HttpResponse:
    """The dashboard card's body, loaded by htmx: the pre-flight checks read files and must not delay the page."""
    return render(
        request,
        "campaigns/_blocked_campaigns.html",
        {"blocked": blocked_campaigns(), "checked": BLOCKED_CAMPAIGNS_CHECKED},
    )
