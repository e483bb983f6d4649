"""One campaign's page: its definition, steps, submissions with their lineage, pre-flight problems, live panel."""

from html import unescape

import pytest
from django.urls import reverse

from campaigns.choices import CampaignStatus, SubmissionStatus
from tests.campaigns.factories import (
    CampaignFactory,
    StepFactory,
    SubmissionFactory,
    SubmittableCampaignFactory,
)
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ACTION_FORMS = ("submit-form", "restart-form", "cancel-form", "pause-form", "resume-form", "clone-form")


def detail_url(campaign) -> str:
    return reverse("campaigns:campaign-detail", kwargs={"pk": campaign.pk})


def panel_url(campaign) -> str:
    return reverse("campaigns:campaign-submissions", kwargs={"pk": campaign.pk})


def text(response) -> str:
    return unescape(response.content.decode())


def counts(expected: int, succeeded: int, failed: int, **others) -> dict:
    return {"expected": expected, "succeeded": succeeded, "failed": failed, "blocked": 0, "running": 0, **others}


FAILURE = {
    "task": "calibrate",
    "data_id": "{visit: 1228, detector: 94}",
    "message": "Traceback (most recent call last):\n  ...\nRuntimeError: No matches in the reference catalog",
    "log": "/work/submit/u/operator/rc/step1/logs/calibrate-1228-94.log",
}


@pytest.fixture
def campaign():
    """Step 1 failed, was restarted, and its restart is running; step 2 comes after it."""
    campaign = SubmittableCampaignFactory(name="DC2 RC6", status=CampaignStatus.RUNNING)
    step1 = StepFactory(campaign=campaign, name="step1", pipeline_subset="#step1")
    StepFactory(campaign=campaign, name="step2", pipeline_subset="#step2", depends_on=step1)
    return campaign


@pytest.fixture
def failed(campaign):
    return SubmissionFactory(
        step=campaign.steps.get(name="step1"),
        status=SubmissionStatus.FAILED,
        bps_config="pipelineYaml: DRP.yaml#step1\noutputRun: u/operator/rc/step1/submission-1\n",
        pid=4242,
        host="sdfrome001",
        working_dir="/work/submit/1",
        submit_dir="/work/submit/1/submit",
        run_collection="u/operator/rc/step1/submission-1",
        failures=[FAILURE, {**FAILURE, "data_id": "{visit: 1230, detector: 12}"}],
        task_counts={"isr": counts(200, 200, 0), "calibrate": counts(200, 198, 2, blocked=3)},
    )


@pytest.fixture
def restart(failed):
    return SubmissionFactory(
        step=failed.step,
        status=SubmissionStatus.RUNNING,
        attempt=2,
        restarts=failed,
        task_counts={"calibrate": counts(2, 1, 0, running=1)},
    )


def test_the_page_shows_the_definition_steps_and_each_submission_with_its_lineage(client_for, viewer, restart):
    failed = restart.restarts
    campaign = failed.step.campaign

    response = client_for(viewer).get(detail_url(campaign))

    assert response.status_code == 200
    page = text(response)
    assert "s3://dc2-repo/main" in page and "2.2i/defaults" in page
    assert page.index('data-testid="step-name">step1') < page.index('data-testid="step-name">step2')
    assert "after <a" in page
    # Both attempts, linked to each other by anchors.
    assert f'id="submission-{failed.pk}"' in page and f'id="submission-{restart.pk}"' in page
    assert f'restarts <a href="#submission-{failed.pk}">attempt 1</a>' in page
    assert f'restarted by <a href="#submission-{restart.pk}">attempt 2</a>' in page
    assert '<span class="badge text-bg-danger" data-testid="submission-status">Failed</span>' in page
    assert '<span class="badge text-bg-primary" data-testid="submission-status">Running</span>' in page
    # The running attempt is drawn in full; the older one as a line whose details load when opened.
    assert f'id="submission-{failed.pk}-more"' in page
    details_url = reverse("campaigns:submission-details", kwargs={"pk": failed.pk})
    assert f'hx-get="{details_url}"' in page
    assert "sdfrome001" not in page
    details = text(client_for(viewer).get(details_url, **HTMX))
    for fact in ("4242", "sdfrome001", "/work/submit/1/submit", "u/operator/rc/step1/submission-1"):
        assert fact in details
    # The exact configuration that was submitted, and the one the next submission of each step would get.
    assert "pipelineYaml: DRP.yaml#step1" in details
    assert page.count('data-testid="next-config"') == 2
    assert "outputRun: u/operator/rc/step2/submission-next" in page


