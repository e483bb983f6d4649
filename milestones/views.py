"""Pages of milestones: the status report (with its charts and exports), one milestone, the import,
the Jira syncs, and the dashboard card.

Reads come from ``milestones.selectors`` and ``milestones.reports``, writes go
through ``milestones.services``; a refused change raises a domain error that
``DomainErrorMiddleware`` turns into a 403 page or a message. The role checks
here only decide what to draw.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from console.charts import chart_payload
from console.errors import Conflict, InvalidInput
from console.forms import form_errors_message
from console.permissions import requires
from console.roles import user_has_role
from console.selectors import audit_events_for
from milestones import charts, reports, selectors, services
from milestones import permissions as may
from milestones.choices import MILESTONE_TRANSITIONS, MilestoneStatus, SyncTrigger
from milestones.filters import MilestoneFilter
from milestones.forms import (
    EvidenceLinkForm,
    ImportForm,
    LinkForm,
    MilestoneEditForm,
    MilestoneOwnerForm,
    ReportForm,
)
from milestones.models import EvidenceProposal, Milestone, MilestoneEvidence

SYNCS_PER_PAGE = 25
DASHBOARD_ROWS = 6


def _is_editor(user: AbstractBaseUser) -> bool:
    return user_has_role(user, *may.MILESTONE_EDITORS)


# The status report ----------------------------------------------------------------------------------


def _report(request: HttpRequest) -> tuple[ReportForm, MilestoneFilter, reports.StatusReport]:
    report_form = ReportForm(request.GET)
    as_of = report_form.as_of_date()
    milestone_filter = MilestoneFilter(request.GET, queryset=selectors.milestone_list())
    rows = selectors.milestone_report_rows(milestone_filter.qs, as_of=as_of)
    return (
        report_form,
        milestone_filter,
        reports.status_report(rows, as_of=as_of, filters=milestone_filter.description()),
    )


# A section of the report page shows this many rows; "Show all" loads the rest (the exports have everything).
SECTION_ROWS_SHOWN = 50


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    report_form, milestone_filter, status_report = _report(request)
    group = report_form.group_by()
    is_editor = _is_editor(request.user)
    as_of = status_report.as_of
    burndown = charts.burndown_series(status_report.rows, as_of=as_of)
    return render(
        request,
        "milestones/report.html",
        {
            "report": status_report,
            "report_form": report_form,
            "filter": milestone_filter,
            "filter_errors": "\n".join(
                form_errors_message(form) for form in (report_form, milestone_filter.form) if not form.is_valid()
            ),
            "group": group,
            "sections": [_section_part(section, group, limit=SECTION_ROWS_SHOWN) for section in status_report.sections],
            "query": request.GET.urlencode(),
            "gantt": chart_payload(charts.gantt_figure(status_report.rows, as_of=as_of)),
            "burndown": chart_payload(charts.burndown_figure(burndown, as_of=as_of)),
            "completion_unknown": burndown.completion_unknown,
            "sync": selectors.jira_sync_state(),
            "pending": list(selectors.proposals_pending()[:20]),
            "is_editor": is_editor,
        },
    )


@require_GET
def report_section(request: HttpRequest, key: str) -> HttpResponse:
    """Every row of one section of the report (its "Show all" button), for the same date and filters."""
    report_form, _, status_report = _report(request)
    try:
        section = status_report.section(key)
    except StopIteration:
        raise Http404(f"No report section {key!r}.") from None
    part = _section_part(section, report_form.group_by(), limit=None)
    return render(
        request,
        "milestones/_report_section.html",
        {**part, "group": report_form.group_by(), "query": request.GET.urlencode()},
    )


def _section_part(section: reports.Section, group: str, *, limit: int | None) -> dict:
    """A section's rows in their groups as (label, rows shown, rows in the group), cut after ``limit`` rows."""
    parts, left = [], len(section.rows) if limit is None else limit
    for label, rows in reports.grouped(section.rows, by=group):
        if left <= 0:
            break
        parts.append((label, rows[:left], len(rows)))
        left -= len(rows)
    return {"section": section, "groups": parts, "shown": sum(len(rows) for _, rows, _ in parts)}


@require_GET
def report_markdown(request: HttpRequest) -> HttpResponse:
    _, _, status_report = _report(request)
    return _download(reports.report_markdown(status_report), "text/markdown", status_report.as_of, "md")


