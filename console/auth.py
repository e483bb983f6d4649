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
"""

import ipaddress
import logging
import re

from django.conf import settings
from django.contrib.auth.backends import RemoteUserBackend
from django.contrib.auth.middleware import RemoteUserMiddleware
from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden

from console.roles import Role
from console.services import user_create

logger = logging.getLogger("console.auth")

USER_HEADER = "HTTP_X_AUTH_REQUEST_USER"
EMAIL_HEADER = "HTTP_X_AUTH_REQUEST_EMAIL"


def is_trusted_proxy(remote_addr: str) -> bool:
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in network for network in settings.AUTH_TRUSTED_PROXIES)


def is_one_username(value: str) -> bool:
    """A user name as Django's accounts allow it: no comma, so not two headers merged into one."""
    if len(value) > User._meta.get_field("username").max_length:
        return False
    return re.match(UnicodeUsernameValidator.regex, value) is not None


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
