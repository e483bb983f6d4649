from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = "QA metrics"

    def ready(self) -> None:
        from campaigns import events as campaign_events
        from qa.tasks import ingest_metrics_on_commit

        # A succeeded run's measurements are read from its task metadata in the background.
        campaign_events.submission_succeeded.subscribe(ingest_metrics_on_commit)

        from campaigns import pages as campaign_pages
        from qa.pages import campaign_gate_section

        # A campaign's page shows its QA gate.
        campaign_pages.register_section(campaign_gate_section)

        from campaigns import preflight
        from qa.services import step_gate_for_automation

        # A campaign that runs automatically starts a step only when the one before passes its QA gate.
        preflight.register_step_gate(step_gate_for_automation)
