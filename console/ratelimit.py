"""Per-person rate limits, counted in the cache that every web process shares (Redis in production).

The submission endpoints (submitting a step, restarting and cancelling a submission; the pages and the
API alike) share one limit per person: ``SUBMISSION_RATE_LIMIT`` requests every
``SUBMISSION_RATE_WINDOW`` seconds. A request over it is answered 429 with ``Retry-After``, the seconds
until the window ends, and a message saying so; nothing of it reaches the service.
"""

import functools
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from redis.exceptions import RedisError
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    scope: str
    requests: int
    window: int  # seconds

    def message(self, retry_after: int) -> str:
        return (
            f"Too many {self.scope} requests: at most {self.requests} every {self.window} seconds per person. "
            f"Try again in {retry_after} second{'s' if retry_after != 1 else ''}."
        )


def submission_limit() -> Limit:
    return Limit("submission", settings.SUBMISSION_RATE_LIMIT, settings.SUBMISSION_RATE_WINDOW)


def rate_limit_count(limit: Limit, user_id: int, *, now: float | None = None) -> int | None:
    """Count one request of a person: ``None`` while within the limit, else the seconds until it resets.

    Fixed windows: each window's counter is created with ``add`` and raised with ``incr``, both atomic in
    Redis, so the requests of every web process are counted once each.
    """
    now = time.time() if now is None else now
    window_start = int(now // limit.window) * limit.window
    key = f"rate-limit:{limit.scope}:{user_id}:{window_start}"
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
    return max(1, math.ceil(window_start + limit.window - now))


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
            raise Throttled(wait=retry_after, detail=limit.message(retry_after))
        return True
