"""Middleware that spans the console: request ids, request logs, CSP, domain errors."""

import logging
import re
import tempfile
import time

from django.conf import settings
from django.contrib import messages
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme

from console import error_pages
from console.errors import DomainError, NotPermitted
from console.logging import new_request_id, request_id_var, user_var

logger = logging.getLogger("console.request")

# A request id passed in by the proxy is kept only if it looks like one.
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives each request an id (the proxy's X-Request-ID if sane) for logs and audit rows."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _ACCEPTABLE_REQUEST_ID.match(incoming) else new_request_id()
        request_token = request_id_var.set(request.id)
        user_token = user_var.set("")
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(request_token)
            user_var.reset(user_token)
        response["X-Request-ID"] = request.id
        return response


class RequestLogMiddleware:
    """One JSON log line per request, with its status, duration and user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_var.set(user.get_username())
        response = self.get_response(request)
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response


class ContentSecurityPolicyMiddleware:
    """Adds the Content-Security-Policy of settings to every response that lacks one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class DomainErrorMiddleware:
    """Turns a domain error raised by a service into what a page should show.

    A refused permission is a 403 page; any other domain error becomes a message
    on the page the user came from. The API maps the same errors in
    ``console.errors.api_exception_handler``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if isinstance(exception, NotPermitted):
            return error_pages.error_page(request, "403.html", 403, reason=str(exception))
        messages.error(request, str(exception))
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = "/"
        return redirect(back)


def in_units(size: int) -> str:
    """A size as people read it: 2097152 → "2 MiB", 3000000 → "2.9 MiB"."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{round(size / scale, 1):g} {unit}"
    return f"{size} bytes"


class RequestBodyLimitMiddleware:
    """Refuses a request body larger than its URL allows with 413, before reading it.

    Every URL takes ``UPLOAD_MAX_BYTES`` at most, or the setting that ``REQUEST_BODY_LIMITS`` names for its
    URL (the measurements upload takes a whole run). A declared Content-Length is checked before anything reads the
    body (Django would answer 400 only once it had read too much). A body sent in chunks, without a length,
    is read up to the limit, refused as soon as it goes past it, and otherwise handed on as if it had come
    with its length (Django alone would ignore it).
    """

    CHUNK = 64 * 1024

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isdigit():
            if int(length) > (limit := self._limit_for(request)):
                return self._too_large(request, limit, f"The request body has {int(length):,} bytes", int(length))
            return self.get_response(request)
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not (chunked and request.META.get("wsgi.input_terminated")):
            return self.get_response(request)
        limit = self._limit_for(request)
        with tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE) as body:
            size, source = 0, request.META["wsgi.input"]
            while chunk := source.read(min(self.CHUNK, limit + 1 - size)):
                size += body.write(chunk)
                if size > limit:
                    return self._too_large(request, limit, "The request body (sent in chunks) is larger")
            body.seek(0)
            request.META["CONTENT_LENGTH"] = str(size)
            request._stream = LimitedStream(body, size)
            return self.get_response(request)

    def _limit_for(self, request: HttpRequest) -> int:
        try:
            view_name = resolve(request.path_info).view_name
        except Resolver404:
            return settings.UPLOAD_MAX_BYTES
        return getattr(settings, settings.REQUEST_BODY_LIMITS.get(view_name, "UPLOAD_MAX_BYTES"))

    def _too_large(self, request: HttpRequest, limit: int, what: str, size: int | None = None) -> HttpResponse:
        reason = f"{what}; this accepts at most {limit:,} bytes ({in_units(limit)})."
        logger.warning("refused a request body over the limit", extra={"path": request.path, "limit": limit})
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": reason, "code": "too_large"}, status=413)
        sent = in_units(size) if size is not None else f"more than {in_units(limit)}"
        return error_pages.too_large(request, reason=reason, limit=in_units(limit), sent=sent)


class MethodNotAllowedPageMiddleware:
    """Turns a bare 405 into the console's page, keeping its ``Allow`` header.

    ``require_POST`` (and a class view's ``http_method_not_allowed``) answer 405 with an empty body, which a
    browser shows as a bare "HTTP ERROR 405": what a person gets who opens an action's address (a link, a
    bookmark, a reload after the action). The page says so and links to the page with the action's button.
    The API's 405s have a JSON body and are left as they are.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not response.streaming
            and not response.content
            and not error_pages.is_api(request)
        ):
            return error_pages.method_not_allowed(request, response.get("Allow", ""))
        return response