def test_the_page_shows_task_counts_first_failures_and_an_error_summary(client_for, viewer, failed):
    response = client_for(viewer).get(detail_url(failed.step.campaign))

    page = text(response)
    table = page.split('data-testid="task-counts"')[1].split("</table>")[0]
    assert "<code>calibrate</code>" in table and "<code>isr</code>" in table
    assert '<td class="text-end text-danger fw-semibold">2</td>' in table
    assert '<td class="text-end text-warning-emphasis">3</td>' in table
    assert "First failures (2)" in page
    assert FAILURE["log"] in page
    assert response.context["panel"].errors == [
        {
            "task": "calibrate",
            "message": "RuntimeError: No matches in the reference catalog",
            "count": 2,
            "example_data_id": "{visit: 1228, detector: 94}",
        }
    ]
    summary = page.split('data-testid="error-summary"')[1].split("</table>")[0]
    assert "RuntimeError: No matches in the reference catalog" in summary


def test_only_the_newest_attempt_of_a_step_is_drawn_in_full(client_for, viewer, campaign):
    """A step restarted many times keeps the page light: older attempts are one line each."""
    step = campaign.steps.get(name="step1")
    previous = None
    for attempt in range(1, 6):
        previous = SubmissionFactory(
            step=step,
            attempt=attempt,
            restarts=previous,
            status=SubmissionStatus.FAILED,
            bps_config=f"# configuration of attempt {attempt}\n",
            failures=[FAILURE],
            task_counts={"calibrate": counts(200, 190 + attempt, 10 - attempt)},
        )

    page = text(client_for(viewer).get(detail_url(campaign)))

    assert page.count('data-testid="submission"') == 5
    assert page.count('data-testid="submission-more"') == 4
    assert page.count('data-testid="task-counts"') == 1
    assert "# configuration of attempt 5" in page
    assert "# configuration of attempt 4" not in page
    older = step.submissions.get(attempt=2)
    details = text(client_for(viewer).get(reverse("campaigns:submission-details", kwargs={"pk": older.pk})))
    assert "# configuration of attempt 2" in details
    assert '<td class="text-end text-success">192</td>' in details
    assert "First failures (1)" in details


def test_the_details_of_a_missing_submission_are_a_404(client_for, viewer):
    assert client_for(viewer).get(reverse("campaigns:submission-details", kwargs={"pk": 999})).status_code == 404


def test_a_viewer_sees_no_action(client_for, viewer, failed):
    SubmissionFactory(step=StepFactory(campaign=failed.step.campaign), status=SubmissionStatus.PENDING)

    page = text(client_for(viewer).get(detail_url(failed.step.campaign)))

    for form in ACTION_FORMS:
        assert f'data-testid="{form}"' not in page
    assert 'data-testid="campaign-actions"' not in page


def test_an_operator_sees_the_actions_that_apply(client_for, operator, restart):
    campaign = restart.step.campaign

    page = text(client_for(operator).get(detail_url(campaign)))

    # Running: pause, not resume. Step 1 runs (cancel, no restart of the restarted attempt, no submit);
    # step 2 waits for step 1 (submit drawn, disabled by its pre-flight problem).
    assert 'data-testid="pause-form"' in page and 'data-testid="resume-form"' not in page
    assert 'data-testid="clone-form"' in page
    assert page.count('data-testid="cancel-form"') == 1
    assert f'action="/campaigns/submissions/{restart.pk}/cancel/"' in page
    assert 'data-testid="restart-form"' not in page
    assert page.count('data-testid="submit-form"') == 1
    submit = page.split('data-testid="submit-form"')[1].split("</form>")[0]
    assert 'name="step" value="{}"'.format(campaign.steps.get(name="step2").pk) in submit
    assert "disabled" in submit
    assert "The step step1 it depends on is not complete." in page


def test_the_restart_button_is_on_the_current_failed_attempt_only(client_for, operator, failed):
    campaign = failed.step.campaign
    campaign.status = CampaignStatus.FAILED
    campaign.save()

    page = text(client_for(operator).get(detail_url(campaign)))

    assert page.count('data-testid="restart-form"') == 1
    assert f'action="/campaigns/submissions/{failed.pk}/restart/"' in page
    assert 'data-testid="pause-form"' not in page


def test_a_paused_campaign_offers_resume_and_no_submission(client_for, task_force_lead, campaign):
    campaign.status = CampaignStatus.PAUSED
    campaign.save()

    page = text(client_for(task_force_lead).get(detail_url(campaign)))

    assert 'data-testid="resume-form"' in page and 'data-testid="pause-form"' not in page
    assert 'data-testid="submit-form"' not in page
    assert page.count("The campaign is paused: resume it to submit.") == 2  # one per step awaiting submission


# Pre-flight problems, shown before anything is submitted


def test_the_preflight_problems_of_each_step_are_shown_before_submitting(client_for, operator):
    campaign = SubmittableCampaignFactory(name="DC2 RC8", release=ReleaseFactory(version="v24.0.0"), approved=False)
    StepFactory(campaign=campaign, name="all")

    response = client_for(operator).get(detail_url(campaign))

    problems = text(response).split('data-testid="preflight-problems"')[1].split("</ul>")[0]
    assert "v24.0.0 is not approved for DC2 RC8: the policy committee approves a release" in problems
    assert 'data-check="release"' in problems
    submit = text(response).split('data-testid="submit-form"')[1].split("</form>")[0]
    assert "disabled" in submit


