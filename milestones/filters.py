"""The filter shared by the status report page, its Markdown and CSV exports, the command and the API."""

import django_filters
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field

from milestones.choices import MilestoneStatus
from milestones.models import Milestone

LEVEL_CHOICES = [("1", "Level 1"), ("2", "Level 2"), ("3", "Level 3"), ("none", "No level")]


class AnyTeamField(django_filters.fields.MultipleChoiceField):
    """Offers the teams that own milestones; any other name is valid too, and matches nothing."""

    def valid_value(self, value) -> bool:
        return True


class TeamFilter(django_filters.AllValuesMultipleFilter):
    field_class = AnyTeamField


class MilestoneFilter(django_filters.FilterSet):
    # Its choices are the teams that own milestones (one query, which also draws the page's select).
    team = TeamFilter(field_name="team", help_text="one or more owning teams")
    level = django_filters.MultipleChoiceFilter(choices=LEVEL_CHOICES, method="filter_level")
    status = django_filters.MultipleChoiceFilter(choices=MilestoneStatus.choices)
    q = django_filters.CharFilter(method="filter_text", label="Key, id or title contains")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte", label="Due from")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte", label="Due until")

    class Meta:
        model = Milestone
        fields = ["team", "level", "status", "q", "due_after", "due_before"]

    # A level is chosen by its text ("1" .. "3", or "none"), not by the model field's number.
    @extend_schema_field({"type": "string", "enum": [value for value, _ in LEVEL_CHOICES]})
    def filter_level(self, queryset, name, values):
        if not values:
            return queryset
        condition = Q(level__in=[int(value) for value in values if value != "none"])
        if "none" in values:
            condition |= Q(level__isnull=True)
        return queryset.filter(condition)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(jira_key__icontains=value) | Q(project_id__icontains=value) | Q(title__icontains=value)
        )

    def description(self) -> str:
        """The filters in force, in words (for the report's heading and exports)."""
        if not self.is_bound or not self.is_valid():
            return ""
        data = self.form.cleaned_data
        parts = []
        if data.get("team"):
            parts.append("team " + " or ".join(data["team"]))
        if data.get("level"):
            parts.append("level " + " or ".join(dict(LEVEL_CHOICES)[v].removeprefix("Level ") for v in data["level"]))
        if data.get("status"):
            parts.append("status " + " or ".join(data["status"]))
        if data.get("q"):
            parts.append(f"text {data['q']!r}")
        if data.get("due_after"):
            parts.append(f"due from {data['due_after']}")
        if data.get("due_before"):
            parts.append(f"due until {data['due_before']}")
        return "; ".join(parts)
