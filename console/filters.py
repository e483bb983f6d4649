"""Filters shared by the audit page and the audit API."""

import django_filters

from console.models import AuditEvent


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
