"""Pages of campaigns: the list, one campaign with its steps and submissions, the diff of two definitions.

Reads come from ``campaigns.selectors`` (and the pre-flight checks), writes go
through ``campaigns.services``; a refused change raises a domain error that
``DomainErrorMiddleware`` turns into a 403 page or a message. Whether a button is
drawn is asked of the same rules (``campaigns.permissions``) and of the rows
(``Step.takes_new_submission``, ``Submission.is_restartable``) as the services ask.
"""

import uuid
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST

from campaigns import automation_views, group_views, pages, preflight, product_views, selectors, services
from campaigns import permissions as may
from campaigns.choices import (
    CAMPAIGN_TRANSITIONS,
    RESTARTABLE_SUBMISSION_STATUSES,
    CampaignStatus,
    SubmissionStatus,
)
from campaigns.filters import CampaignFilter
from campaigns.forms import (
    ArchiveForm,
    CampaignCreateForm,
    CampaignDiffForm,
    CloneForm,
    ReleaseChangeForm,
    RestartForm,
    SubmitForm,
)
from campaigns.models import Campaign, Step, Submission
from console.diff import diff_text
from console.errors import Conflict, DomainError, NotPermitted
from console.forms import form_errors_message
from console.permissions import requires
from console.ratelimit import limit_submissions
from console.selectors import audit_events_for

# The dashboard checks at most this many campaigns for pre-flight problems, so it never grows with data.
BLOCKED_CAMPAIGNS_CHECKED = 10
BLOCKED_CHECK_STATUSES = (CampaignStatus.DRAFT, CampaignStatus.READY, CampaignStatus.FAILED)


# The list and the creation form ------------------------------------------------------


@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaign_filter = CampaignFilter(request.GET, queryset=selectors.campaign_list())
    return render(
        request,
        "campaigns/campaign_list.html",
        {
            "filter": campaign_filter,
            "filter_errors": form_errors_message(campaign_filter.form)
            if campaign_filter.is_bound and not campaign_filter.is_valid()
            else "",
            "campaigns": campaign_filter.qs,
            "may_create": may.DEFINE.allows(request.user),
        },
    )


@requires(may.DEFINE)
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = CampaignCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            if isinstance(error, NotPermitted):
                raise
            # Caught here rather than left to DomainErrorMiddleware, which would redirect and lose the definition
            # typed in: the form is drawn again with it, and the message above it.
            messages.error(request, str(error))
        else:
            messages.success(request, f"Campaign {campaign.name} defined as a draft.")
            return redirect(campaign)
    return render(request, "campaigns/campaign_create.html", {"form": form})


# One campaign ------------------------------------------------------------------------


@dataclass
class StepRow:
    """One step of the submissions panel: its attempts, newest first, and whether it can be submitted now.
    (Each attempt carries ``may_restart``, ``may_cancel`` and ``shown_in_full`` for the template.)"""

    step: Step
    submissions: list[Submission]
    active: Submission | None = None
    succeeded: bool = False
    problems: list[preflight.Problem] = field(default_factory=list)
    may_submit: bool = False
    idempotency_key: str = ""
    # A step split into groups: its groups (group_views.groups_panel), shown instead of its attempts.
    groups: "group_views.GroupsPanel | None" = None
    # The form splitting the step, when the user may split it now.
    split_form: "group_views.StepSplitForm | None" = None

    @property
    def awaits_submission(self) -> bool:
        """Nothing runs and nothing succeeded: the step is to be submitted (pre-flight problems apply)."""
        return self.active is None and not self.succeeded

    @property
    def newest(self) -> Submission | None:
        return self.submissions[0] if self.submissions else None

    @property
    def ended_unfinished(self) -> Submission | None:
        """The newest attempt, when it failed, was lost or was cancelled and nothing else runs or succeeded: the
        step says so (not "awaits submission"), and restarting that attempt is what continues the work."""
        newest = self.newest
        if not self.awaits_submission or newest is None or newest.status not in RESTARTABLE_SUBMISSION_STATUSES:
            return None
        return newest

    @property
    def state(self) -> str:
        """What the step's header says: running (or pending, submitting), done, failed, lost, cancelled, or
        not submitted yet; for a step split into groups, what its groups add up to (``GroupsPanel.state``)."""
        if self.groups is not None:
            return self.groups.state
        if self.active is not None:
            return self.active.status
        if self.succeeded:
            return "done"
        if self.ended_unfinished is not None:
            return self.ended_unfinished.status
        return "not-submitted"

    @property
    def restart_continues(self) -> bool:
        """The newest attempt ended unfinished and may be restarted: restarting is the primary action, a fresh
        submission the secondary one."""
        attempt = self.ended_unfinished
        return attempt is not None and getattr(attempt, "may_restart", False)


