"""Filters of the submissions API."""

import django_filters

from campaigns.models import Submission
from console.filters import IdFilter


class SubmissionFilter(django_filters.FilterSet):
    campaign = IdFilter(field_name="step__campaign_id", help_text="the campaign's id")

    class Meta:
        model = Submission
        fields = ["campaign", "status"]
