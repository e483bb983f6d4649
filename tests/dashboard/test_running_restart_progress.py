"""The dashboard's running submissions show a restart's own work, as the campaign page does: what the attempt it
restarts left undone, not that attempt's counts read again from the submit directory they share."""

from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.choices import CampaignStatus, SubmissionStatus
from tests.campaigns.factories import StepFactory, SubmissionFactory, SubmittableCampaignFactory

pytestmark = pytest.mark.django_db


def counts(expected: int, succeeded: int, failed: int) -> dict:
    return {"measure": {"expected": expected, "succeeded": succeeded, "failed": failed, "blocked": 0}}


def restarting(name: str) -> SubmissionFactory:
    """A restart in progress of an attempt that failed 1 of 8 quanta; polled from the submit directory they share,
    its counts start as the failed attempt's."""
    step = StepFactory(campaign=SubmittableCampaignFactory(name=name, status=CampaignStatus.RUNNING), name="all")
    failed = SubmissionFactory(
        step=step, status=SubmissionStatus.FAILED, submit_dir="/work/submit/1/submit", task_counts=counts(8, 7, 1)
    )
    return SubmissionFactory(
        step=step, attempt=2, restarts=failed, status=SubmissionStatus.RUNNING, task_counts=counts(8, 7, 1)
    )


def running_card(client) -> str:
    page = unescape(client.get(reverse("dashboard:home")).content.decode())
    return page.split('data-testid="card-running-submissions"')[1].split('<div class="col-')[0]


def test_a_restart_in_progress_shows_the_new_attempts_own_work(client_for, viewer):
    restarting("Failure drill")

    card = running_card(client_for(viewer))

    text = card.split('data-testid="progress-text">', 1)[1].split("</div>", 1)[0]
    assert text.startswith("0 of 1 quanta to re-run") and "(7 done by attempt 1)" in text
    assert "failed" not in text and "7 of 8 quanta" not in card


def test_the_restarted_attempts_are_read_with_the_running_ones(client_for, viewer):
    client = client_for(viewer)
    restarting("one")
    with CaptureQueriesContext(connection) as one:
        running_card(client)
    for name in ("two", "three", "four"):
        restarting(name)

    with CaptureQueriesContext(connection) as four:
        assert running_card(client).count('data-testid="progress-carried"') == 4

    assert len(four) == len(one)
