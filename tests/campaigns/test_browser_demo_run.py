"""The demo works by clicking: an operator presses Submit in headless Chromium and watches the real
BPS + Parsl run complete on the page (the page updates itself while the console's poller follows the run)."""

import time

import pytest

from campaigns.models import Submission
from campaigns.services import submissions_poll
from tests.campaigns.test_bps_submit_end_to_end import RUN_TIMEOUT
from tests.support.browser import chromium_page


@pytest.mark.browser
@pytest.mark.stack
def test_an_operator_submits_the_demo_campaign_and_sees_it_complete(
    live_server,
    transactional_db,
    operator,
    demo_campaign,
    screenshot_dir,
):
    campaign = demo_campaign("browser-demo")

    with chromium_page() as page:
        page.set_viewport_size({"width": 1400, "height": 1000})
        page.goto(f"{live_server.url}/login/?next=/campaigns/{campaign.pk}/")
        page.fill("#id_username", "operator")
        page.fill("#id_password", "correct horse battery staple")  # the operator fixture's
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=preflight-ok]")

        page.click("[data-testid=submit-form] button[type=submit]")
        page.wait_for_selector("[data-testid=submission-status]")
        assert page.locator("[data-testid=live-updates]").count() == 1

        deadline = time.monotonic() + RUN_TIMEOUT
        while time.monotonic() < deadline:
            submissions_poll()
            if Submission.objects.get().status not in ("pending", "submitting", "running"):
                break
            time.sleep(2)
        assert Submission.objects.get().status == "succeeded"

        # The page's own polling (every 5 s) shows the end without a reload.
        page.wait_for_selector("[data-testid=submission-status]:has-text('Succeeded')", timeout=15_000)
        counts = page.inner_text("[data-testid=task-counts]")
        assert "measure\t8\t8\t0" in counts
        assert "summarize\t2\t2\t0" in counts
        page.screenshot(path=str(screenshot_dir / "demo-run-succeeded.png"), full_page=True)
        assert page.locator("[data-testid=live-updates]").count() == 0
        assert page.console_errors == []
