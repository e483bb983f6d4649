from django.db import models


class MilestoneStatus(models.TextChoices):
    TO_DO = "To Do", "To Do"
    IN_PROGRESS = "In Progress", "In Progress"
    DONE = "Done", "Done"
    WONT_FIX = "Won't Fix", "Won't Fix"


OPEN_STATUSES = (MilestoneStatus.TO_DO, MilestoneStatus.IN_PROGRESS)
