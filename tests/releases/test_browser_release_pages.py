"""The task force lead reads the release list and a release's page in headless Chromium, and ends its support."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from committee.choices import DecisionKind, DecisionStatus
from committee.models import ReleaseApproval
from releases.choices import BackportStatus, ReleaseStatus
from releases.models import Release
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import ChangeControlBoardFactory, DecisionFactory
from tests.console.factories import UserFactory
from tests.releases.factories import BackportRequestFactory, ReleaseFactory
from tests.support.browser import chromium_page


def some_releases(lead) -> Release:
    today = date.today()
    major = ReleaseFactory(
        version="v23.0.0",
        status=ReleaseStatus.SUPPORTED,
        approved_on=today - timedelta(days=320),
        support_until=today + timedelta(days=45),
        notes="The release of the DP1 processing.",
    )
    patch = ReleaseFactory(version="v23.0.1", base_release=major, status=ReleaseStatus.SUPPORTED)
    ReleaseFactory(version="v24.0.0", status=ReleaseStatus.APPROVED, approved_on=today - timedelta(days=3))
    ReleaseFactory(version="v25.0.0")
    ReleaseFactory(version="v22.0.0", status=ReleaseStatus.END_OF_SUPPORT)
    decision = DecisionFactory(
        kind=DecisionKind.PIPELINE_VERSION, release=major, status=DecisionStatus.ENDORSED, title="Use v23.0.0 for DC2"
    )
    for name in ("DC2 RC1", "DC2 RC2"):
        campaign = CampaignFactory(name=name, release=major)
        ReleaseApproval.objects.create(release=major, campaign=campaign, decision=decision, approved_at=timezone.now())
    BackportRequestFactory(rfc_id="RFC-812", target_release=major, requester=lead, status=BackportStatus.APPROVED)
    BackportRequestFactory(rfc_id="RFC-813", target_release=major, status=BackportStatus.SHIPPED, shipped_in=patch)
    DecisionFactory(
        committee=ChangeControlBoardFactory(),
        kind=DecisionKind.BACKPORT,
        release=major,
        title="Backport the PSF fix (RFC-812)",
    )
    return major


@pytest.mark.browser
def test_the_lead_reads_the_releases_and_ends_a_support(live_server, transactional_db, screenshot_dir):
    lead = UserFactory(username="lead", password="a-demo-password-1", roles=["task-force-lead"])
    major = some_releases(lead)

    with chromium_page() as page:
        page.set_viewport_size({"width": 1400, "height": 900})
        page.goto(f"{live_server.url}/login/?next=/releases/")
        page.fill("#id_username", "lead")
        page.fill("#id_password", "a-demo-password-1")
        page.click("button[type=submit]")

        page.wait_for_selector("[data-testid=release-table]")
        assert page.title() == "Releases · Campaign Console"
        rows = page.locator("[data-testid=release-row]")
        assert rows.count() == 5
        assert rows.nth(0).inner_text().startswith("v25.0.0")
        assert "45 days" in page.inner_text("[data-testid=release-table]")
        assert page.is_visible("[data-testid=release-create-form]")
        page.screenshot(path=str(screenshot_dir / "release-list.png"), full_page=True)

        page.click("text=v23.0.0 >> nth=0")
        page.wait_for_selector("[data-testid=release-actions]")
        assert page.title() == "Release v23.0.0 · Campaign Console"
        assert "RFC-812" in page.inner_text("[data-testid=pending-backports]")
        assert "RFC-813" in page.inner_text("[data-testid=shipped-backports]")
        assert "Use v23.0.0 for DC2" in page.inner_text("[data-testid=approval-table]")
        page.screenshot(path=str(screenshot_dir / "release-detail.png"), full_page=True)

        page.click("[data-testid=end-support-form] button")
        page.wait_for_selector("text=The support of v23.0.0 has ended.")
        assert page.inner_text("h1 [data-testid=release-status]") == "End of support"
        # An ended release takes no other act than the lead's extension of its support.
        assert page.locator("[data-testid=end-support-form]").count() == 0
        assert page.inner_text("[data-testid=support-window-form] button") == "Extend support"

        page.click("nav >> text=Backports")
        page.wait_for_selector("[data-testid=backport-table]")
        assert page.locator("[data-testid=backport-row]").count() == 2
        page.screenshot(path=str(screenshot_dir / "backport-list.png"), full_page=True)

        page.click("text=RFC-812")
        page.wait_for_selector("[data-testid=merge-form]")
        page.click("[data-testid=merge-form] button")
        page.wait_for_selector("text=RFC-812 is merged.")
        assert page.is_visible("[data-testid=ship-form]")
        assert page.inner_text("[data-testid=ship-form] select") == "choose the patch\nv23.0.1"
        page.screenshot(path=str(screenshot_dir / "backport-detail.png"), full_page=True)
        assert page.console_errors == []

    major.refresh_from_db()
    assert major.status == ReleaseStatus.END_OF_SUPPORT