def test_a_campaign_without_a_release_repository_or_pipeline_lists_each_problem(client_for, viewer):
    campaign = CampaignFactory(name="Empty draft")
    StepFactory(campaign=campaign, name="all")

    page = text(client_for(viewer).get(detail_url(campaign)))

    assert "The campaign names no pipeline release." in page
    assert "The BPS configuration lacks pipelineYaml, payload.butlerConfig, payload.inCollection." in page
    assert "The campaign names no Butler repository." in page


def test_a_step_that_passes_the_checks_says_so(client_for, operator, campaign):
    page = text(client_for(operator).get(detail_url(campaign)))

    step1 = page.split('data-testid="step-name">step1')[1].split('data-testid="step-name">step2')[0]
    assert 'data-testid="preflight-ok"' in step1
    assert "disabled" not in step1.split('data-testid="submit-form"')[1].split("</form>")[0]


# The live panel


def test_the_panel_polls_itself_while_a_submission_is_active(client_for, viewer, restart):
    campaign = restart.step.campaign
    client = client_for(viewer)

    page = text(client.get(detail_url(campaign)))
    panel = text(client.get(panel_url(campaign), **HTMX))

    for html in (page, panel):
        section = html.split('<section id="submissions-panel"')[1].split(">")[0]
        assert f'hx-get="{panel_url(campaign)}?actions=' in section  # test_campaign_actions_refresh
        assert 'hx-trigger="every 5s"' in section
        assert 'hx-swap="outerHTML"' in section
    # The partial is the panel alone, with the campaign's status badge swapped out of band.
    assert panel.lstrip().startswith('<section id="submissions-panel"')
    assert "<html" not in panel
    assert 'id="campaign-status"' in panel and 'hx-swap-oob="true"' in panel


def test_the_panel_stops_polling_when_nothing_is_active(client_for, viewer, restart):
    campaign = restart.step.campaign
    restart.status = SubmissionStatus.SUCCEEDED
    restart.save()
    client = client_for(viewer)

    for html in (text(client.get(detail_url(campaign))), text(client.get(panel_url(campaign), **HTMX))):
        assert 'id="submissions-panel"' in html
        assert "hx-trigger" not in html.split('<section id="submissions-panel"')[1].split(">")[0]
        assert 'data-testid="live-updates"' not in html


def test_a_missing_campaign_is_a_404(client_for, viewer):
    client = client_for(viewer)
    assert client.get(reverse("campaigns:campaign-detail", kwargs={"pk": 999})).status_code == 404
    assert client.get(reverse("campaigns:campaign-submissions", kwargs={"pk": 999})).status_code == 404


@pytest.mark.parametrize("rows", [3, 30])
def test_the_page_runs_a_constant_number_of_queries(client_for, operator, django_assert_num_queries, rows):
    campaign = SubmittableCampaignFactory(status=CampaignStatus.RUNNING)
    step1 = StepFactory(campaign=campaign, name="step1")
    step2 = StepFactory(campaign=campaign, name="step2", depends_on=step1)
    StepFactory(campaign=campaign, name="step3", depends_on=step2)
    # Step 1: a line of failed attempts, each restarting the one before, the last one succeeded.
    previous = None
    for attempt in range(1, rows + 1):
        previous = SubmissionFactory(
            step=step1,
            attempt=attempt,
            restarts=previous,
            status=SubmissionStatus.SUCCEEDED if attempt == rows else SubmissionStatus.FAILED,
            failures=[FAILURE],
            task_counts={"isr": counts(10, 9, 1), "calibrate": counts(10, 10, 0)},
        )
    # Step 2 runs; step 3 awaits it (its pre-flight checks run).
    SubmissionFactory(step=step2, status=SubmissionStatus.RUNNING, task_counts={"coadd": counts(5, 1, 0)})
    client = client_for(operator)

    # session, user, roles; campaign, steps, submissions (with requester and restarted attempt), groups; the
    # earlier steps' outputs (the next configurations' inputs); its data products; the automation card: the progress
    # (groups, steps not split, the first start) and what the automation did;
    # step 3's pre-flight checks: release approval, previous step; audit events; the release checks of the run in
    # progress (step 2), whose release may no longer be approved: release approval, previous step; the release
    # history: its changes, submissions per release; the releases it may move onto (none here but its own); the
    # committee's section: the campaign's approvals, later patches of its release; the compute sites the clone form
    # offers
    with django_assert_num_queries(24):
        response = client.get(detail_url(campaign))
    assert response.status_code == 200
    assert text(response).count('data-testid="submission"') == rows + 1
    # the panel: what it read before, and the steps' groups; the actions card, sent with it (asked without
    # ?actions=), with the compute sites its clone form offers
    with django_assert_num_queries(10):
        assert client.get(panel_url(campaign), **HTMX).status_code == 200
