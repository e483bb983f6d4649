"""Authentication: Django's own accounts, or the identity passed by the platform's proxy.

Behind the science platform's authenticating proxy the user's name arrives in
``X-Auth-Request-User`` (and the e-mail in ``X-Auth-Request-Email``). The header
is believed only from the proxy addresses listed in ``AUTH_TRUSTED_PROXIES``;
anyone else sending it is refused, since they could claim any identity.

In WSGI both ``X-Auth-Request-User`` and ``X-Auth-Request_User`` would arrive as
``HTTP_X_AUTH_REQUEST_USER``, and a client could slip the second past a proxy
that sets only the first. gunicorn drops header names with an underscore
(``gunicorn.conf.py`` says so explicitly), as Django's runserver does; a server
that merges the two instead hands over "name1,name2", which is no user name,
and the console refuses any value that is not exactly one user name.

Sign-in with a password (the console's page and the admin's) is guarded by django-axes: after
``SIGN_IN_FAILURE_LIMIT`` failures for one user name (from any address), or from one address (for any user
names), that name or address is locked for ``SIGN_IN_COOLOFF`` seconds after its last counted failure: every
sign-in through it is refused with the console's lockout page (429, ``Retry-After``), the right password too,
and an attempt refused meanwhile is not counted (the lockout does not grow). The lockout is recorded in the
audit trail; staff unlock it in the admin (Access attempts: deleting them is audited) or with
``manage.py axes_reset_username NAME`` / ``axes_reset_ip ADDRESS`` / ``axes_reset``. A success does not clear
earlier failures: they lapse a cool-off after the last one. The proxy's identity header is not counted: the
proxy has authenticated the person already.

API tokens are DRF's, with the failures of each address counted (``console.ratelimit``).
"""

import logging
import math
from datetime import datetime, timedelta

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib.auth.backends import RemoteUserBackend
from django.contrib.auth.middleware import RemoteUserMiddleware
from django.contrib.auth.models import User
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import render
from django.utils import timezone

from console.identifiers import USERNAME
from console.ratelimit import in_networks
from console.roles import Role
from console.services import sign_in_lockout_record, user_create

logger = logging.getLogger("console.auth")

USER_HEADER = "HTTP_X_AUTH_REQUEST_USER"
EMAIL_HEADER = "HTTP_X_AUTH_REQUEST_EMAIL"


def is_trusted_proxy(remote_addr: str) -> bool:
    return in_networks(remote_addr, settings.AUTH_TRUSTED_PROXIES)


def is_one_username(value: str) -> bool:
    """A user name as the console allows it (``console.identifiers.USERNAME``, Django's pattern but not all dots):
    no comma, so not two headers merged into one."""
    return USERNAME.is_valid(value)


class ProxyHeaderBackend(RemoteUserBackend):
    """Users named by the proxy; created on first sight with the viewer role."""

    # Users are created here, through the service, so that the creation is audited.
    create_unknown_user = False

    def authenticate(self, request, remote_user):
        if not remote_user:
            return None
        username = self.clean_username(remote_user)
        user = User.objects.filter(username=username).first()
        if user is None:
            email = request.META.get(EMAIL_HEADER, "")[:254] if request else ""
            user = user_create(actor=None, username=username, email=email, roles=[Role.VIEWER], source="proxy-header")
            logger.info("created user %s from the proxy's identity header", username)
        return user if self.user_can_authenticate(user) else None


class ProxyHeaderAuthMiddleware(RemoteUserMiddleware):
    """Signs in the user named by the proxy's header, when header mode is on.

    Without header mode the header is ignored. In header mode a header from an
    address outside ``AUTH_TRUSTED_PROXIES`` is refused with 403, and a request
    without it ends a session that the header had opened.
    """

    header = USER_HEADER
    # The trusted-address check lives in the synchronous path only.
    async_capable = False

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.AUTH_PROXY_HEADER:
            return self.get_response(request)
        if self.header in request.META and not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            logger.warning(
                "refused an identity header from an untrusted address",
                extra={"remote_addr": request.META.get("REMOTE_ADDR", "")},
            )
            return HttpResponseForbidden("Identity headers are accepted only from the authenticating proxy.")
        claimed = request.META.get(self.header, "")
        if claimed and not is_one_username(claimed):
            logger.warning("refused an identity header that is not one user name", extra={"claimed": claimed[:200]})
            return HttpResponseBadRequest("The identity header must name exactly one user.")
        self.process_request(request)
        self._keep_email_current(request)
        return self.get_response(request)

    def _keep_email_current(self, request: HttpRequest) -> None:
        email = request.META.get(EMAIL_HEADER, "")[:254]
        user = request.user
        if email and user.is_authenticated and user.email != email and USER_HEADER in request.META:
            User.objects.filter(pk=user.pk).update(email=email)
            user.email = email


class SignInLockoutBackend(AxesStandaloneBackend):
    """django-axes' check, first of the backends: a locked user name or address is refused before any password.

    Only a sign-in through a request is a sign-in that can be guessed at, and only it is counted; code that checks
    a password without one (``authenticate(username=..., password=...)``, the test client's ``login``) passes here.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def is_proxy_sign_in(request: HttpRequest, credentials: dict | None) -> bool:
    """``AXES_WHITELIST_CALLABLE``: the proxy's identity header is not a password to guess, nor counted."""
    return bool(credentials) and "remote_user" in credentials


def sign_in_locked_until(request: HttpRequest, credentials: dict | None) -> datetime:
    """When the lockout of this request's user name or address ends: a cool-off after the last failure counted."""
    cool_off = get_cool_off(request)
    limit = get_failure_limit(request, credentials)
    ends = []
    for attempts in AxesProxyHandler.get_implementation().get_user_attempts(request, credentials):
        counted = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        if (counted["failures"] or 0) >= limit:
            ends.append(counted["last"] + cool_off)
    end = max(ends, default=timezone.now() + cool_off)
    # To the next whole second, so that the time shown is never before the end.
    return end.replace(microsecond=0) + timedelta(seconds=1) if end.microsecond else end


def record_sign_in_lockout(sender, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs):
    """axes' ``user_locked_out``, sent when a failure locks sign-in and again for each attempt refused meanwhile:
    the first is recorded in the audit trail (only it has counted a failure)."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return
    credentials = getattr(request, "axes_credentials", None)
    locked_until = sign_in_locked_until(request, credentials)
    request.sign_in_locked_until = locked_until
    sign_in_lockout_record(
        username=username, address=ip_address, failures=failures, locked_until=locked_until, path=request.path
    )
    logger.warning(
        "sign-in locked after %d failures until %s",
        failures,
        locked_until.isoformat(),
        extra={"username": (username or "")[:150], "remote_addr": ip_address},
    )


def sign_in_locked_out(request: HttpRequest, original_response: HttpResponse, credentials: dict | None) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the console's lockout page, 429 with ``Retry-After``, instead of the sign-in page."""
    locked_until = getattr(request, "sign_in_locked_until", None) or sign_in_locked_until(request, credentials)
    retry_after = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    # About how long; the page gives the exact time too.
    if retry_after < 90:
        retry_in = f"{retry_after} second{'s' if retry_after != 1 else ''}"
    else:
        retry_in = f"{round(retry_after / 60)} minutes"
    response = render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": get_failure_limit(request, credentials),
            "cool_off_minutes": math.ceil(get_cool_off(request).total_seconds() / 60),
            "locked_until": locked_until,
            "retry_in": retry_in,
        },
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response
