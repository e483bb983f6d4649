"""Reads of releases and backport requests."""

from datetime import date, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet

from releases.choices import BackportStatus, ReleaseStatus
from releases.models import BackportRequest, Release


def release_counts_by_status() -> list[dict]:
    """Every release status with how many releases are in it (one query)."""
    rows = Release.objects.order_by().values("status").annotate(n=Count("id")).values_list("status", "n")
    counts = dict(rows)
    return [{"status": status, "label": status.label, "count": counts.get(status.value, 0)} for status in ReleaseStatus]


def release_list() -> QuerySet[Release]:
    """Releases, newest version first, then weekly builds, newest first, with their base, the weekly each was cut
    from, campaign count and backport counts."""
    # Meta.ordering does not apply to aggregating queries; order explicitly ("version" sorts before "weekly").
    return (
        Release.objects.select_related("base_release", "cut_from", "recorded_by")
        .order_by("kind", "-major", "-minor", "-patch")
        .annotate(
            campaign_count=Count("campaigns", distinct=True),
            approved_campaign_count=Count("approvals", distinct=True),
            pending_backport_count=Count(
                "backport_requests",
                filter=~Q(backport_requests__status__in=[BackportStatus.SHIPPED, BackportStatus.REJECTED]),
                distinct=True,
            ),
        )
    )


def release_detail(version: str) -> Release:
    """One release with what its page shows: patches (or, for a weekly build, the releases cut from it), backports,
    approvals, campaigns, decisions."""
    backports = BackportRequest.objects.select_related("requester", "shipped_in")
    return (
        Release.objects.select_related("base_release", "cut_from", "recorded_by")
        .prefetch_related(
            Prefetch("patches", queryset=Release.objects.order_by("-patch")),
            Prefetch("releases_cut", queryset=Release.objects.order_by("-major", "-minor", "-patch")),
            Prefetch("backport_requests", queryset=backports),
            Prefetch("shipped_backports", queryset=backports),
            "campaigns",
            "decisions__committee",
        )
        .get(version=version)
    )


def releases_ending_support(*, today: date, within_days: int = 60) -> QuerySet[Release]:
    return Release.objects.filter(
        status=ReleaseStatus.SUPPORTED, support_until__lte=today + timedelta(days=within_days)
    ).order_by("support_until")


def releases_taking_backports(*, today: date) -> QuerySet[Release]:
    """Releases a backport may be requested for on ``today``: supported, and not past their last day of support
    (``Release.closed_reason``)."""
    return Release.objects.filter(status=ReleaseStatus.SUPPORTED).exclude(support_until__lt=today)


def backport_queue() -> QuerySet[BackportRequest]:
    """Backport requests with their releases and requester (filter with ``BackportRequestFilter``)."""
    return BackportRequest.objects.select_related("target_release", "shipped_in", "requester").order_by(
        "-created_at", "-id"
    )


def backport_detail(rfc_id: str) -> BackportRequest:
    """One backport request with its releases, requester and the decisions about it."""
    return backport_queue().prefetch_related("decisions__committee").get(rfc_id=rfc_id)


def backports_awaiting_review() -> QuerySet[BackportRequest]:
    return backport_queue().filter(status__in=[BackportStatus.PROPOSED, BackportStatus.UNDER_REVIEW])


def backports_proposed() -> QuerySet[BackportRequest]:
    """Backport requests proposed and not under review (no decision of the change control board open on them), the
    longest waiting first (``updated_at``: a request whose decision expired is proposed again)."""
    return (
        BackportRequest.objects.select_related("target_release")
        .filter(status=BackportStatus.PROPOSED)
        .order_by("updated_at", "pk")
    )
