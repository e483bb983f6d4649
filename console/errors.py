"""Domain errors raised by services, and their mapping to API responses.

Services raise these; they never build HTTP responses. The API maps them here
to 400/403/404/409, the pages in ``console.middleware.DomainErrorMiddleware``
(the error pages themselves are in ``console.error_pages``).
"""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """Something the user asked for cannot be done; the message says why."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"


class InvalidInput(DomainError):
    code = "invalid"


class NotPermitted(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"


class DoesNotExist(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Conflict(DomainError):
    """The object is not in a state that allows the action (e.g. an illegal transition)."""

    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc), "code": exc.code}, status=exc.status_code)
    return exception_handler(exc, context)
