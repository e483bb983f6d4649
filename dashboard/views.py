"""The dashboard: what runs, waits or slips, from every app."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from campaigns.progress import running_campaigns
from campaigns.selectors import (
    failed_submissions_awaiting_action,
    running_submissions,
    running_submissions_on_refused_release,
    submit_hosts_away,
)
from committee.selectors import decisions_awaiting_endorsement, decisions_awaiting_vote_of, decisions_awaiting_votes
from console import health, selectors
from dashboard.attention import attention_of_request
from milestones.selectors import milestone_summary
from releases.selectors import backports_awaiting_review, release_counts_by_status, releases_ending_support


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Whoever signs in: first what waits for their own act (``dashboard.attention``), then what runs, waits for a
    decision or slips, and what changed."""
    today = timezone.localdate()
    return render(
        request,
        "dashboard/home.html",
        {
            "today": today,
            "attention": attention_of_request(request),
            "running_campaigns": running_campaigns(),
            "running_submissions": list(running_submissions()[:5]),
            "failed_submissions": list(failed_submissions_awaiting_action()[:5]),
            "awaiting_my_vote": list(decisions_awaiting_vote_of(request.user, today=today)[:5]),
            "open_decisions": list(decisions_awaiting_votes()[:5]),
            "awaiting_endorsement": list(decisions_awaiting_endorsement()[:5]),
            "backports_awaiting_review": list(backports_awaiting_review()[:5]),
            "support_ending": list(releases_ending_support(today=today, within_days=60)[:5]),
            "milestones": milestone_summary(today=today),
            "releases": release_counts_by_status(),
            "recent_events": selectors.audit_events()[:8],
        },
    )


@require_GET
def attention_count(request: HttpRequest) -> HttpResponse:
    """The navigation's count of what waits for the signed-in user, loaded by htmx after a page is shown."""
    return render(request, "dashboard/_attention_count.html", {"attention_count": len(attention_of_request(request))})


@require_GET
def refused_release_runs(request: HttpRequest) -> HttpResponse:
    """Runs in progress whose release is no longer approved for their campaign or supported, loaded by htmx into
    the running submissions card: the release checks read each campaign's files and must not delay the page."""
    return render(
        request,
        "campaigns/_refused_release_runs.html",
        {"flagged": running_submissions_on_refused_release(), "show_campaign": True},
    )


@require_GET
def service_status(request: HttpRequest) -> HttpResponse:
    """The dashboard's service card, loaded by htmx so that a slow broker never delays the page. Staff see each
    service with its errors and workers; everyone else whether their work goes on (``background_ok``); all see the
    facilities' submit hosts whose worker is away while work waits for it."""
    broker = health.check_broker()
    workers = selectors.worker_heartbeats()
    return render(
        request,
        "dashboard/_service_status.html",
        {
            "database": health.check_database(),
            "broker": broker,
            "workers": workers,
            "background_ok": broker["ok"] and any(worker["alive"] for worker in workers),
            "submit_hosts_away": submit_hosts_away(),
        },
    )
