"""What apps above campaigns add to a campaign's page (registered in their ``AppConfig.ready``), so that the page
shows what they hold about the campaign without this app importing or linking to them: sections (the committee's
release approvals, the QA gate), and where a person asks for a release's approval for a campaign (the committee's
pre-filled draft, offered after a clone)."""

from collections.abc import Callable

from campaigns.models import Campaign
from releases.models import Release

# Each takes the campaign (read by ``selectors.campaign_detail``) and returns (template, context); the page includes
# the template with ``section``, in the order of registration.
CAMPAIGN_PAGE_SECTIONS: list[Callable[[Campaign], tuple[str, dict]]] = []

# Each takes a campaign and a release it may not run yet and returns the address of the page where someone asks
# for that release's approval for it, or "".
APPROVAL_REQUEST_LINKS: list[Callable[[Campaign, Release], str]] = []


def register_section(section: Callable[[Campaign], tuple[str, dict]]) -> Callable[[Campaign], tuple[str, dict]]:
    if section not in CAMPAIGN_PAGE_SECTIONS:
        CAMPAIGN_PAGE_SECTIONS.append(section)
    return section


def campaign_page_sections(campaign: Campaign) -> list[tuple[str, dict]]:
    return [section(campaign) for section in CAMPAIGN_PAGE_SECTIONS]


def register_approval_request_link(link: Callable[[Campaign, Release], str]) -> Callable[[Campaign, Release], str]:
    if link not in APPROVAL_REQUEST_LINKS:
        APPROVAL_REQUEST_LINKS.append(link)
    return link


def approval_request_url(campaign: Campaign, release: Release) -> str:
    """Where to ask for the release's approval for the campaign; "" when no app offers a page for it."""
    return next((url for link in APPROVAL_REQUEST_LINKS if (url := link(campaign, release))), "")
