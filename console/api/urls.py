"""The API under /api/v1/: each app registers its viewsets on this one router."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from campaigns.api.views import CampaignViewSet, SubmissionViewSet
from committee.api.views import CommitteeViewSet, DecisionViewSet, VoteViewSet
from console.api.views import AuditEventViewSet, MeView, UserViewSet
from milestones.api.views import EvidenceProposalViewSet, JiraSyncViewSet, MilestoneViewSet
from qa.api.views import (
    MetricViewSet,
    SpecificationViewSet,
    StepAcceptView,
    StepWaiverView,
    SubmissionMeasurementsView,
    SubmissionQAView,
)
from releases.api.views import BackportRequestViewSet, ReleaseViewSet

router = DefaultRouter()
router.register("users", UserViewSet, basename="user")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("releases", ReleaseViewSet, basename="release")
router.register("backport-requests", BackportRequestViewSet, basename="backport-request")
router.register("committees", CommitteeViewSet, basename="committee")
router.register("decisions", DecisionViewSet, basename="decision")
router.register("votes", VoteViewSet, basename="vote")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("submissions", SubmissionViewSet, basename="submission")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("milestone-proposals", EvidenceProposalViewSet, basename="milestone-proposal")
router.register("jira-syncs", JiraSyncViewSet, basename="jira-sync")
router.register("metrics", MetricViewSet, basename="metric")
router.register("specifications", SpecificationViewSet, basename="specification")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("submissions/<int:pk>/measurements/", SubmissionMeasurementsView.as_view(), name="submission-measurements"),
    path("submissions/<int:pk>/qa/", SubmissionQAView.as_view(), name="submission-qa"),
    path("steps/<int:pk>/accept/", StepAcceptView.as_view(), name="step-accept"),
    path("steps/<int:pk>/waivers/", StepWaiverView.as_view(), name="step-waivers"),
    *router.urls,
]
