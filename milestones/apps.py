from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class MilestonesConfig(AppConfig):
    name = "milestones"
    verbose_name = "Milestones"

    def ready(self) -> None:
        checks.register(check_jira_status_map, checks.Tags.compatibility)

        from campaigns import events as campaign_events
        from milestones.services import evidence
        from releases import events as release_events

        # What the lower apps publish is evidence that milestones may wait for.
        campaign_events.campaign_started.subscribe(evidence.on_campaign_started)
        campaign_events.step_accepted.subscribe(evidence.on_step_accepted)
        campaign_events.data_products_delivered.subscribe(evidence.on_data_products_delivered)
        release_events.release_approved.subscribe(evidence.on_release_approved)


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
