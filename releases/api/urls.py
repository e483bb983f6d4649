"""The releases endpoints under /api/v1/ (the project's urls put every app's into one ``api`` namespace)."""

from rest_framework.routers import SimpleRouter
from rest_framework.urlpatterns import format_suffix_patterns

from releases.api.views import BackportRequestViewSet, ReleaseViewSet

router = SimpleRouter()
router.register("releases", ReleaseViewSet, basename="release")
router.register("backport-requests", BackportRequestViewSet, basename="backport-request")

urlpatterns = format_suffix_patterns(router.urls)
