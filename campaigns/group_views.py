"""Pages of a step split into groups: the groups part of the submissions panel (``groups_panel``, drawn by
``views._submissions_panel``), the list of all of a step's groups, and the actions: split a step, submit a group,
release a held group. A group's attempts are restarted and cancelled through the submissions' own actions
(``views.submission_restart``, ``views.submission_cancel``).

As in ``views``: reads from ``campaigns.selectors``, writes through ``campaigns.services``, buttons drawn from the
same rules (``campaigns.permissions``) and rows as the services ask.
"""

import uuid
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from campaigns import permissions as may
from campaigns import preflight, selectors, services
from campaigns.choices import RESTARTABLE_SUBMISSION_STATUSES
from campaigns.forms import GroupSubmitForm, StepSplitForm
from campaigns.models import Campaign, Step, StepGroup, Submission
from campaigns.services.groups import CAMPAIGN_CLOSED_TO_SPLITS, split_refusal
from console.errors import DomainError, NotPermitted
from console.forms import form_errors_message
from console.permissions import requires
from console.ratelimit import limit_submissions

User = AbstractBaseUser | AnonymousUser


@dataclass
class GroupsPanel:
    """A split step's groups in the submissions panel: the summary (``selectors.GroupsSummary``: counts, quanta,
    errors, the rows shown), the step's pre-flight problems (a group's submission is the step's, sliced), and who
    may do what. Each row carries ``may_submit``/``submit_key``, ``may_release``, and its ``current`` attempt
    ``may_restart``/``restart_key``, ``may_cancel``."""

    step: Step
    summary: selectors.GroupsSummary
    problems: list[preflight.Problem] = field(default_factory=list)

    @property
    def state(self) -> str:
        """The step's state from its groups': running while any runs, done when all succeeded, else held or failed
        when any is, not submitted when none ran, partly done otherwise."""
        counts = self.summary.counts
        if counts[selectors.GROUP_RUNNING]:
            return "running"
        if counts[selectors.GROUP_SUCCEEDED] == self.summary.total:
            return "done"
        for state in (selectors.GROUP_HELD, selectors.GROUP_FAILED):
            if counts[state]:
                return state
        return "not-submitted" if counts[selectors.GROUP_WAITING] == self.summary.total else "partly-done"


def _offer_actions(user: User, campaign: Campaign, groups: list[StepGroup]) -> None:
    """Set what the user may do to each group (and its current attempt) in its state now."""
    takes_submissions = campaign.takes_submissions
    may_submit = may.SUBMIT.allows(user) and takes_submissions
    may_restart = may.RESTART.allows(user) and takes_submissions
    may_cancel = may.CANCEL.allows(user)
    may_release = may.AUTOMATE.allows(user)
    for group in groups:
        current: Submission | None = group.current
        group.may_release = may_release and group.is_held
        group.may_submit = may_submit and current is None
        if group.may_submit:
            group.submit_key = str(uuid.uuid4())
        if current is not None:
            current.may_cancel = may_cancel and current.is_cancellable
            current.may_restart = may_restart and current.status in RESTARTABLE_SUBMISSION_STATUSES
            if current.may_restart:
                current.restart_key = str(uuid.uuid4())


def groups_panel(user: User, campaign: Campaign, step: Step) -> GroupsPanel:
    """The groups part of a split step's card in the submissions panel: a constant number of queries whatever the
    number of groups (``selectors.step_groups_summary``), and the pre-flight checks once, when a group awaits a
    submission or a restart."""
    summary = selectors.step_groups_summary(step.pk)
    for group in summary.rows:
        group.step = step
    _offer_actions(user, campaign, summary.rows)
    panel = GroupsPanel(step=step, summary=summary)
    if summary.counts[selectors.GROUP_WAITING] or summary.counts[selectors.GROUP_FAILED]:
        panel.problems = preflight.preflight_problems(campaign, step)
    return panel


