"""The committee endpoints under /api/v1/ (the project's urls put every app's into one ``api`` namespace)."""

from rest_framework.routers import SimpleRouter
from rest_framework.urlpatterns import format_suffix_patterns

from committee.api.views import CommitteeViewSet, DecisionViewSet, VoteViewSet

router = SimpleRouter()
router.register("committees", CommitteeViewSet, basename="committee")
router.register("decisions", DecisionViewSet, basename="decision")
router.register("votes", VoteViewSet, basename="vote")

urlpatterns = format_suffix_patterns(router.urls)
