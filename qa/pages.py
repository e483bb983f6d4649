"""What QA adds to the pages of the apps below it (registered in ``QaConfig.ready``)."""

from campaigns.models import Campaign


def campaign_gate_section(campaign: Campaign) -> tuple[str, dict]:
    """The campaign page's QA gate: its body is loaded by htmx (``qa:campaign-gate``), so no query here."""
    return "qa/_campaign_gate_section.html", {"campaign": campaign}
