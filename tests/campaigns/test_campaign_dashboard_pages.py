"""The dashboard's campaign cards: running submissions, failed ones awaiting action, campaigns blocked by pre-flight."""

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.choices import CampaignStatus, SubmissionStatus
from campaigns.views import BLOCKED_CAMPAIGNS_CHECKED
from tests.campaigns.factories import CampaignFactory, StepFactory, SubmissionFactory, SubmittableCampaignFactory
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db

DASHBOARD_URL = reverse("dashboard:home")
BLOCKED_URL = reverse("campaigns:campaign-blocked")


def text(response) -> str:
    return unescape(response.content.decode())


def card(page: str, name: str) -> str:
    return page.split(f'data-testid="card-{name}"')[1].split('<div class="col-')[0]


def counts(expected: int, succeeded: int, failed: int) -> dict:
    return {"isr": {"expected": expected, "succeeded": succeeded, "failed": failed}}


def test_the_dashboard_shows_running_submissions_with_their_progress(client_for, viewer):
    step = StepFactory(campaign=CampaignFactory(name="DC2 RC6", status=CampaignStatus.RUNNING), name="step1")
    running = SubmissionFactory(
        step=step, status=SubmissionStatus.RUNNING, started_at=timezone.now(), task_counts=counts(200, 50, 10)
    )

    page = text(client_for(viewer).get(DASHBOARD_URL))

    running_card = card(page, "running-submissions")
    assert f'href="{running.get_absolute_url()}">DC2 RC6 / step1</a>' in running_card
    assert 'style="width: 25%"' in running_card and 'style="width: 5%"' in running_card
    assert "50 of 200 quanta" in running_card


def test_the_dashboard_links_failed_current_attempts_to_their_anchor(client_for, viewer):
    campaign = CampaignFactory(name="DC2 RC6", status=CampaignStatus.FAILED)
    step = StepFactory(campaign=campaign, name="step2")
    restarted = SubmissionFactory(step=step, status=SubmissionStatus.FAILED, ended_at=timezone.now())
    lost = SubmissionFactory(
        step=step, status=SubmissionStatus.LOST, attempt=2, restarts=restarted, ended_at=timezone.now()
    )
    gone = CampaignFactory(name="Given up", status=CampaignStatus.CANCELLED)
    SubmissionFactory(step=StepFactory(campaign=gone), status=SubmissionStatus.FAILED)

    page = text(client_for(viewer).get(DASHBOARD_URL))

    failed_card = card(page, "failed-submissions")
    assert f'href="/campaigns/{campaign.pk}/#submission-{lost.pk}">DC2 RC6 / step2</a>' in failed_card
    assert f"#submission-{restarted.pk}" not in failed_card
    assert "Given up" not in failed_card


def test_the_blocked_card_is_loaded_after_the_page(client_for, viewer):
    page = text(client_for(viewer).get(DASHBOARD_URL))

    assert f'hx-get="{BLOCKED_URL}" hx-trigger="load"' in card(page, "blocked-campaigns")


def test_the_blocked_card_names_the_first_problem_of_each_blocked_campaigns_next_step(client_for, viewer):
    unapproved = SubmittableCampaignFactory(name="DC2 RC8", release=ReleaseFactory(version="v24.0.0"), approved=False)
    StepFactory(campaign=unapproved, name="step1")
    # Step 1 done, step 2 is next and fails only on its repository.
    halfway = SubmittableCampaignFactory(name="DC2 RC9", butler_repo="/nowhere/repo", status=CampaignStatus.FAILED)
    done = StepFactory(campaign=halfway, name="step1")
    SubmissionFactory(step=done, status=SubmissionStatus.SUCCEEDED)
    StepFactory(campaign=halfway, name="step2", depends_on=done)
    ready = SubmittableCampaignFactory(name="Ready to go")
    StepFactory(campaign=ready, name="step1")
    running = CampaignFactory(name="Already running", status=CampaignStatus.RUNNING)
    StepFactory(campaign=running, name="step1")

    response = client_for(viewer).get(BLOCKED_URL, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert [(b.campaign.name, b.step.name) for b in response.context["blocked"]] == [
        ("DC2 RC9", "step2"),
        ("DC2 RC8", "step1"),
    ]
    page = text(response)
    assert "<html" not in page
    assert "v24.0.0 is not approved for DC2 RC8" in page
    assert "No Butler repository at /nowhere/repo (no butler.yaml)." in page
    assert f'href="/campaigns/{halfway.pk}/#step-{halfway.steps.get(name="step2").pk}"' in page
    assert "Ready to go" not in page and "Already running" not in page


@pytest.mark.parametrize("rows", [BLOCKED_CAMPAIGNS_CHECKED, 30])
def test_the_blocked_card_checks_a_bounded_number_of_campaigns(client_for, viewer, django_assert_num_queries, rows):
    for _ in range(rows):
        campaign = SubmittableCampaignFactory(approved=False)
        first = StepFactory(campaign=campaign, name="step1")
        SubmissionFactory(step=first, status=SubmissionStatus.SUCCEEDED)
        StepFactory(campaign=campaign, name="step2", depends_on=first)
    client = client_for(viewer)

    # session, user, roles; campaigns, their steps; per checked campaign: release approval, previous step
    with django_assert_num_queries(5 + 2 * BLOCKED_CAMPAIGNS_CHECKED):
        response = client.get(BLOCKED_URL)
    assert len(response.context["blocked"]) == BLOCKED_CAMPAIGNS_CHECKED


@pytest.mark.parametrize("rows", [3, 30])
def test_the_dashboard_runs_a_constant_number_of_queries_with_campaigns(
    client_for, viewer, django_assert_num_queries, rows
):
    now = timezone.now()
    for number in range(rows):
        campaign = SubmittableCampaignFactory(status=CampaignStatus.FAILED)
        SubmissionFactory(
            step=StepFactory(campaign=campaign),
            status=SubmissionStatus.RUNNING,
            started_at=now - timedelta(minutes=number),
            task_counts=counts(10, 5, 1),
        )
        SubmissionFactory(step=StepFactory(campaign=campaign), status=SubmissionStatus.FAILED, ended_at=now)
    client = client_for(viewer)

    # session, user, roles; running and failed submissions; my votes, open decisions (none, so no campaigns);
    # backports; support; milestone counts and most overdue; release counts; recent events; and what waits for the
    # viewer (``dashboard.attention``: its queries whatever the rows, those a viewer's roles ask); the running
    # campaigns (none: these are failed)
    with django_assert_num_queries(21):
        response = client.get(DASHBOARD_URL)
    assert len(response.context["running_submissions"]) == len(response.context["failed_submissions"]) == min(rows, 5)
