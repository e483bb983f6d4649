"""Campaigns (the campaigns issue adds steps, BPS configuration and submissions)."""

from django.conf import settings
from django.db import models

from campaigns.choices import CampaignStatus


class Campaign(models.Model):
    """A reprocessing campaign of a dataset with one pipeline release."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    release = models.ForeignKey(
        "releases.Release", null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
