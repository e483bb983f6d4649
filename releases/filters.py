"""Filters shared by the release list and backport queue pages and their API."""

from datetime import timedelta

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field

from releases.choices import BackportStatus, ReleaseKind, ReleaseStatus
from releases.models import BackportRequest, Release


class ReleaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ReleaseStatus.choices)
    kind = django_filters.MultipleChoiceFilter(choices=ReleaseKind.choices, help_text="release or weekly build")

    class Meta:
        model = Release
        fields = ["status", "kind"]


class BackportRequestFilter(django_filters.FilterSet):
    release = django_filters.CharFilter(field_name="target_release__version", label="Target release")
    status = django_filters.MultipleChoiceFilter(choices=BackportStatus.choices)
    # The ceiling keeps timedelta() from overflowing (a 500) on an absurd number; the schema says both bounds.
    older_than_days = extend_schema_field({"type": "integer", "minimum": 0, "maximum": 36500})(
        django_filters.NumberFilter(method="filter_older_than", label="Older than (days)", min_value=0, max_value=36500)
    )

    class Meta:
        model = BackportRequest
        fields = ["release", "status", "older_than_days"]

    def filter_older_than(self, queryset, name, value):
        return queryset.filter(created_at__lte=timezone.now() - timedelta(days=int(value)))
