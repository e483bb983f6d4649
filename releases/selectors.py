"""Reads of releases."""

from django.db.models import Count

from releases.choices import ReleaseStatus
from releases.models import Release


def release_counts_by_status() -> list[dict]:
    """Every release status with how many releases are in it (one query)."""
    rows = Release.objects.order_by().values("status").annotate(n=Count("id")).values_list("status", "n")
    counts = dict(rows)
    return [{"status": status, "label": status.label, "count": counts.get(status.value, 0)} for status in ReleaseStatus]
