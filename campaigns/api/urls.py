"""The campaigns endpoints under /api/v1/ (the project's urls put every app's into one ``api`` namespace)."""

from rest_framework.routers import SimpleRouter
from rest_framework.urlpatterns import format_suffix_patterns

from campaigns.api.views import CampaignViewSet, SubmissionViewSet

router = SimpleRouter()
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("submissions", SubmissionViewSet, basename="submission")

urlpatterns = format_suffix_patterns(router.urls)
