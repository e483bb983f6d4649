"""The API under /api/v1/: each app registers its viewsets on this one router."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from console.api.views import AuditEventViewSet, MeView, UserViewSet

router = DefaultRouter()
router.register("users", UserViewSet, basename="user")
router.register("audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
]
