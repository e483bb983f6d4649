from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self) -> None:
        from campaigns import pages as campaign_pages
        from dashboard.pages import demo_gate_section

        # The demo's DP0.2 campaign says why its first run is blocked by QA, on purpose (below its QA gate).
        campaign_pages.register_section(demo_gate_section)
