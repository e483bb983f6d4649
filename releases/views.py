"""Pages of releases and backport requests.

Reads come from ``releases.selectors``, writes go through ``releases.services``;
a refused change raises a domain error that ``DomainErrorMiddleware`` turns
into a 403 page or a message. The rules of ``releases.permissions`` decide
here only what to draw.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from console.forms import form_errors_message
from console.permissions import requires
from console.selectors import audit_events_for
from releases import permissions as may
from releases import selectors, services
from releases.choices import BACKPORT_TRANSITIONS, RELEASE_TRANSITIONS, BackportStatus, ReleaseKind, ReleaseStatus
from releases.filters import BackportRequestFilter, ReleaseFilter
from releases.forms import (
    BackportRequestForm,
    BackportShipForm,
    RecordHistoryForm,
    ReleaseCreateForm,
    SupportStartForm,
    SupportWindowForm,
)
from releases.models import BackportRequest, Release
from releases.pages import release_page_sections

BACKPORTS_PER_PAGE = 50
# Backports that still need something done; the others are shipped or rejected.
DONE_BACKPORT_STATUSES = (BackportStatus.SHIPPED, BackportStatus.REJECTED)
# Statuses whose support window can still be moved (``release_set_support_until``); for an ended release, moving
# it to today or later extends its support.
OPEN_WINDOW_STATUSES = (
    ReleaseStatus.CANDIDATE,
    ReleaseStatus.APPROVED,
    ReleaseStatus.SUPPORTED,
    ReleaseStatus.END_OF_SUPPORT,
)


def _filter_errors_message(filterset) -> str:
    return form_errors_message(filterset.form) if filterset.is_bound and not filterset.is_valid() else ""


@require_GET
def release_list(request: HttpRequest) -> HttpResponse:
    release_filter = ReleaseFilter(request.GET, queryset=selectors.release_list())
    create_form = None
    if may.RECORD_RELEASES.allows(request.user):
        supported_majors = Release.objects.filter(status=ReleaseStatus.SUPPORTED, base_release__isnull=True)
        weeklies = Release.objects.filter(kind=ReleaseKind.WEEKLY)
        create_form = ReleaseCreateForm(choices={"base_release": supported_majors, "cut_from": weeklies})
    return render(
        request,
        "releases/release_list.html",
        {
            "filter": release_filter,
            "filter_errors": _filter_errors_message(release_filter),
            "releases": release_filter.qs,
            "statuses": ReleaseStatus.choices,
            "kinds": ReleaseKind.choices,
            "create_form": create_form,
        },
    )


@require_POST
@requires(may.RECORD_RELEASES)
def release_create(request: HttpRequest) -> HttpResponse:
    form = ReleaseCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect("releases:release-list")
    release = services.release_create(actor=request.user, **form.cleaned_data)
    if release.is_weekly:
        messages.success(request, f"Weekly build {release} recorded: mini runs may use it.")
    else:
        messages.success(request, f"Release {release} recorded as a {release.get_status_display().lower()}.")
    return redirect(release)


@require_GET
def release_detail(request: HttpRequest, version: str) -> HttpResponse:
    try:
        release = selectors.release_detail(version)
    except Release.DoesNotExist:
        raise Http404(f"No release {version}.") from None
    targeting = list(release.backport_requests.all())
    allowed = RELEASE_TRANSITIONS[release.status]
    return render(
        request,
        "releases/release_detail.html",
        {
            "release": release,
            "sections": release_page_sections(release),
            "pending_backports": [b for b in targeting if b.status not in DONE_BACKPORT_STATUSES],
            "shipped_backports": [b for b in targeting if b.status == BackportStatus.SHIPPED],
            "rejected_backports": [b for b in targeting if b.status == BackportStatus.REJECTED],
            "events": audit_events_for(release),
            # An ended release goes back into support only by extending its window.
            "may_mark_supported": ReleaseStatus.SUPPORTED in allowed
            and release.status != ReleaseStatus.END_OF_SUPPORT
            and may.MARK_SUPPORTED.allows(request.user),
            "may_end_support": ReleaseStatus.END_OF_SUPPORT in allowed and may.END_SUPPORT.allows(request.user),
            "may_withdraw": ReleaseStatus.WITHDRAWN in allowed and may.WITHDRAW.allows(request.user),
            "may_move_window": release.status in OPEN_WINDOW_STATUSES
            and not release.is_weekly
            and may.CHANGE_SUPPORT_WINDOW.allows(request.user),
            "support_start_form": SupportStartForm(auto_id="start-%s"),
            "support_window_form": SupportWindowForm(
                auto_id="window-%s", initial={"support_until": release.support_until}
            ),
            # History from before the console: a weekly build has no approval, a withdrawn release no more history.
            "may_record_history": not release.is_weekly
            and release.status != ReleaseStatus.WITHDRAWN
            and may.RECORD_HISTORY.allows(request.user),
            "record_history_form": RecordHistoryForm(
                auto_id="history-%s",
                initial={"approved_on": release.approved_on, "support_until": release.support_until},
            ),
        },
    )


@require_POST
@requires(may.MARK_SUPPORTED)
def release_mark_supported(request: HttpRequest, version: str) -> HttpResponse:
    release = get_object_or_404(Release, version=version)
    form = SupportStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(release)
    release = services.release_mark_supported(
        actor=request.user, release=release, support_until=form.cleaned_data["support_until"]
    )
    messages.success(request, f"{release} is supported until {release.support_until:%Y-%m-%d}.")
    return redirect(release)


@require_POST
@requires(may.END_SUPPORT)
def release_end_support(request: HttpRequest, version: str) -> HttpResponse:
    release = services.release_end_support(actor=request.user, release=get_object_or_404(Release, version=version))
    messages.success(request, f"The support of {release} has ended.")
    return redirect(release)


@require_POST
@requires(may.WITHDRAW)
def release_withdraw(request: HttpRequest, version: str) -> HttpResponse:
    release = services.release_withdraw(actor=request.user, release=get_object_or_404(Release, version=version))
    messages.success(request, f"{release} is withdrawn.")
    return redirect(release)


@require_POST
@requires(may.CHANGE_SUPPORT_WINDOW)
def release_support_window(request: HttpRequest, version: str) -> HttpResponse:
    release = get_object_or_404(Release, version=version)
    form = SupportWindowForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(release)
    ended = release.status == ReleaseStatus.END_OF_SUPPORT
    release = services.release_set_support_until(
        actor=request.user, release=release, support_until=form.cleaned_data["support_until"]
    )
    if ended:
        messages.success(request, f"{release} is supported again, until {release.support_until:%Y-%m-%d}.")
    else:
        messages.success(request, f"The support of {release} now ends on {release.support_until:%Y-%m-%d}.")
    return redirect(release)


@require_POST
@requires(may.RECORD_HISTORY)
def release_record_history(request: HttpRequest, version: str) -> HttpResponse:
    release = get_object_or_404(Release, version=version)
    form = RecordHistoryForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(release)
    release = services.release_record_history(actor=request.user, release=release, **form.cleaned_data)
    messages.success(
        request,
        f"{release} recorded as approved on {release.approved_on:%Y-%m-%d}, support until "
        f"{release.support_until:%Y-%m-%d}: it is {release.get_status_display().lower()}.",
    )
    return redirect(release)


@require_GET
def backport_list(request: HttpRequest) -> HttpResponse:
    backport_filter = BackportRequestFilter(request.GET, queryset=selectors.backport_queue())
    page = Paginator(backport_filter.qs, BACKPORTS_PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    for backport in page.object_list:
        backport.age_days = (now - backport.created_at).days
    query = request.GET.copy()
    query.pop("page", None)
    request_form = None
    if may.REQUEST_BACKPORTS.allows(request.user):
        open_releases = selectors.releases_taking_backports(today=timezone.localdate())
        request_form = BackportRequestForm(choices={"target_release": open_releases})
    return render(
        request,
        "releases/backport_list.html",
        {
            "filter": backport_filter,
            "filter_errors": _filter_errors_message(backport_filter),
            "page": page,
            "query": query.urlencode(),
            "request_form": request_form,
        },
    )


@require_POST
@requires(may.REQUEST_BACKPORTS)
def backport_create(request: HttpRequest) -> HttpResponse:
    form = BackportRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect("releases:backport-list")
    backport = services.backport_request_create(actor=request.user, **form.cleaned_data)
    messages.success(request, f"{backport.rfc_id} requested for {backport.target_release}.")
    return redirect(backport)


@require_GET
def backport_detail(request: HttpRequest, rfc_id: str) -> HttpResponse:
    try:
        backport = selectors.backport_detail(rfc_id)
    except BackportRequest.DoesNotExist:
        raise Http404(f"No backport request {rfc_id}.") from None
    allowed = BACKPORT_TRANSITIONS[backport.status]
    ship_form = None
    if BackportStatus.SHIPPED in allowed and may.RECORD_SHIPMENTS.allows(request.user):
        family_patches = (
            Release.objects.filter(base_release_id=backport.target_release.family_root_id)
            .exclude(status=ReleaseStatus.WITHDRAWN)
            .order_by("-patch")
        )
        ship_form = BackportShipForm(choices={"patch_release": family_patches})
    return render(
        request,
        "releases/backport_detail.html",
        {
            "backport": backport,
            "age_days": (timezone.now() - backport.created_at).days,
            "may_merge": BackportStatus.MERGED in allowed and may.RECORD_MERGES.allows(request.user),
            "ship_form": ship_form,
            "events": audit_events_for(backport),
        },
    )


@require_POST
@requires(may.RECORD_MERGES)
def backport_merge(request: HttpRequest, rfc_id: str) -> HttpResponse:
    backport = get_object_or_404(BackportRequest, rfc_id=rfc_id)
    backport = services.backport_mark_merged(actor=request.user, backport=backport)
    messages.success(request, f"{backport.rfc_id} is merged.")
    return redirect(backport)


@require_POST
@requires(may.RECORD_SHIPMENTS)
def backport_ship(request: HttpRequest, rfc_id: str) -> HttpResponse:
    backport = get_object_or_404(BackportRequest, rfc_id=rfc_id)
    form = BackportShipForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(backport)
    backport = services.backport_ship(
        actor=request.user, backport=backport, patch_release=form.cleaned_data["patch_release"]
    )
    messages.success(request, f"{backport.rfc_id} shipped in {backport.shipped_in}.")
    return redirect(backport)
