"""Reads of milestones: the dashboard's numbers, lists, one milestone's page, the report rows, the sync state."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from milestones.choices import OPEN_STATUSES, ChangeOrigin, MilestoneStatus, ProposalState, SyncStatus, TrackedField
from milestones.models import EvidenceProposal, JiraSync, Milestone, MilestoneChange, MilestoneEvidence
from milestones.reports import DUE_SOON_DAYS, TRACKED_FIELDS, ReportRow, report_row


def milestone_summary(*, today: date) -> dict:
    """Counts for the dashboard (one query) and the most overdue open milestones (one more)."""
    is_open = Q(status__in=OPEN_STATUSES)
    counts = Milestone.objects.aggregate(
        total=Count("id"),
        open=Count("id", filter=is_open),
        overdue=Count("id", filter=is_open & Q(due_date__lt=today)),
        due_soon=Count("id", filter=is_open & Q(due_date__gte=today, due_date__lte=today + timedelta(days=30))),
        done=Count("id", filter=Q(status=MilestoneStatus.DONE)),
    )
    counts["most_overdue"] = list(overdue_milestones(today=today)[:5])
    return counts


def overdue_milestones(*, today: date) -> QuerySet[Milestone]:
    return Milestone.objects.filter(status__in=OPEN_STATUSES, due_date__lt=today).order_by("due_date", "jira_key")


def milestones_due_soon(*, today: date, within_days: int = DUE_SOON_DAYS) -> QuerySet[Milestone]:
    return Milestone.objects.filter(
        status__in=OPEN_STATUSES, due_date__gte=today, due_date__lte=today + timedelta(days=within_days)
    ).order_by("due_date", "jira_key")


def milestones_slipping_owned_by(user: AbstractBaseUser, *, today: date) -> QuerySet[Milestone]:
    """The open milestones the user owns that are overdue on ``today``, or due later than their baseline (slipped)
    with no change made by a person since the last slip (a person's change, with its note, answers the slip).

    Each has ``last_slip_at``: when its due date last moved later (None when no such change was recorded)."""
    if not user.is_authenticated:
        return Milestone.objects.none()
    changes = MilestoneChange.objects.filter(milestone=OuterRef("pk")).order_by("-changed_at", "-id")
    # ISO dates compare as text.
    slips = changes.filter(field=TrackedField.DUE_DATE).exclude(old_value="").filter(new_value__gt=F("old_value"))
    by_a_person = changes.filter(origin=ChangeOrigin.PERSON)
    unanswered = (
        Q(last_slip_at__isnull=True)
        | Q(last_person_change_at__isnull=True)
        | Q(last_person_change_at__lt=F("last_slip_at"))
    )
    return (
        Milestone.objects.filter(owner=user.pk, status__in=OPEN_STATUSES)
        .annotate(
            last_slip_at=Subquery(slips.values("changed_at")[:1]),
            last_person_change_at=Subquery(by_a_person.values("changed_at")[:1]),
        )
        .filter(Q(due_date__lt=today) | (Q(due_date__gt=F("baseline_due_date")) & unanswered))
        .order_by("due_date", "jira_key")
    )


def owns_milestones(user: AbstractBaseUser) -> bool:
    """Whether the user owns a milestone (``permissions.CHANGE``)."""
    return Milestone.objects.filter(owner=user.pk).exists()


def milestone_list() -> QuerySet[Milestone]:
    """Every milestone with its owner, soonest due first (filter with ``MilestoneFilter``)."""
    return Milestone.objects.select_related("owner").order_by("due_date", "jira_key")


def with_history(milestones: QuerySet[Milestone]) -> QuerySet[Milestone]:
    """The milestones with their history of changes, oldest first (one more query)."""
    return milestones.prefetch_related(
        Prefetch("changes", queryset=MilestoneChange.objects.order_by("changed_at", "id"), to_attr="history")
    )


# What the report reads of milestones and of their changes (``milestones.reports.report_row``).
REPORT_FIELDS = (
    "id",
    "jira_key",
    "project_id",
    "title",
    "team",
    *TRACKED_FIELDS,
    "baseline_due_date",
    "completed_date",
)
REPORT_CHANGE_FIELDS = ("milestone_id", "field", "old_value", "new_value", "changed_at", "origin", "note")


def milestone_report_rows(milestones: QuerySet[Milestone], *, as_of: date) -> list[ReportRow]:
    """The milestones as they stood at the end of ``as_of``, for ``milestones.reports`` (two queries).

    Read as named rows, not model instances: for a thousand milestones and their history,
    making the instances took half the report's time (bench/RESULTS.md).
    """
    found = list(milestones.values_list(*REPORT_FIELDS, named=True))
    history: dict[int, list] = {}
    changes = MilestoneChange.objects.filter(milestone__in=milestones.values("pk")).order_by("changed_at", "id")
    for change in changes.values_list(*REPORT_CHANGE_FIELDS, named=True):
        history.setdefault(change.milestone_id, []).append(change)
    return [report_row(milestone, history.get(milestone.id, []), as_of=as_of) for milestone in found]


def milestone_detail(jira_key: str) -> Milestone:
    """One milestone with what its page shows: history, evidence links, proposals, linked work."""
    return (
        Milestone.objects.select_related("owner")
        .prefetch_related(
            Prefetch(
                "changes",
                queryset=MilestoneChange.objects.select_related("sync").order_by("-changed_at", "-id"),
                to_attr="history",
            ),
            Prefetch(
                "evidence_links",
                queryset=MilestoneEvidence.objects.select_related("campaign", "step__campaign", "release"),
            ),
            Prefetch("proposals", queryset=EvidenceProposal.objects.select_related("decided_by")),
            "campaigns",
            "decisions__committee",
            "releases",
        )
        .get(jira_key=jira_key)
    )


def teams() -> list[str]:
    """The teams that own milestones, for the filters."""
    return list(Milestone.objects.exclude(team="").order_by("team").values_list("team", flat=True).distinct())


def proposals_pending() -> QuerySet[EvidenceProposal]:
    """Proposals that wait for the task force lead, oldest first."""
    return (
        EvidenceProposal.objects.filter(state=ProposalState.PENDING)
        .select_related("milestone")
        .order_by("observed_at", "id")
    )


def proposal_list() -> QuerySet[EvidenceProposal]:
    return EvidenceProposal.objects.select_related("milestone", "decided_by").order_by("-observed_at", "-id")


def jira_syncs() -> QuerySet[JiraSync]:
    return JiraSync.objects.select_related("requested_by").order_by("-started_at", "-id")


@dataclass
class SyncState:
    """Whether the milestones are in step with Jira, for the banner on the pages."""

    configured: bool
    last: JiraSync | None
    last_success: JiraSync | None
    stale: bool
    reason: str

    @property
    def running(self) -> bool:
        return self.last is not None and self.last.status == SyncStatus.RUNNING


def jira_sync_state(*, now: datetime | None = None) -> SyncState:
    """The last run and the last good run of the Jira sync, and whether the data is stale (two queries)."""
    now = now or timezone.now()
    configured = bool(settings.JIRA_SERVER)
    last = JiraSync.objects.order_by("-started_at", "-id").first()
    last_success = (
        last
        if last is not None and last.status == SyncStatus.SUCCEEDED
        else JiraSync.objects.filter(status=SyncStatus.SUCCEEDED).order_by("-started_at", "-id").first()
    )
    reason = ""
    if configured or last is not None:
        if last is not None and last.status == SyncStatus.FAILED:
            reason = f"The last Jira sync failed ({last.started_at:%Y-%m-%d %H:%M} UTC): {last.error}"
        elif last_success is None:
            reason = "The milestones have never been synced from Jira."
        elif now - last_success.finished_at > timedelta(seconds=settings.JIRA_STALE_AFTER):
            reason = f"The last good Jira sync was at {last_success.finished_at:%Y-%m-%d %H:%M} UTC."
    return SyncState(configured=configured, last=last, last_success=last_success, stale=bool(reason), reason=reason)
