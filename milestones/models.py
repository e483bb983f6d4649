"""Project milestones as tracked in Jira (the milestones issue adds history, sync and reports)."""

from django.db import models

from milestones.choices import MilestoneStatus


class Milestone(models.Model):
    """A milestone: Jira key, project-wide id, due date, level, status and owning team."""

    jira_key = models.CharField(max_length=32, unique=True, help_text="e.g. PREOPS-154")
    project_id = models.CharField(max_length=32, blank=True, help_text="e.g. L3-MW-0050")
    title = models.CharField(max_length=300)
    due_date = models.DateField(null=True, blank=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=MilestoneStatus.choices, default=MilestoneStatus.TO_DO)
    team = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["due_date", "jira_key"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__isnull=True) | models.Q(level__gte=1, level__lte=3),
                name="milestone_level_1_to_3",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jira_key} {self.title}"