def split_form_offered(
    user: User, campaign: Campaign, step: Step, submissions: list[Submission]
) -> StepSplitForm | None:
    """The form the submissions panel offers to split the step with, when the user may split it now: the step has no
    submission (its prefetched ``submissions``) and its campaign is still open to it (``split_refusal``)."""
    if (
        not may.SPLIT.allows(user)
        or submissions
        or campaign.is_archived
        or campaign.status in CAMPAIGN_CLOSED_TO_SPLITS
    ):
        return None
    return StepSplitForm(auto_id=f"split-{step.pk}-%s", initial={"mode": "ranges"})


def _step_url(step: Step) -> str:
    return f"{step.campaign.get_absolute_url()}#step-{step.pk}"


@requires(may.SPLIT)
def step_split(request: HttpRequest, pk: int) -> HttpResponse:
    """Split a step into groups: the form is also drawn on the campaign page; a refused split is drawn again here,
    with what was typed (a pasted list of groups is not lost)."""
    step = get_object_or_404(selectors.steps_with_campaign(), pk=pk)
    form = StepSplitForm(request.POST or None, initial={"mode": "ranges"})
    if request.method == "POST" and form.is_valid():
        try:
            groups = services.step_split(actor=request.user, step=step, **form.cleaned_data)
        except DomainError as error:
            if isinstance(error, NotPermitted):
                raise
            messages.error(request, str(error))
        else:
            first, last = groups[0].name, groups[-1].name
            messages.success(
                request,
                f"The step {step.name} is split into {len(groups)} group{'s' if len(groups) != 1 else ''}"
                f" ({first}{f' … {last}' if len(groups) > 1 else ''}); submit each on its own.",
            )
            return redirect(_step_url(step))
    elif request.method == "POST":
        messages.error(request, form_errors_message(form))
    return render(
        request,
        "campaigns/step_split.html",
        {
            "step": step,
            "campaign": step.campaign,
            "form": form,
            "refusal": split_refusal(step),
            "groups": step.groups.count(),
        },
    )


@require_GET
def step_groups(request: HttpRequest, pk: int) -> HttpResponse:
    """Every group of a step, ``GROUP_ROWS_SHOWN`` a page, in order (``?state=failed``: only those in that state)."""
    step = get_object_or_404(selectors.steps_with_campaign(), pk=pk)
    state = request.GET.get("state", "")
    groups = selectors.step_groups(step.pk)
    if state in selectors.GROUP_STATES:
        groups = groups.filter(state=state)
    else:
        state = ""
    page = Paginator(groups, selectors.GROUP_ROWS_SHOWN).get_page(request.GET.get("page"))
    rows = selectors.group_current_submissions(list(page.object_list))
    for group in rows:
        group.step = step
    _offer_actions(request.user, step.campaign, rows)
    summary = selectors.step_groups_summary(step.pk, rows=0)
    return render(
        request,
        "campaigns/step_groups.html",
        {
            "step": step,
            "campaign": step.campaign,
            "page": page,
            "rows": rows,
            "state": state,
            "summary": summary,
            "states": selectors.GROUP_STATES,
            "problems": preflight.preflight_problems(step.campaign, step)
            if any(group.may_submit for group in rows)
            else [],
        },
    )


@require_POST
@limit_submissions
@requires(may.SUBMIT)
def group_submit(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(selectors.groups_with_step(), pk=pk)
    form = GroupSubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(_step_url(group.step))
    submission = services.submission_request(
        actor=request.user, step=group.step, group=group, idempotency_key=form.cleaned_data["idempotency_key"]
    )
    messages.success(
        request,
        f"Group {group.name} of step {group.step.name}: submission #{submission.pk} is "
        f"{submission.get_status_display().lower()}; it starts in the background.",
    )
    return redirect(f"{group.step.campaign.get_absolute_url()}#group-{group.pk}")


@require_POST
@requires(may.AUTOMATE)
def group_release(request: HttpRequest, pk: int) -> HttpResponse:
    group = services.group_release(actor=request.user, group=get_object_or_404(selectors.groups_with_step(), pk=pk))
    messages.success(
        request,
        f"The group {group.name} of step {group.step.name} is released: a campaign that runs automatically acts on "
        "it again.",
    )
    return redirect(f"{group.step.campaign.get_absolute_url()}#group-{group.pk}")
