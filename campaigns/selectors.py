"""Reads of campaigns and submissions."""

from collections import Counter

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Sum

from campaigns.choices import SubmissionStatus
from campaigns.models import Campaign, Step, Submission


def _latest_attempts() -> Q:
    """Submissions that no later attempt restarted: the current attempt of each line of restarts."""
    return ~Q(Exists(Submission.objects.filter(restarts=OuterRef("pk"))))


def campaign_list() -> QuerySet[Campaign]:
    """Campaigns with progress (quanta done of expected over the current attempts), failures, last activity."""
    current = Q(steps__submissions__in=Submission.objects.filter(_latest_attempts()))
    return (
        Campaign.objects.select_related("release", "owner")
        .annotate(
            quanta_expected=Sum("steps__submissions__quanta_expected", filter=current),
            quanta_succeeded=Sum("steps__submissions__quanta_succeeded", filter=current),
            quanta_failed=Sum("steps__submissions__quanta_failed", filter=current),
            failed_submissions=Count(
                "steps__submissions",
                filter=current & Q(steps__submissions__status__in=[SubmissionStatus.FAILED, SubmissionStatus.LOST]),
            ),
            last_activity=Max("steps__submissions__last_polled_at"),
            last_submitted=Max("steps__submissions__created_at"),
        )
        .order_by("name")
    )


def campaign_detail(pk: int) -> Campaign:
    """One campaign with its steps and every submission (lineage included)."""
    submissions = Submission.objects.select_related("requested_by", "restarts").order_by("-created_at", "-id")
    steps = Step.objects.select_related("depends_on").prefetch_related(Prefetch("submissions", queryset=submissions))
    return (
        Campaign.objects.select_related("release", "owner")
        .prefetch_related(Prefetch("steps", queryset=steps))
        .get(pk=pk)
    )


def error_summary(submissions) -> list[dict]:
    """Failures of the given submissions grouped by task and message, most frequent first."""
    grouped = Counter()
    examples = {}
    for submission in submissions:
        for failure in submission.failures or []:
            lines = (failure.get("message") or "").strip().splitlines()
            key = (failure.get("task", "?"), lines[-1] if lines else "")
            grouped[key] += 1
            examples.setdefault(key, failure.get("data_id"))
    return [
        {"task": task, "message": message, "count": count, "example_data_id": examples[(task, message)]}
        for (task, message), count in grouped.most_common()
    ]


def running_submissions() -> QuerySet[Submission]:
    return (
        Submission.objects.select_related("step__campaign")
        .filter(status__in=[SubmissionStatus.SUBMITTING, SubmissionStatus.RUNNING])
        .order_by("started_at")
    )


def failed_submissions_awaiting_action() -> QuerySet[Submission]:
    """Failed or lost current attempts (not yet restarted) of campaigns still in progress."""
    return (
        Submission.objects.select_related("step__campaign")
        .filter(_latest_attempts(), status__in=[SubmissionStatus.FAILED, SubmissionStatus.LOST])
        .exclude(step__campaign__status__in=["cancelled", "accepted"])
        .order_by("-ended_at")
    )


def campaign_diff(left: Campaign, right: Campaign) -> list[dict]:
    """The two definitions field by field (steps included), each row saying whether they differ."""

    def value(campaign: Campaign, field: str):
        if field == "release":
            return str(campaign.release) if campaign.release_id else None
        return getattr(campaign, field)

    def steps(campaign: Campaign) -> list[str]:
        return [
            f"{step.name} {step.pipeline_subset} {step.data_query}".strip()
            + (f" (after {step.depends_on.name})" if step.depends_on_id else "")
            for step in campaign.steps.all()
        ]

    rows = [
        {"field": field, "left": value(left, field), "right": value(right, field)}
        for field in Campaign.DEFINITION_FIELDS
    ]
    rows.append({"field": "steps", "left": steps(left), "right": steps(right)})
    return [{**row, "differs": row["left"] != row["right"]} for row in rows]
