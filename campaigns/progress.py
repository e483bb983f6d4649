"""Where campaigns stand: their progress in units of work (a group of a split step, or a step not split), an
estimated completion from the throughput so far, and the timeline of what their automation did. Reads only."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import CharField, Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from campaigns.choices import ACTIVE_SUBMISSION_STATUSES, FAILED_SUBMISSION_STATUSES, SubmissionStatus
from campaigns.models import Campaign, Step, StepGroup, Submission
from console.models import AuditEvent

# The audit actions of a campaign's automation that are not themselves marked automatic: who turned it on or off,
# the breakpoints people set and released.
AUTOMATION_ACTIONS = (
    "campaign.automation-on",
    "campaign.automation-off",
    "step.breakpoint-set",
    "step.breakpoint-removed",
    "step.breakpoint-released",
    "group.hold-ended",
    "group.released",
)


@dataclass
class CampaignProgress:
    """A campaign's units of work: ``total``, ``done`` (a successful run), ``running`` (in progress), ``failed``
    (their newest run failed) and ``held`` (groups held for review); ``started_at``: its first run's start."""

    total: int = 0
    done: int = 0
    running: int = 0
    failed: int = 0
    held: int = 0
    started_at: datetime | None = None
    now: datetime | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def remaining(self) -> int:
        return self.total - self.done

    @property
    def rate_per_hour(self) -> float | None:
        """Units done per hour since the first run started; None before any is done."""
        if not self.done or self.started_at is None or self.now is None:
            return None
        hours = max((self.now - self.started_at).total_seconds(), 1.0) / 3600
        return self.done / hours

    @property
    def estimated_completion(self) -> datetime | None:
        """When the rest would be done at the throughput so far; None before any is done, or when all are."""
        rate = self.rate_per_hour
        if rate is None or not self.remaining:
            return None
        return self.now + timedelta(hours=self.remaining / rate)


def campaigns_progress(campaign_ids: list[int], *, now: datetime | None = None) -> dict[int, CampaignProgress]:
    """The progress of each campaign: three queries, whatever the number of campaigns, steps and groups (the groups
    are read as rows: one per group)."""
    now = now or timezone.now()
    progress = {campaign_id: CampaignProgress(now=now) for campaign_id in campaign_ids}
    if not campaign_ids:
        return progress
    newest = Submission.objects.filter(group=OuterRef("pk")).order_by("-pk").values("status")[:1]
    groups = StepGroup.objects.filter(step__campaign_id__in=campaign_ids).annotate(newest_status=Subquery(newest))
    for campaign_id, status, held_at in groups.values_list("step__campaign_id", "newest_status", "held_at"):
        _count(progress[campaign_id], status, held=held_at is not None)
    groups_of_step = StepGroup.objects.filter(step=OuterRef("pk"))
    newest_of_step = Submission.objects.filter(step=OuterRef("pk"), group__isnull=True).order_by("-pk")
    steps = (
        Step.objects.filter(campaign_id__in=campaign_ids)
        .filter(~Exists(groups_of_step))
        .annotate(
            newest_status=Subquery(newest_of_step.values("status")[:1]),
            succeeded=Exists(newest_of_step.filter(status=SubmissionStatus.SUCCEEDED)),
        )
    )
    for campaign_id, status, succeeded in steps.values_list("campaign_id", "newest_status", "succeeded"):
        _count(progress[campaign_id], SubmissionStatus.SUCCEEDED if succeeded else status, held=False)
    started = (
        Submission.objects.filter(step__campaign_id__in=campaign_ids, started_at__isnull=False)
        .values("step__campaign_id")
        .annotate(first=Min("started_at"))
        .values_list("step__campaign_id", "first")
    )
    for campaign_id, first in started:
        progress[campaign_id].started_at = first
    return progress


def _count(progress: CampaignProgress, status: str | None, *, held: bool) -> None:
    progress.total += 1
    if held:
        progress.held += 1
    elif status == SubmissionStatus.SUCCEEDED:
        progress.done += 1
    elif status in ACTIVE_SUBMISSION_STATUSES:
        progress.running += 1
    elif status in FAILED_SUBMISSION_STATUSES:
        progress.failed += 1


def running_campaigns(*, limit: int = 5) -> list[Campaign]:
    """The campaigns running now, most recently changed first, each with its ``progress``: the dashboard."""
    campaigns = list(Campaign.objects.filter(status="running").order_by("-updated_at", "-pk")[:limit])
    progress = campaigns_progress([campaign.pk for campaign in campaigns])
    for campaign in campaigns:
        campaign.progress = progress[campaign.pk]
    return campaigns


def automation_timeline(campaign: Campaign) -> QuerySet[AuditEvent]:
    """What the campaign's automation did (each act with the rule or reason that caused it), and who turned it on
    and off and released its breakpoints, newest first: on the campaign itself and on its submissions."""
    submission_ids = (
        Submission.objects.filter(step__campaign=campaign).annotate(text_id=Cast("pk", CharField())).values("text_id")
    )
    on_campaign = Q(object_type="campaigns.campaign", object_id=str(campaign.pk))
    on_submissions = Q(object_type="campaigns.submission", object_id__in=submission_ids)
    return (
        AuditEvent.objects.filter(on_campaign | on_submissions)
        .filter(Q(after__automatic=True) | Q(action__in=AUTOMATION_ACTIONS))
        .order_by("-occurred_at", "-pk")
    )
