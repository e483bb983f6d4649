from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class MilestonesConfig(AppConfig):
    name = "milestones"
    verbose_name = "Milestones"

    def ready(self) -> None:
        checks.register(check_jira_status_map, checks.Tags.compatibility)


def check_jira_status_map(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every Jira status must map to a milestone status (a typo would fail every sync)."""
    from milestones.choices import MilestoneStatus

    return [
        checks.Error(
            f"JIRA_STATUS_MAP maps the Jira status {jira_status!r} to {status!r}, which is not a milestone status.",
            hint=f"Use one of: {', '.join(MilestoneStatus.values)}.",
            id="milestones.E001",
        )
        for jira_status, status in settings.JIRA_STATUS_MAP.items()
        if status not in MilestoneStatus.values
    ]
