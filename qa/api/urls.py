"""The qa endpoints under /api/v1/ (the project's urls put every app's into one ``api`` namespace)."""

from django.urls import path
from rest_framework.routers import SimpleRouter
from rest_framework.urlpatterns import format_suffix_patterns

from qa.api.views import (
    MetricViewSet,
    SpecificationViewSet,
    StepAcceptView,
    StepGateView,
    StepWaiverView,
    SubmissionMeasurementsView,
    SubmissionQAView,
)

router = SimpleRouter()
router.register("metrics", MetricViewSet, basename="metric")
router.register("specifications", SpecificationViewSet, basename="specification")

urlpatterns = [
    path("submissions/<int:pk>/measurements/", SubmissionMeasurementsView.as_view(), name="submission-measurements"),
    path("submissions/<int:pk>/qa/", SubmissionQAView.as_view(), name="submission-qa"),
    path("steps/<int:pk>/gate/", StepGateView.as_view(), name="step-gate"),
    path("steps/<int:pk>/accept/", StepAcceptView.as_view(), name="step-accept"),
    path("steps/<int:pk>/waivers/", StepWaiverView.as_view(), name="step-waivers"),
    *format_suffix_patterns(router.urls),
]
