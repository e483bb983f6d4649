"""Pages of the base: the audit trail, people and roles, the account, health."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST

from console import health, selectors, services
from console.filters import AuditEventFilter
from console.forms import RoleForm
from console.permissions import GRANT_ROLES, REVOKE_ROLES, requires
from console.roles import Role


@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    event_filter = AuditEventFilter(request.GET, queryset=selectors.audit_events())
    page = Paginator(event_filter.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/audit_list.html",
        {"filter": event_filter, "page": page, "query": query.urlencode()},
    )


@require_GET
def people_list(request: HttpRequest) -> HttpResponse:
    return render(request, "console/people_list.html", {"people": selectors.users_with_roles(), "all_roles": Role})


@require_GET
def person_detail(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(selectors.users_with_roles(), username=username)
    held = {group.name for group in person.role_groups}
    return render(
        request,
        "console/person_detail.html",
        {
            "person": person,
            "held_roles": [role for role in Role if role.value in held],
            "missing_roles": [role for role in Role if role.value not in held],
            "events": selectors.audit_events_for(person),
        },
    )


@require_POST
@requires(GRANT_ROLES)
def person_role_grant(request: HttpRequest, username: str) -> HttpResponse:
    return _change_role(request, username, services.user_role_grant, "granted to")


@require_POST
@requires(REVOKE_ROLES)
def person_role_revoke(request: HttpRequest, username: str) -> HttpResponse:
    return _change_role(request, username, services.user_role_revoke, "revoked from")


def _change_role(request: HttpRequest, username: str, change, verb: str) -> HttpResponse:
    person = get_object_or_404(User, username=username, is_active=True)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Not a role: {request.POST.get('role', '')!r}.")
    else:
        role = form.cleaned_data["role"]
        change(actor=request.user, user=person, role=role)
        messages.success(request, f"Role {role} {verb} {person.username}.")
    return redirect("console:person-detail", username=person.username)


@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "console/account.html",
        {"has_token": hasattr(request.user, "auth_token"), "events": selectors.audit_events_for(request.user)},
    )


@require_POST
def account_token_regenerate(request: HttpRequest) -> HttpResponse:
    token = services.api_token_regenerate(user=request.user)
    # Shown once, on this response only; it is never displayed again.
    return render(request, "console/account_token.html", {"token": token.key})


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker reachability, for the platform's probes (no login)."""
    database = health.check_database()
    broker = health.check_broker()
    healthy = database["ok"] and broker["ok"]
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "database": database, "broker": broker},
        status=200 if healthy else 503,
    )


@login_not_required
@require_GET
@cache_control(max_age=86400)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links to: send them to the console's icon (an SVG)."""
    return redirect(static("console/favicon.svg"))
