"""The milestones endpoints under /api/v1/ (the project's urls put every app's into one ``api`` namespace)."""

from rest_framework.routers import SimpleRouter
from rest_framework.urlpatterns import format_suffix_patterns

from milestones.api.views import EvidenceProposalViewSet, JiraSyncViewSet, MilestoneViewSet

router = SimpleRouter()
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("milestone-proposals", EvidenceProposalViewSet, basename="milestone-proposal")
router.register("jira-syncs", JiraSyncViewSet, basename="jira-sync")

urlpatterns = format_suffix_patterns(router.urls)
