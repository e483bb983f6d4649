"""Filters shared by the audit page and the audit API, and filter classes the apps' filters share."""

import django_filters
from drf_spectacular.utils import extend_schema_field

from console.api.fields import INT64_MAX
from console.models import AuditEvent


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": INT64_MAX})
class IdFilter(django_filters.NumberFilter):
    """An object's id: one that names no object matches nothing (an empty list, not 400); the schema bounds it to
    the 64 bits an id holds, so that a larger number is refused naming the parameter."""


class AuditEventFilter(django_filters.FilterSet):
    object_type = django_filters.CharFilter(help_text="app_label.model, e.g. auth.user")
    object_id = django_filters.CharFilter()
    actor = django_filters.CharFilter(field_name="actor_name", help_text="user name, or system")
    action = django_filters.CharFilter(lookup_expr="startswith", help_text="e.g. user.role or user.role-granted")
    occurred_after = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte")
    occurred_before = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte")

    class Meta:
        model = AuditEvent
        fields = ["object_type", "object_id", "actor", "action", "occurred_after", "occurred_before"]
