"""The console endpoints under /api/v1/ (the project's urls put every app's into one ``api`` namespace)."""

from django.urls import path
from rest_framework.routers import SimpleRouter
from rest_framework.urlpatterns import format_suffix_patterns

from console.api.views import AuditEventViewSet, MeView, UserViewSet

router = SimpleRouter()
router.register("users", UserViewSet, basename="user")
router.register("audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    *format_suffix_patterns(router.urls),
]
