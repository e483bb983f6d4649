"""The console's own error pages: 400, 403, 404, 405, 413, 429 and 500, each with a way back.

Django's handlers (``handler400``... in ``project/urls.py``), the CSRF failure view, the domain error, 405 and
request body middleware (``console.middleware``) all answer through here. A page says what happened in plain
words and offers the previous page (when the Referer is this site) and the nearest page above the address that
exists. Under /api/ the answer is JSON, as every other API error. The 500 page runs no query: the database may
be why it is shown.
"""

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, get_script_prefix, resolve
from django.utils.http import url_has_allowed_host_and_scheme

logger = logging.getLogger("console.request")

# If even the 500 template cannot be rendered (a broken URLconf, a missing template), this is sent instead.
BARE_500 = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Something went wrong · Campaign Console</title></head>
<body style="font-family: system-ui, sans-serif; margin: 2rem">
<h1>Something went wrong</h1>
<p>The console could not answer this request. Nothing you did caused it, and it has been logged.</p>
<p><a href="/">Back to the dashboard</a></p>
</body></html>
"""


@dataclass(frozen=True)
class Page:
    """A page of the console to go to: its address and how to name it in a sentence."""

    url: str
    label: str


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def previous_page(request: HttpRequest) -> str:
    """The page the person came from, when it is this site and not the page that failed; else ''.

    A form posts to its own page, so after a POST the same address is the way back (to the form).
    """
    referer = request.headers.get("Referer", "")
    try:
        host = request.get_host()
    except DisallowedHost:
        return ""
    if not referer or not url_has_allowed_host_and_scheme(referer, {host}, require_https=request.is_secure()):
        return ""
    if request.method in ("GET", "HEAD") and urlsplit(referer).path == request.path:
        return ""
    return referer


def nearest_page(request: HttpRequest, *, without_identifiers: bool = False) -> Page | None:
    """The nearest address above the request's that is a page: ``/campaigns/1/pause/`` → ``/campaigns/1/``.

    ``without_identifiers`` skips pages that name an object (for a 404 the object may be what is missing):
    ``/campaigns/999/`` → ``/campaigns/``.
    """
    parts = [part for part in request.path_info.split("/") if part]
    prefix = get_script_prefix()
    for depth in range(len(parts) - 1, -1, -1):
        path = "/" + "".join(f"{part}/" for part in parts[:depth])
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if match.namespace == "api" or (without_identifiers and match.kwargs):
            continue
        return Page(url=prefix + path.lstrip("/"), label=page_label(match))
    return None


def page_label(match) -> str:
    """A page's name in a sentence, from its URL name: campaigns:campaign-detail → "the campaign page"."""
    if match.view_name == "dashboard:home":
        return "the dashboard"
    name = (match.url_name or "").replace("-", " ").strip()
    if name.endswith(" detail"):
        return f"the {name.removesuffix(' detail')} page"
    if name.endswith(" list"):
        return f"the {name.removesuffix(' list')} list"
    return f"the {' '.join(filter(None, (match.app_name, name)))} page"


def action_name(request: HttpRequest) -> str:
    """What an action address does, from its URL name: campaigns:campaign-pause → "campaign pause"."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return ""
    return (match.url_name or "").replace("-", " ")


def error_page(request: HttpRequest, template: str, status: int, **context) -> HttpResponse:
    """An error page with the navigation (the full page context: the person is known)."""
    return render(request, template, {"status": status, **context}, status=status)


def api_error(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


# Django's handlers (project/urls.py) and the CSRF failure view (settings) ---------------------------------


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error(400, "Bad request.", "bad_request")
    return error_page(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error(403, str(exception) or "You do not have permission to do this.", "permission_denied")
    return error_page(request, "403.html", 403, reason=str(exception))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A path that names nothing: JSON like every other API error under /api/, the console's page elsewhere."""
    if is_api(request):
        return api_error(404, "Not found.", "not_found")
    return error_page(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, rendered without the request's context: no query (no user, roles or messages)."""
    request_id = getattr(request, "id", "")
    if is_api(request):
        return api_error(500, f"Server error; it has been logged (request {request_id}).", "server_error")
    context = {"status": 500, "request_id": request_id, "back_url": previous_page(request)}
    try:
        content = loader.get_template("500.html").render(context)
    except Exception:  # whatever broke the request may break the page too
        logger.exception("the 500 page could not be rendered")
        content = BARE_500
    return HttpResponseServerError(content)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused by the CSRF check: most often a page left open past the session, or a stale tab."""
    if is_api(request):
        return api_error(403, f"CSRF check failed: {reason}", "permission_denied")
    return error_page(request, "403.html", 403, csrf=True)


# Pages the console's middleware answers -------------------------------------------------------------------


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    """405 for an address opened with a method it does not take: most often an action's address opened in
    the browser (a link, a bookmark, a reload after the action), which does nothing without its button."""
    allowed_methods = {method.strip().upper() for method in allowed.split(",") if method.strip()}
    response = error_page(
        request,
        "405.html",
        405,
        is_action=request.method in ("GET", "HEAD") and "GET" not in allowed_methods,
        action=action_name(request),
        allowed=", ".join(sorted(allowed_methods)),
        page=Page(url=request.path, label="this page") if "GET" in allowed_methods else nearest_page(request),
    )
    response["Allow"] = allowed
    return response


def too_large(request: HttpRequest, *, reason: str, limit: str, sent: str) -> HttpResponse:
    """413 for a request body over the limit (``RequestBodyLimitMiddleware``), in human units."""
    return error_page(request, "413.html", 413, reason=reason, limit=limit, sent=sent)
