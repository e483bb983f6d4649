from django.db import models


class CommitteeKind(models.TextChoices):
    POLICY = "policy", "Policy committee"
    CHANGE_CONTROL = "change-control", "Change control board"
    LEADERSHIP = "leadership", "Leadership team"


# The policy committee has one seat per area.
POLICY_COMMITTEE_AREAS = (
    "Science Pipelines",
    "Verification & Validation",
    "Middleware",
    "Execution",
)
