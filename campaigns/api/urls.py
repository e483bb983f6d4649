"""The campaigns endpoints under /api/v1/ (the project's urls put every app's into one ``api`` namespace)."""

from django.urls import path
from rest_framework.routers import SimpleRouter
from rest_framework.urlpatterns import format_suffix_patterns

from campaigns.api.products import CampaignDataProductsCountView, CampaignDataProductsView
from campaigns.api.views import CampaignViewSet, SubmissionViewSet

router = SimpleRouter()
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("submissions", SubmissionViewSet, basename="submission")

urlpatterns = [
    path("campaigns/<int:pk>/data-products/", CampaignDataProductsView.as_view(), name="campaign-data-products"),
    path(
        "campaigns/<int:pk>/data-products/count/",
        CampaignDataProductsCountView.as_view(),
        name="campaign-data-products-count",
    ),
    *format_suffix_patterns(router.urls),
]
