from django.db import models


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    READY = "ready", "Ready"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    ACCEPTED = "accepted", "Accepted"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
