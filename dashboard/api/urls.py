"""The dashboard's endpoint under /api/v1/ (the project's urls put every app's into one ``api`` namespace)."""

from rest_framework.routers import SimpleRouter
from rest_framework.urlpatterns import format_suffix_patterns

from dashboard.api.views import AttentionViewSet

router = SimpleRouter()
router.register("attention", AttentionViewSet, basename="attention")

urlpatterns = format_suffix_patterns(router.urls)