@dataclass
class SubmissionsPanel:
    campaign: Campaign
    steps: list[StepRow]
    errors: list[dict]
    may_submit: bool
    oob: bool = False

    @property
    def active(self) -> bool:
        """Something is pending, submitting or running: the panel polls itself while this is true."""
        return any(row.active is not None for row in self.steps)

    @property
    def actions_state(self) -> str:
        """What the actions card's offers depend on (the campaign's status, whether it is archived, the submissions
        in progress), sent back by each poll: the refresh swaps the card only when it changed, so that a reason or
        a name typed into it stays while nothing did."""
        active = "-".join(str(row.active.pk) for row in self.steps if row.active is not None)
        return f"{self.campaign.status}.{int(self.campaign.is_archived)}.{active}"


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
    may_submit = may.SUBMIT.allows(request.user)
    may_restart = may.RESTART.allows(request.user)
    may_cancel = may.CANCEL.allows(request.user)
    rows = []
    current = []
    for step in campaign.steps.all():
        submissions = list(step.submissions.all())
        row = StepRow(
            step=step,
            submissions=submissions,
            active=step.active_submission(),
            succeeded=any(submission.status == SubmissionStatus.SUCCEEDED for submission in submissions),
        )
        takes_new_submission = step.takes_new_submission
        for newest_first, submission in enumerate(submissions):
            # Older attempts are one line each, their details loaded on demand (submission_details).
            submission.shown_in_full = newest_first == 0 or submission.is_in_progress
            # A split step's groups summarise their own errors (group_views.groups_panel).
            if submission.is_current_attempt and submission.group_id is None:
                current.append(submission)
            submission.may_cancel = may_cancel and submission.is_cancellable
            submission.may_restart = may_restart and takes_new_submission and submission.is_restartable
            if submission.may_restart:
                submission.restart_key = str(uuid.uuid4())
        if step.is_split:
            # Its groups are submitted one by one (their panel runs the pre-flight checks), never the step.
            row.groups = group_views.groups_panel(request.user, campaign, step)
        elif row.awaits_submission:
            row.problems = preflight.preflight_problems(campaign, step)
            row.may_submit = may_submit and takes_new_submission
            row.idempotency_key = str(uuid.uuid4())
        row.split_form = group_views.split_form_offered(request.user, campaign, step, submissions)
        rows.append(row)
    return SubmissionsPanel(
        campaign=campaign, steps=rows, errors=selectors.error_summary(current), may_submit=may_submit, oob=oob
    )


def _campaign_actions(user: AbstractBaseUser | AnonymousUser, campaign: Campaign) -> dict:
    """The actions card's context (``campaigns/_campaign_actions.html``): what the user may do to the campaign in its
    state now."""
    return {
        "may_pause": may.PAUSE.allows(user) and CampaignStatus.PAUSED in CAMPAIGN_TRANSITIONS[campaign.status],
        "may_resume": may.RESUME.allows(user) and campaign.status == CampaignStatus.PAUSED and not campaign.is_archived,
        "may_clone": may.DEFINE.allows(user),
        "may_archive": may.ARCHIVE.allows(user) and not campaign.is_archived,
        "archive_refusal": campaign.archive_refusal(),
        "archive_form": ArchiveForm(auto_id="archive-%s"),
        "clone_form": CloneForm(
            auto_id="clone-%s", initial={"name": f"{campaign.name} (copy)", "compute_site": campaign.compute_site_id}
        ),
    }


@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    user = request.user
    move_to = selectors.releases_to_move_to(campaign)
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "panel": _submissions_panel(request, campaign),
            "configs": preflight.next_configs(campaign),
            **_campaign_actions(user, campaign),
            "may_unarchive": may.UNARCHIVE.allows(user) and campaign.is_archived,
            "archive_reason": selectors.campaign_archive_reason(campaign),
            "events": audit_events_for(campaign),
            "release_history": selectors.campaign_release_history(campaign),
            "may_change_release": may.CHANGE_RELEASE.allows(user),
            "move_to": move_to,
            "release_change_form": ReleaseChangeForm(auto_id="release-%s", releases=move_to),
            "sections": pages.campaign_page_sections(campaign),
            "data_products": product_views.data_products_section(request, campaign),
            "automation": automation_views.automation_section(request, campaign),
            "pause_reason": selectors.campaign_pause_reason(campaign),
            "running_on_refused_release": selectors.running_submissions_on_refused_release(campaign),
        },
    )


@require_GET
def campaign_submissions(request: HttpRequest, pk: int) -> HttpResponse:
    """The submissions panel alone: what it polls while a submission is active. With it, out of band, the campaign's
    status and, when what it offers changed since the page (or the previous poll) showed it (``?actions=``, the
    panel's ``actions_state`` then), its actions card: a run that ends lets the campaign be paused or archived."""
    campaign = _campaign_or_404(pk)
    panel = _submissions_panel(request, campaign, oob=True)
    context = {"panel": panel}
    if request.GET.get("actions") != panel.actions_state:
        context |= {"actions_changed": True, **_campaign_actions(request.user, campaign)}
    return render(request, "campaigns/_submissions_panel.html", context)


