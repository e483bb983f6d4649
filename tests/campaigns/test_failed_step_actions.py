"""A failed step says it failed, and offers first what continues its work: restarting the failed attempt. A fresh
submission is the secondary action and says it starts from scratch. While a restart runs, its progress is its own
work (what the failed attempt left), not the failed attempt's counts."""

from html import unescape

import pytest
from django.urls import reverse

from campaigns.choices import CampaignStatus, SubmissionStatus
from tests.campaigns.factories import StepFactory, SubmissionFactory, SubmittableCampaignFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def counts(expected: int, succeeded: int, failed: int) -> dict:
    return {"expected": expected, "succeeded": succeeded, "failed": failed, "blocked": 0}


@pytest.fixture
def failed():
    """The demo's failure drill after its first run: 1 of 8 quanta of `measure` failed."""
    campaign = SubmittableCampaignFactory(name="Failure drill", status=CampaignStatus.FAILED)
    step = StepFactory(campaign=campaign, name="all")
    return SubmissionFactory(
        step=step,
        status=SubmissionStatus.FAILED,
        submit_dir="/work/submit/1/submit",
        working_dir="/work/submit/1",
        task_counts={"measure": counts(8, 7, 1)},
    )


def page_of(client, campaign) -> str:
    return unescape(client.get(reverse("campaigns:campaign-detail", kwargs={"pk": campaign.pk})).content.decode())


def panel_of(client, campaign) -> str:
    url = reverse("campaigns:campaign-submissions", kwargs={"pk": campaign.pk})
    return unescape(client.get(url, **HTMX).content.decode())


def between(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def test_a_failed_step_says_it_failed(client_for, operator, failed):
    page = page_of(client_for(operator), failed.step.campaign)

    state = between(page, 'data-testid="step-state"', "</span>\n      </span>")
    assert 'data-state="failed"' in state
    assert ">Failed</span>" in state and "attempt 1 failed" in state
    assert "awaits submission" not in page
    assert "Attempt 1 failed: 1 of 8 quanta failed." in page


def test_restarting_is_the_primary_action_and_a_fresh_submission_the_secondary_one(client_for, operator, failed):
    page = page_of(client_for(operator), failed.step.campaign)

    restart_form = f'action="/campaigns/submissions/{failed.pk}/restart/" data-testid="restart-form"'
    restart = between(page, restart_form, "</form>")
    assert "btn-primary" in restart and "Restart failed work" in restart
    submit = between(page, 'data-testid="submit-form"', "</form>")
    assert "btn-outline-secondary" in submit and "btn-primary" not in submit
    assert "Submit all afresh" in submit
    # The restart comes first on the page; the fresh submission after the attempts, saying what it does.
    assert page.index('data-testid="restart-form"') < page.index('data-testid="fresh-submission"')
    note = between(page, 'data-testid="fresh-submission-note"', "</div>")
    assert "starts from scratch: every quantum of all runs again, into a new output run" in note
    assert "Restarting attempt 1 (above) re-runs only what did not succeed" in note


def test_a_step_never_submitted_still_offers_submit_as_the_primary_action(client_for, operator):
    campaign = SubmittableCampaignFactory(status=CampaignStatus.READY)
    StepFactory(campaign=campaign, name="all")

    page = page_of(client_for(operator), campaign)

    assert "awaits submission" in page and 'data-state="not-submitted"' in page
    submit = between(page, 'data-testid="submit-form"', "</form>")
    assert "btn-primary" in submit and "Submit all</button>" in submit and "afresh" not in submit
    assert 'data-testid="fresh-submission"' not in page


def test_a_cancelled_step_says_so_and_offers_to_restart_its_unfinished_work(client_for, operator, failed):
    failed.status = SubmissionStatus.CANCELLED
    failed.save()

    page = page_of(client_for(operator), failed.step.campaign)

    assert 'data-state="cancelled"' in page and "attempt 1 cancelled" in page
    assert "Restart unfinished work" in between(page, 'data-testid="restart-form"', "</form>")
    assert "Submit all afresh" in between(page, 'data-testid="submit-form"', "</form>")


def test_a_restart_in_progress_shows_its_own_work_not_the_failed_attempts_counts(client_for, viewer, failed):
    # Polled from the submit directory it shares with attempt 1, the restart's counts start as attempt 1's.
    restart = SubmissionFactory(
        step=failed.step,
        attempt=2,
        restarts=failed,
        status=SubmissionStatus.RUNNING,
        task_counts={"measure": counts(8, 7, 1)},
    )
    client = client_for(viewer)

    progress = restart.progress
    assert (progress.expected, progress.succeeded, progress.failed) == (1, 0, 0)
    assert (progress.carried, progress.restarted_attempt) == (7, 1)
    for html in (page_of(client, failed.step.campaign), panel_of(client, failed.step.campaign)):
        attempt = between(html, f'id="submission-{restart.pk}"', 'data-testid="submission-facts"')
        text = between(attempt, 'data-testid="progress-text">', "</div>")
        assert text.startswith("0 of 1 quanta to re-run") and "(7 done by attempt 1)" in text
        assert "failed" not in text
        assert "0 of 1 quanta to re-run" in between(html, 'data-testid="step-progress">', "</span>")
        assert 'data-state="running"' in html and "restarting attempt 1" in html

    # The failed quantum runs again and succeeds.
    restart.set_task_counts({"measure": counts(8, 8, 0)})
    restart.save()
    html = panel_of(client, failed.step.campaign)
    assert "1 of 1 quanta to re-run" in between(html, f'id="submission-{restart.pk}"', 'data-testid="submission-facts"')


def test_a_restart_that_ended_shows_the_whole_run(failed):
    restart = SubmissionFactory(
        step=failed.step,
        attempt=2,
        restarts=failed,
        status=SubmissionStatus.SUCCEEDED,
        task_counts={"measure": counts(8, 8, 0)},
    )

    assert restart.progress[:3] == (8, 8, 0) and restart.progress.restarted_attempt is None


def test_a_restart_of_an_attempt_that_never_reached_bps_counts_from_scratch(failed):
    failed.submit_dir = failed.wms_run_id = ""
    failed.save()
    restart = SubmissionFactory(
        step=failed.step,
        attempt=2,
        restarts=failed,
        status=SubmissionStatus.RUNNING,
        task_counts={"m": counts(8, 2, 0)},
    )

    assert restart.progress == (8, 2, 0, 0, None)


def test_the_panel_refresh_swaps_the_whole_step_state_progress_and_actions(client_for, operator, failed):
    panel = panel_of(client_for(operator), failed.step.campaign)

    assert panel.lstrip().startswith('<section id="submissions-panel"')
    for part in ('data-testid="step-state"', 'data-testid="step-ended-unfinished"', 'data-testid="restart-form"'):
        assert part in panel
    assert 'data-testid="submit-form"' in panel and 'id="campaign-status"' in panel