@require_GET
def report_csv(request: HttpRequest) -> HttpResponse:
    _, _, status_report = _report(request)
    return _download(reports.report_csv(status_report), "text/csv", status_report.as_of, "csv")


def _download(text: str, content_type: str, as_of: date, extension: str) -> HttpResponse:
    response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="milestone-report-{as_of:%Y-%m-%d}.{extension}"'
    return response


# One milestone -----------------------------------------------------------------------------------------


@require_GET
def milestone_detail(request: HttpRequest, jira_key: str) -> HttpResponse:
    try:
        milestone = selectors.milestone_detail(jira_key)
    except Milestone.DoesNotExist:
        raise Http404(f"No milestone {jira_key}.") from None
    is_editor = _is_editor(request.user)
    may_change = may.may_change(request.user, milestone)
    context = {
        "milestone": milestone,
        "may_change": may_change,
        "history": milestone.history,
        "evidence_links": list(milestone.evidence_links.all()),
        "proposals": list(milestone.proposals.all()),
        "events": audit_events_for(milestone),
        "sync": selectors.jira_sync_state(),
        "is_editor": is_editor,
        "allowed_statuses": [status for status in MilestoneStatus if status in MILESTONE_TRANSITIONS[milestone.status]],
    }
    if may_change:
        context["edit_form"] = MilestoneEditForm(
            initial={
                "due_date": milestone.due_date,
                "forecast_date": milestone.forecast_date,
                "completed_date": milestone.completed_date,
                "status": milestone.status,
                "level": milestone.level,
            }
        )
    if is_editor:
        context["owner_form"] = MilestoneOwnerForm(
            initial={"owner": milestone.owner.get_username() if milestone.owner else None}, auto_id="owner-%s"
        )
        context["evidence_form"] = EvidenceLinkForm(auto_id="evidence-%s")
        context["link_form"] = LinkForm(auto_id="link-%s")
    return render(request, "milestones/milestone_detail.html", context)


@require_POST
@requires(may.CHANGE)
def milestone_edit(request: HttpRequest, jira_key: str) -> HttpResponse:
    milestone = get_object_or_404(Milestone, jira_key=jira_key)
    form = MilestoneEditForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(milestone)
    data = dict(form.cleaned_data)
    note = data.pop("note")
    services.milestone_update(actor=request.user, milestone=milestone, note=note, **data)
    messages.success(request, f"{milestone.jira_key} saved.")
    return redirect(milestone)


@require_POST
@requires(may.ASSIGN_OWNERS)
def milestone_owner(request: HttpRequest, jira_key: str) -> HttpResponse:
    milestone = get_object_or_404(Milestone, jira_key=jira_key)
    form = MilestoneOwnerForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(milestone)
    owner = form.cleaned_data["owner"]
    services.milestone_assign_owner(actor=request.user, milestone=milestone, owner=owner)
    who = owner.get_username() if owner else "nobody"
    messages.success(request, f"{milestone.jira_key} is owned by {who}.")
    return redirect(milestone)


@require_POST
@requires(may.LINK)
def milestone_link(request: HttpRequest, jira_key: str) -> HttpResponse:
    milestone = get_object_or_404(Milestone, jira_key=jira_key)
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(milestone)
    services.milestone_link(actor=request.user, milestone=milestone, to=form.cleaned_data["target"])
    messages.success(request, f"{milestone.jira_key} linked to {form.cleaned_data['target']}.")
    return redirect(milestone)


@require_POST
@requires(may.UNLINK)
def milestone_unlink(request: HttpRequest, jira_key: str) -> HttpResponse:
    milestone = get_object_or_404(Milestone, jira_key=jira_key)
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(milestone)
    services.milestone_unlink(actor=request.user, milestone=milestone, to=form.cleaned_data["target"])
    messages.success(request, f"{milestone.jira_key} is no longer linked to {form.cleaned_data['target']}.")
    return redirect(milestone)


@require_POST
@requires(may.LINK_EVIDENCE)
def evidence_create(request: HttpRequest, jira_key: str) -> HttpResponse:
    milestone = get_object_or_404(Milestone, jira_key=jira_key)
    form = EvidenceLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(milestone)
    evidence = services.evidence_link_create(
        actor=request.user,
        milestone=milestone,
        kind=form.cleaned_data["kind"],
        target=form.cleaned_data["target"],
        proposed_status=form.cleaned_data["proposed_status"],
    )
    messages.success(
        request, f"When this happens, {milestone.jira_key} will be proposed {evidence.proposed_status}: {evidence}."
    )
    return redirect(milestone)


