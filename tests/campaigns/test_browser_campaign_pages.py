"""An operator follows a campaign in headless Chromium: the list, the live panel, a submission, the dashboard."""

import re

import pytest
from django.utils import timezone

from campaigns.choices import CampaignStatus, SubmissionStatus
from campaigns.models import Submission
from tests.campaigns.factories import StepFactory, SubmissionFactory, SubmittableCampaignFactory
from tests.console.factories import UserFactory
from tests.releases.factories import ReleaseFactory
from tests.support.browser import chromium_page

FAILURE = {
    "task": "calibrate",
    "data_id": "{visit: 1228, detector: 94}",
    "message": "RuntimeError: No matches in the reference catalog",
    "log": "/work/submit/1/logs/calibrate-1228-94.log",
}


def counts(expected: int, succeeded: int, failed: int, running: int = 0) -> dict:
    return {"expected": expected, "succeeded": succeeded, "failed": failed, "blocked": 0, "running": running}


@pytest.mark.browser
def test_an_operator_follows_a_running_campaign_and_submits_a_step(
    live_server, transactional_db, screenshot_dir, monkeypatch
):
    dispatched = []
    monkeypatch.setattr("campaigns.services.dispatch.dispatch_on_commit", dispatched.append)
    UserFactory(username="operator", password="a-demo-password-1", roles=["operator"])
    campaign = SubmittableCampaignFactory(name="DC2 RC6", dataset_label="DC2 test-med-1", status=CampaignStatus.RUNNING)
    step1 = StepFactory(campaign=campaign, name="step1", pipeline_subset="#step1")
    StepFactory(campaign=campaign, name="step2", pipeline_subset="#step2", depends_on=step1)
    StepFactory(campaign=campaign, name="faro", pipeline_subset="#faro")
    failed = SubmissionFactory(
        step=step1,
        status=SubmissionStatus.FAILED,
        started_at=timezone.now(),
        ended_at=timezone.now(),
        pid=4242,
        host="sdfrome001",
        working_dir="/work/submit/1",
        failures=[FAILURE],
        bps_config="pipelineYaml: DRP.yaml#step1\n",
        task_counts={"isr": counts(200, 200, 0), "calibrate": counts(200, 190, 10)},
    )
    running = SubmissionFactory(
        step=step1,
        attempt=2,
        restarts=failed,
        status=SubmissionStatus.RUNNING,
        started_at=timezone.now(),
        task_counts={"calibrate": counts(10, 4, 0, running=6)},
    )
    blocked = SubmittableCampaignFactory(name="DC2 RC8", release=ReleaseFactory(version="v24.0.0"), approved=False)
    StepFactory(campaign=blocked, name="all")

    with chromium_page() as page:
        page.set_viewport_size({"width": 1400, "height": 900})
        page.goto(f"{live_server.url}/login/?next=/campaigns/")
        page.fill("#id_username", "operator")
        page.fill("#id_password", "a-demo-password-1")
        page.click("button[type=submit]")

        page.wait_for_selector("[data-testid=campaign-table]")
        assert page.title() == "Campaigns · Campaign Console"
        assert page.locator("[data-testid=campaign-row]").count() == 2
        assert "4 of 10 quanta" in page.inner_text("[data-testid=campaign-table]")
        page.screenshot(path=str(screenshot_dir / "campaign-list.png"), full_page=True)

        page.click("text=DC2 RC6")
        page.wait_for_selector("[data-testid=submissions-panel][hx-trigger]")
        # The failed attempt is an older one: its details load when opened.
        page.click(f"#submission-{failed.pk} [data-testid=submission-more] summary")
        page.click(f"#submission-{failed.pk} [data-testid=submission-failures] summary")
        assert "No matches in the reference catalog" in page.inner_text(f"#submission-{failed.pk}")
        page.screenshot(path=str(screenshot_dir / "campaign-detail-running.png"), full_page=True)

        # The run ends: the next poll swaps in a panel that no longer polls, and the status badge out of band.
        running.status = SubmissionStatus.SUCCEEDED
        running.set_task_counts({"calibrate": counts(10, 10, 0)})
        running.save()
        campaign.status = CampaignStatus.COMPLETED
        campaign.save()
        # The panel's own polling (every 5 s) fetches the partial again, sees the run ended and stops.
        page.wait_for_selector("[data-testid=submissions-panel]:not([hx-trigger])", timeout=15_000)
        assert page.inner_text("[data-testid=campaign-status]") == "Completed"
        # The opened details of the older attempt survived the panel's swaps.
        assert "No matches in the reference catalog" in page.inner_text(f"#submission-{failed.pk}")

        # Step 2 now passes its pre-flight checks; a double click still gives one submission.
        step2 = page.locator("[data-testid=step]").nth(1)
        assert "Pre-flight checks pass" in step2.inner_text()
        step2.locator("[data-testid=submit-form] button").dblclick()
        page.wait_for_selector("text=Step step2: submission")
        # When the second click's POST leaves before the first one's answer, Chromium cancels the first
        # (net::ERR_ABORTED): the browser's doing, not the console's; the server still makes one submission.
        cancelled = re.compile(r"failed: \S+/submit/ \(net::ERR_ABORTED\)")
        page.console_errors[:] = [error for error in page.console_errors if not cancelled.fullmatch(error)]
        assert Submission.objects.filter(step__name="step2").count() == 1
        assert len(dispatched) == 1
        page.wait_for_selector("[data-testid=submissions-panel][hx-trigger]")
        page.screenshot(path=str(screenshot_dir / "campaign-detail-submitted.png"), full_page=True)

        # The worker would launch it; here it is recorded running by hand.
        Submission.objects.filter(step__name="step2").update(
            status=SubmissionStatus.RUNNING, quanta_expected=40, quanta_succeeded=12, quanta_failed=2
        )
        page.click("nav >> text=Dashboard")
        page.wait_for_selector("[data-testid=blocked-campaigns]")
        assert "v24.0.0 is not approved for DC2 RC8" in page.inner_text("[data-testid=card-blocked-campaigns]")
        assert "DC2 RC6 / step2" in page.inner_text("[data-testid=card-running-submissions]")
        page.screenshot(path=str(screenshot_dir / "dashboard-campaigns.png"), full_page=True)

        page.goto(f"{live_server.url}/campaigns/new/")
        page.fill("#id_name", "DC2 RC9")
        page.fill("#id_steps", "step1 #step1\nstep2 #step2 after=stepX")
        page.click("[data-testid=campaign-create-form] button[type=submit]")
        page.wait_for_selector("[data-testid=field-error]")
        assert "'step2' comes after 'stepX'" in page.inner_text("[data-testid=campaign-create-form]")
        page.screenshot(path=str(screenshot_dir / "campaign-create.png"), full_page=True)

        page.goto(f"{live_server.url}/campaigns/diff/?left={campaign.pk}&right={blocked.pk}")
        page.wait_for_selector("[data-testid=diff-table]")
        assert page.get_attribute("[data-testid=diff-row-release]", "data-differs") == "true"
        page.screenshot(path=str(screenshot_dir / "campaign-diff.png"), full_page=True)
        assert page.console_errors == []
