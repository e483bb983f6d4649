"""Filters of the campaign list (page and API), of the submissions API and of the error page (and its API)."""

import django_filters

from campaigns.choices import CampaignKind, ErrorOrigin
from campaigns.models import Campaign, Submission
from console.filters import IdFilter


class ArchivedFilter(django_filters.ChoiceFilter):
    """Archived campaigns are hidden unless asked for: ``include`` shows them with the others, ``only`` alone
    (``CampaignQuerySet``). Applied with no value too, which a filter usually skips."""

    def filter(self, qs, value):
        if value == "include":
            return qs
        if value == "only":
            return qs.archived()
        return qs.not_archived()


class CampaignFilter(django_filters.FilterSet):
    """Shared by the campaign list page and the campaigns API."""

    kind = django_filters.ChoiceFilter(choices=CampaignKind.choices, help_text="production or mini-run")
    archived = ArchivedFilter(
        choices=[("include", "shown too"), ("only", "only archived")],
        empty_label="hidden",
        help_text="archived campaigns are hidden unless asked for: include (shown too) or only",
    )

    class Meta:
        model = Campaign
        fields = ["status", "kind", "workflow_system", "archived"]

    def filter_queryset(self, queryset):
        if "archived" not in self.form.cleaned_data:
            # An unreadable value (the page shows the error) hides them as no value does.
            queryset = queryset.not_archived()
        return super().filter_queryset(queryset)


class SubmissionFilter(django_filters.FilterSet):
    campaign = IdFilter(field_name="step__campaign_id", help_text="the campaign's id")

    class Meta:
        model = Submission
        fields = ["campaign", "status"]


class FailureFilter(django_filters.FilterSet):
    """The failed runs the error page and the errors API count: by the origin of their error type, their release,
    their campaign."""

    origin = django_filters.ChoiceFilter(
        field_name="error_type__origin", choices=ErrorOrigin.choices, help_text="the origin of the error type"
    )
    release = django_filters.CharFilter(field_name="release__version", label="Release", help_text="e.g. v23.0.0")
    campaign = IdFilter(field_name="step__campaign_id", help_text="the campaign's id")

    class Meta:
        model = Submission
        fields = ["origin", "release", "campaign"]
