"""The campaigns endpoints under /api/v1/ (the project's urls put every app's into one ``api`` namespace)."""

from django.urls import path
from rest_framework.routers import SimpleRouter
from rest_framework.urlpatterns import format_suffix_patterns

from campaigns.api.errors import ErrorRuleViewSet, ErrorSummaryViewSet, ErrorTypeViewSet
from campaigns.api.facilities import FacilityViewSet
from campaigns.api.groups import GroupReleaseView, GroupSubmitView, StepGroupListView, StepSplitView
from campaigns.api.products import CampaignDataProductsCountView, CampaignDataProductsView
from campaigns.api.views import CampaignViewSet, SubmissionViewSet

router = SimpleRouter()
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("submissions", SubmissionViewSet, basename="submission")
router.register("error-types", ErrorTypeViewSet, basename="error-type")
router.register("error-rules", ErrorRuleViewSet, basename="error-rule")
router.register("errors", ErrorSummaryViewSet, basename="error-summary")
router.register("facilities", FacilityViewSet, basename="facility")

urlpatterns = [
    path("campaigns/<int:pk>/data-products/", CampaignDataProductsView.as_view(), name="campaign-data-products"),
    path(
        "campaigns/<int:pk>/data-products/count/",
        CampaignDataProductsCountView.as_view(),
        name="campaign-data-products-count",
    ),
    # A step split into groups (qa's steps/<id>/gate/, accept/ and waivers/ are its own).
    path("steps/<int:pk>/groups/", StepGroupListView.as_view(), name="step-groups"),
    path("steps/<int:pk>/split/", StepSplitView.as_view(), name="step-split"),
    path("groups/<int:pk>/submit/", GroupSubmitView.as_view(), name="group-submit"),
    path("groups/<int:pk>/release/", GroupReleaseView.as_view(), name="group-release"),
    *format_suffix_patterns(router.urls),
]
