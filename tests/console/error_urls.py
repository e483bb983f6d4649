"""The console's URLs and views that fail on purpose, for the error page tests (``@pytest.mark.urls``)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from project.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def bad(request):
    raise SuspiciousOperation("a made-up suspicious request")


def denied(request):
    raise PermissionDenied


def boom(request):
    raise RuntimeError("a made-up fault")


urlpatterns = [
    *urlpatterns,
    path("errors/bad/", bad),
    path("errors/denied/", denied),
    path("errors/boom/", boom),
    path("api/v1/errors/boom/", boom),
]
