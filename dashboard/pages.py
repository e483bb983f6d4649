"""What the dashboard app (the demo's home) adds to other apps' pages (registered in ``DashboardConfig.ready``)."""

from django.conf import settings

from campaigns.models import Campaign
from committee.models import Decision
from dashboard.demo import DEMO_CAMPAIGN, DEMO_WAIVER_DECISION
from qa.models import Specification

NOTHING = ("dashboard/_demo_gate_note.html", {"show": False})


def demo_gate_section(campaign: Campaign) -> tuple[str, dict]:
    """On the demo's DP0.2 campaign (the demo's own repository, its name), a card that says why the QA gate blocks
    its first successful run on purpose and what a person does next. No query on any other campaign's page."""
    if campaign.name != DEMO_CAMPAIGN or campaign.butler_repo != str(settings.DEMO_BUTLER_REPO):
        return NOTHING
    decision = Decision.objects.filter(title=DEMO_WAIVER_DECISION, campaigns=campaign.pk).first()
    spec = Specification.objects.filter(metric__name="demo.measure.std", blocking=True).select_related("metric").first()
    return "dashboard/_demo_gate_note.html", {"show": True, "campaign": campaign, "decision": decision, "spec": spec}
