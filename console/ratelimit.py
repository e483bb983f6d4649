"""Rate limits, counted in the cache that every process of the installation shares.

The cache is Redis in production and a table in the console's database otherwise (``CACHE_URL``); either counts
each request once whichever web process answers it (``console.cache``), so the documented numbers hold for the
installation, not per process.

- Submissions: the submission endpoints (submitting a step, restarting and cancelling a submission; the pages and
  the API alike) share one limit per person: ``SUBMISSION_RATE_LIMIT`` requests every ``SUBMISSION_RATE_WINDOW``
  seconds. A request over it is answered 429 with ``Retry-After``, the seconds until the window ends, and a
  message saying so; nothing of it reaches the service.
- API tokens: ``API_TOKEN_FAILURE_LIMIT`` failed token authentications from one address every
  ``API_TOKEN_FAILURE_WINDOW`` seconds; after that every token request from the address is answered 429 with
  ``Retry-After`` until the window ends (``ThrottledTokenAuthentication``).
"""

import functools
import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from redis.exceptions import RedisError
from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)


def in_networks(value: str, networks) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return any(address in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The address a request comes from, as the sign-in lockout and the token throttle count it.

    ``REMOTE_ADDR``; but from a reverse proxy listed in ``FORWARDED_FOR_PROXIES`` (the ingress), the last address
    of ``X-Forwarded-For`` that is not one of those proxies: the one that connected to the outermost of them.
    Addresses further left were written by the client and could be anything.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.FORWARDED_FOR_PROXIES
    if remote is None or not in_networks(remote, proxies):
        return remote
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        hop = hop.strip()
        if not in_networks(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote
    return remote


@dataclass(frozen=True)
class Limit:
    scope: str
    requests: int
    window: int  # seconds
    counted: str = ""  # what is counted, for the message: "submission requests"
    per: str = "per person"

    def message(self, retry_after: int) -> str:
        counted = self.counted or f"{self.scope} requests"
        return (
            f"Too many {counted}: at most {self.requests} every {self.window} seconds {self.per}. "
            f"Try again in {retry_after} second{'s' if retry_after != 1 else ''}."
        )


def submission_limit() -> Limit:
    return Limit("submission", settings.SUBMISSION_RATE_LIMIT, settings.SUBMISSION_RATE_WINDOW)


def token_failure_limit() -> Limit:
    return Limit(
        "token-failure",
        settings.API_TOKEN_FAILURE_LIMIT,
        settings.API_TOKEN_FAILURE_WINDOW,
        counted="failed token authentications",
        per="from one address",
    )


def _window(limit: Limit, who: int | str, now: float | None) -> tuple[str, float, float]:
    """The counter's key, the current moment and the end of its window."""
    now = time.time() if now is None else now
    window_start = int(now // limit.window) * limit.window
    return f"rate-limit:{limit.scope}:{who}:{window_start}", now, window_start + limit.window


def rate_limit_count(limit: Limit, who: int | str, *, now: float | None = None) -> int | None:
    """Count one request of a person (a user id) or an address: ``None`` while within the limit, else the seconds
    until it resets.

    Fixed windows: each window's counter is created with ``add`` and raised with ``incr``, both atomic in Redis and
    in the console's database cache, so the requests of every web process are counted once each.
    """
    key, now, window_end = _window(limit, who, now)
    try:
        cache.add(key, 0, timeout=limit.window + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # the counter expired between add and incr: this request opens a new one
            cache.add(key, 1, timeout=limit.window + 1)
            count = 1
    except (RedisError, OSError) as error:
        # The cache is down: let the request through (a submission must still be recorded, and the
        # services keep their own guards against duplicates) rather than answer 500.
        logger.warning("rate limit %s not counted, the cache is unreachable: %s", limit.scope, error)
        return None
    if count <= limit.requests:
        return None
    return max(1, math.ceil(window_end - now))


def rate_limit_uncount(limit: Limit, who: int | str, *, now: float) -> None:
    """Take back a request that ``rate_limit_count`` counted at the moment ``now`` and that turned out not to count."""
    key, _, _ = _window(limit, who, now)
    try:
        cache.decr(key)
    except ValueError:  # the counter has expired: nothing to take back
        pass
    except (RedisError, OSError) as error:
        logger.warning("rate limit %s not taken back, the cache is unreachable: %s", limit.scope, error)


def throttled(limit: Limit, retry_after: int) -> Throttled:
    """DRF's 429 with ``Retry-After`` and the limit's message as ``detail`` (without DRF's own sentence on the wait,
    which the message says already)."""
    error = Throttled(detail=limit.message(retry_after))
    error.wait = retry_after
    return error


def limit_submissions(view):
    """A page view counted against the person's submission limit (429 page when over it)."""

    @functools.wraps(view)
    def limited(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            limit = submission_limit()
            retry_after = rate_limit_count(limit, request.user.pk)
            if retry_after is not None:
                response = TemplateResponse(
                    request, "429.html", {"reason": limit.message(retry_after)}, status=429
                ).render()
                response["Retry-After"] = str(retry_after)
                return response
        return view(request, *args, **kwargs)

    return limited


class SubmissionRateThrottle(BaseThrottle):
    """The same limit for the API's submission actions: 429 with ``Retry-After`` and the message as ``detail``."""

    def allow_request(self, request, view) -> bool:
        if not request.user.is_authenticated:
            return True
        limit = submission_limit()
        retry_after = rate_limit_count(limit, request.user.pk)
        if retry_after is not None:
            raise throttled(limit, retry_after)
        return True


class ThrottledTokenAuthentication(authentication.TokenAuthentication):
    """DRF's ``Authorization: Token ...``, with the failures of each address counted in the shared cache.

    At most ``API_TOKEN_FAILURE_LIMIT`` failed token authentications from one address in a window of
    ``API_TOKEN_FAILURE_WINDOW`` seconds; after them every token request from it is answered 429 with
    ``Retry-After`` until the window ends, a valid token too, so that a right guess cannot be told from a wrong
    one. Each token request is counted before its token is looked up and taken back when the token is good, so
    that requests arriving at the same moment cannot slip past the limit together.
    """

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        limit = token_failure_limit()
        address = client_address(request) or "unknown"
        moment = time.time()
        retry_after = rate_limit_count(limit, address, now=moment)
        if retry_after is not None:
            raise throttled(limit, retry_after)
        try:
            authenticated = super().authenticate(request)
        except AuthenticationFailed:
            logger.warning("refused an API token", extra={"remote_addr": address})
            raise
        rate_limit_uncount(limit, address, now=moment)
        return authenticated
