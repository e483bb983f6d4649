from django.db import models


class ReleaseStatus(models.TextChoices):
    CANDIDATE = "candidate", "Candidate"
    APPROVED = "approved", "Approved"
    SUPPORTED = "supported", "Supported"
    END_OF_SUPPORT = "end-of-support", "End of support"
    WITHDRAWN = "withdrawn", "Withdrawn"
