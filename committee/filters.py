"""Filters shared by the decision register page, its exports and its API; the votes API's."""

import django_filters

from committee.choices import DecisionKind, DecisionStatus
from committee.models import Decision, Vote
from console.filters import IdFilter


class DecisionFilter(django_filters.FilterSet):
    committee = django_filters.CharFilter(field_name="committee__slug", label="Committee")
    kind = django_filters.MultipleChoiceFilter(choices=DecisionKind.choices)
    status = django_filters.MultipleChoiceFilter(choices=DecisionStatus.choices)
    release = django_filters.CharFilter(field_name="release__version", label="Release")
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Title contains")
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = Decision
        fields = ["committee", "kind", "status", "release", "q", "created_after", "created_before"]


class VoteFilter(django_filters.FilterSet):
    decision = IdFilter(field_name="decision_id", help_text="the decision's id")

    class Meta:
        model = Vote
        fields = ["decision", "choice"]
