"""Reads of milestones."""

from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet

from milestones.choices import OPEN_STATUSES, MilestoneStatus
from milestones.models import Milestone


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