@require_POST
@requires(may.UNLINK_EVIDENCE)
def evidence_delete(request: HttpRequest, jira_key: str, pk: int) -> HttpResponse:
    evidence = get_object_or_404(MilestoneEvidence, pk=pk, milestone__jira_key=jira_key)
    services.evidence_link_delete(actor=request.user, evidence=evidence)
    messages.success(request, f"{jira_key} no longer waits for: {evidence}.")
    return redirect("milestones:milestone-detail", jira_key=jira_key)


@require_POST
@requires(may.CONFIRM_PROPOSALS)
def proposal_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(EvidenceProposal.objects.select_related("milestone"), pk=pk)
    services.proposal_confirm(actor=request.user, proposal=proposal)
    messages.success(request, f"{proposal.milestone.jira_key} is {proposal.proposed_status}: {proposal.event}.")
    return _back(request, proposal.milestone)


@require_POST
@requires(may.DISMISS_PROPOSALS)
def proposal_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(EvidenceProposal.objects.select_related("milestone"), pk=pk)
    services.proposal_dismiss(actor=request.user, proposal=proposal)
    messages.success(request, f"Dismissed: {proposal.event} for {proposal.milestone.jira_key}.")
    return _back(request, proposal.milestone)


def _back(request: HttpRequest, milestone: Milestone) -> HttpResponse:
    # The buttons sit on the milestone page, the report and the dashboard: go back where they were.
    if request.POST.get("next") in (reverse("dashboard:home"), reverse("milestones:report")):
        return redirect(request.POST["next"])
    return redirect(milestone)


# Import and sync -------------------------------------------------------------------------------------


@requires(may.IMPORT)
def milestone_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form}
    if request.method == "POST" and form.is_valid():
        dry_run = form.cleaned_data["dry_run"]
        try:
            plan = services.milestone_import(
                actor=request.user, text=form.cleaned_data["table"], dry_run=dry_run, source="import page"
            )
        except InvalidInput as error:
            # Caught here rather than left to DomainErrorMiddleware: the page shows every bad row of the table,
            # one per line, next to the form with what was sent.
            context["problems"] = str(error).splitlines()
        else:
            if not dry_run:
                messages.success(request, f"Imported. {plan.summary()}")
                if note := plan.unused_note():
                    messages.warning(request, note)
                return redirect("milestones:report")
            context.update({"plan": plan, "dry_run": True})
    elif request.method == "POST":
        context["problems"] = form_errors_message(form).splitlines()
    return render(request, "milestones/import.html", context)


@require_POST
@requires(may.SYNC)
def sync_now(request: HttpRequest) -> HttpResponse:
    """Ask the worker for a Jira sync now (the task force lead)."""
    from milestones.tasks import sync_jira_task

    if not selectors.jira_sync_state().configured:
        raise Conflict("Jira is not configured: JIRA_SERVER is empty.")
    user_id = request.user.pk
    transaction.on_commit(lambda: sync_jira_task.delay(trigger=SyncTrigger.PERSON, user_id=user_id))
    messages.success(request, "A Jira sync has been asked for; the list below shows it when it has run.")
    return redirect("milestones:sync-list")


@require_GET
def sync_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.jira_syncs(), SYNCS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "milestones/sync_list.html",
        {"page": page, "sync": selectors.jira_sync_state(), "is_editor": _is_editor(request.user)},
    )


# The dashboard card ----------------------------------------------------------------------------------


@require_GET
def dashboard_card(request: HttpRequest) -> HttpResponse:
    """The dashboard's milestone lists, loaded by htmx: overdue, due soon, proposals to decide, sync state."""
    today = timezone.localdate()
    overdue = list(selectors.overdue_milestones(today=today)[:DASHBOARD_ROWS])
    due_soon = list(selectors.milestones_due_soon(today=today)[:DASHBOARD_ROWS])
    for milestone in (*overdue, *due_soon):
        milestone.days = abs((milestone.due_date - today).days)
    return render(
        request,
        "milestones/_dashboard_card.html",
        {
            "today": today,
            "overdue": overdue,
            "due_soon": due_soon,
            "pending": list(selectors.proposals_pending()[:DASHBOARD_ROWS]),
            "sync": selectors.jira_sync_state(),
            "is_editor": _is_editor(request.user),
        },
    )
