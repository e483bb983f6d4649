"""Filters of the campaign list (page and API) and of the submissions API."""

import django_filters

from campaigns.choices import CampaignKind
from campaigns.models import Campaign, Submission
from console.filters import IdFilter


class CampaignFilter(django_filters.FilterSet):
    """Shared by the campaign list page and the campaigns API."""

    kind = django_filters.ChoiceFilter(choices=CampaignKind.choices, help_text="production or mini-run")

    class Meta:
        model = Campaign
        fields = ["status", "kind", "workflow_system"]


class SubmissionFilter(django_filters.FilterSet):
    campaign = IdFilter(field_name="step__campaign_id", help_text="the campaign's id")

    class Meta:
        model = Submission
        fields = ["campaign", "status"]