@require_GET
def submission_details(request: HttpRequest, pk: int) -> HttpResponse:
    """What one attempt ran and how it ended, for an older attempt opened in the submissions panel."""
    submission = get_object_or_404(selectors.submissions_with_step(), pk=pk)
    return render(request, "campaigns/_submission_body.html", {"submission": submission})


@require_POST
@limit_submissions
@requires(may.SUBMIT)
def campaign_submit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(selectors.campaigns_with_steps(), pk=pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(campaign)
    step = selectors.campaign_step(campaign, pk=form.cleaned_data["step"])
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
    submission = get_object_or_404(selectors.submissions_with_step(), pk=pk)
    campaign = submission.step.campaign
    form = RestartForm(request.POST)
    key = form.cleaned_data["idempotency_key"] if form.is_valid() else ""
    try:
        restart = services.submission_restart(actor=request.user, submission=submission, idempotency_key=key)
    except Conflict:
        # Not left to DomainErrorMiddleware: the same form posted twice at once (a double click) has the second
        # post find the key unused, then wait for the first post's lock and be refused ("restarted already")
        # once the first committed. That restart is what it asked for, so it is shown, not the refusal.
        restart = selectors.restart_with_key(submission, key) if key else None
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
    submission = get_object_or_404(selectors.submissions_with_step(), pk=pk)
    submission = services.submission_cancel(actor=request.user, submission=submission)
    messages.success(request, f"Submission #{submission.pk} of step {submission.step.name} is cancelled.")
    return redirect(f"{submission.step.campaign.get_absolute_url()}#submission-{submission.pk}")


@require_POST
@requires(may.PAUSE)
def campaign_pause(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = services.campaign_pause(
        actor=request.user, campaign=get_object_or_404(selectors.campaigns_with_steps(), pk=pk)
    )
    messages.success(request, f"{campaign.name} is paused: no new submission until it is resumed.")
    return redirect(campaign)


@require_POST
@requires(may.RESUME)
def campaign_resume(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = services.campaign_resume(
        actor=request.user, campaign=get_object_or_404(selectors.campaigns_with_steps(), pk=pk)
    )
    messages.success(request, f"{campaign.name} is running again.")
    return redirect(campaign)


@require_POST
@requires(may.ARCHIVE)
def campaign_archive(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(selectors.campaigns_with_steps(), pk=pk)
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(campaign)
    campaign = services.campaign_archive(actor=request.user, campaign=campaign, **form.cleaned_data)
    messages.success(request, f"{campaign.name} is archived: hidden from lists and pickers, and closed to submissions.")
    return redirect(campaign)


@require_POST
@requires(may.UNARCHIVE)
def campaign_unarchive(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(selectors.campaigns_with_steps(), pk=pk)
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(campaign)
    campaign = services.campaign_unarchive(actor=request.user, campaign=campaign, **form.cleaned_data)
    messages.success(request, f"{campaign.name} is no longer archived.")
    return redirect(campaign)


@require_POST
@requires(may.DEFINE)
def campaign_clone(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(selectors.campaigns_with_steps(), pk=pk)
    form = CloneForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(campaign)
    clone = services.campaign_clone(actor=request.user, campaign=campaign, **form.cleaned_data)
    where = f"{clone.compute_site.facility} · {clone.compute_site.name}" if clone.compute_site else "this host"
    messages.success(request, f"{clone.name} is a draft copy of {campaign.name}, run at {where}.")
    note = selectors.clone_release_note(campaign, clone)
    if note:
        url = pages.approval_request_url(clone, clone.release)
        link = format_html(' <a href="{}" data-testid="clone-approval-link">Draft the request</a>.', url) if url else ""
        messages.warning(request, format_html("{}{}", note, link))
    return redirect(clone)


@require_POST
@requires(may.CHANGE_RELEASE)
def campaign_change_release(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(selectors.campaigns_with_steps(), pk=pk)
    form = ReleaseChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(f"{campaign.get_absolute_url()}#releases")
    before = campaign.release
    campaign = services.campaign_release_change(actor=request.user, campaign=campaign, **form.cleaned_data)
    messages.success(
        request,
        f"{campaign.name} runs {campaign.release} from now on (it ran {before or 'no release'}); submissions in "
        "progress keep the release they were requested with.",
    )
    return redirect(f"{campaign.get_absolute_url()}#releases")


# Two definitions side by side ---------------------------------------------------------


@require_GET
def campaign_diff(request: HttpRequest) -> HttpResponse:
    both = "left" in request.GET and "right" in request.GET
    form = CampaignDiffForm(request.GET if both else None, initial=request.GET.dict())
    rows = None
    if both and form.is_valid():
        left = selectors.campaigns_with_steps().get(pk=form.cleaned_data["left"].pk)
        right = selectors.campaigns_with_steps().get(pk=form.cleaned_data["right"].pk)
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
        Campaign.objects.not_archived()
        .filter(status__in=BLOCKED_CHECK_STATUSES)
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
