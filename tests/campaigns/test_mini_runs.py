"""Mini runs (issue 15): a campaign is production or a mini run. A mini run may run a weekly build or an
unapproved release without a decision, is marked as such wherever a campaign is shown, and is never accepted as
production; a production campaign never runs a weekly build."""

from html import unescape

import pytest
from django.urls import reverse

from campaigns.choices import CampaignKind, SubmissionStatus
from campaigns.models import Campaign, Submission
from campaigns.preflight import preflight_problems
from campaigns.services import campaign_clone, campaign_create, step_accept, submission_request
from console.errors import Conflict, InvalidInput
from releases.models import Release
from tests.campaigns.factories import StepFactory, SubmissionFactory, SubmittableCampaignFactory
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db

WEEKLY_REFUSED = (
    "A production campaign runs a release; w.2021.28 is a weekly build: make this a mini run, or name a release "
    "cut from it."
)
API_URL = reverse("api:campaign-list")


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def weekly(db) -> Release:
    return ReleaseFactory(version="w.2021.28")


@pytest.fixture
def mini_run(weekly) -> Campaign:
    """A mini run on the weekly, one step, no decision about it."""
    campaign = SubmittableCampaignFactory(name="DP0.2 mini", kind=CampaignKind.MINI_RUN, release=weekly, approved=False)
    StepFactory(campaign=campaign, name="all")
    return campaign


def release_messages(campaign: Campaign) -> list[str]:
    return [p.message for p in preflight_problems(campaign, campaign.steps.first()) if p.check == "release"]


# Defining one ---------------------------------------------------------------------------------------------


def test_a_mini_run_may_name_a_weekly(operator, weekly):
    campaign = campaign_create(actor=operator, name="DP0.2 mini", release=weekly, kind=CampaignKind.MINI_RUN)

    assert campaign.is_mini_run
    assert campaign.release == weekly


def test_a_production_campaign_naming_a_weekly_is_refused(operator, weekly):
    with pytest.raises(InvalidInput) as refused:
        campaign_create(actor=operator, name="DP0.2", release=weekly)

    assert str(refused.value) == WEEKLY_REFUSED
    assert not Campaign.objects.exists()


def test_an_unknown_kind_is_refused(operator):
    with pytest.raises(InvalidInput, match="Unknown campaign kind 'trial'; the kinds are production, mini-run."):
        campaign_create(actor=operator, name="DP0.2", kind="trial")


def test_a_clone_of_a_mini_run_is_a_mini_run(operator, weekly):
    campaign = campaign_create(actor=operator, name="DP0.2 mini", release=weekly, kind=CampaignKind.MINI_RUN)

    clone = campaign_clone(actor=operator, campaign=campaign, name="DP0.2 mini again")

    assert (clone.kind, clone.release) == (CampaignKind.MINI_RUN, weekly)


def test_the_form_defines_a_mini_run_on_a_weekly_tag(client_for, operator, weekly):
    data = {"name": "DP0.2 mini", "release": "w_2021_28", "kind": "mini-run", "workflow_system": "parsl"}

    response = client_for(operator).post(reverse("campaigns:campaign-create"), {**data, "steps": "all"}, follow=True)

    campaign = Campaign.objects.get()
    assert (campaign.kind, campaign.release) == (CampaignKind.MINI_RUN, weekly)
    assert 'data-testid="mini-run-badge"' in text(response)


def test_the_form_refuses_a_production_campaign_on_a_weekly_keeping_what_was_typed(client_for, operator, weekly):
    data = {"name": "DP0.2", "release": "w.2021.28", "workflow_system": "parsl", "steps": "all"}

    response = client_for(operator).post(reverse("campaigns:campaign-create"), data)

    assert response.status_code == 200
    assert WEEKLY_REFUSED in text(response)
    assert not Campaign.objects.exists()


def test_the_api_defines_a_mini_run_and_shows_its_kind(client_for, operator, weekly):
    body = {
        "name": "DP0.2 mini",
        "kind": "mini-run",
        "butler_repo": "s3://dc2-repo/main",
        "input_collections": ["2.2i/defaults"],
        "output_prefix": "u/operator/mini",
        "pipeline": "DRP.yaml",
        "release": "w_2021_28",
    }
    client = client_for(operator)

    created = client.post(API_URL, body, content_type="application/json")
    refused = client.post(API_URL, {**body, "name": "DP0.2", "kind": "production"}, content_type="application/json")

    assert created.status_code == 201
    assert (created.json()["kind"], created.json()["release"]) == ("mini-run", "w.2021.28")
    assert refused.status_code == 400
    assert WEEKLY_REFUSED in refused.content.decode()
    assert list(Campaign.objects.values_list("name", flat=True)) == ["DP0.2 mini"]


def test_the_api_and_the_page_filter_campaigns_by_kind(client_for, viewer, mini_run):
    SubmittableCampaignFactory(name="DP0.2")
    client = client_for(viewer)

    minis = client.get(API_URL, {"kind": "mini-run"}).json()["results"]
    production = client.get(reverse("campaigns:campaign-list"), {"kind": "production"})

    assert [campaign["name"] for campaign in minis] == ["DP0.2 mini"]
    assert [campaign.name for campaign in production.context["campaigns"]] == ["DP0.2"]


# Running one ----------------------------------------------------------------------------------------------


def test_a_mini_run_on_a_weekly_submits_without_a_decision(operator, mini_run, dispatched):
    assert release_messages(mini_run) == []

    submission = submission_request(actor=operator, step=mini_run.steps.get(), idempotency_key="mini-1")

    assert submission.status == SubmissionStatus.PENDING


def test_a_mini_run_on_an_unapproved_release_submits_without_a_decision(operator, dispatched):
    campaign = SubmittableCampaignFactory(name="RC2 mini", kind=CampaignKind.MINI_RUN, approved=False)
    StepFactory(campaign=campaign, name="all")

    submission = submission_request(actor=operator, step=campaign.steps.get(), idempotency_key="mini-1")

    assert submission.status == SubmissionStatus.PENDING


def test_a_production_campaign_on_the_same_weekly_is_refused_at_submission(operator, weekly, dispatched):
    # Stored as it was before the rule, past campaign_create's check.
    campaign = SubmittableCampaignFactory(name="DP0.2", release=weekly, approved=False)
    StepFactory(campaign=campaign, name="all")

    assert any("w.2021.28 is a weekly build: only a mini run runs a weekly" in m for m in release_messages(campaign))
    with pytest.raises(Conflict, match="w.2021.28 is a weekly build"):
        submission_request(actor=operator, step=campaign.steps.get(), idempotency_key="k")
    assert not Submission.objects.exists()


def test_a_mini_runs_step_is_never_accepted(task_force_lead, mini_run):
    step = mini_run.steps.get()
    run = SubmissionFactory(step=step, status=SubmissionStatus.SUCCEEDED)

    with pytest.raises(Conflict) as refused:
        step_accept(actor=task_force_lead, step=step, submission=run)

    assert str(refused.value) == "DP0.2 mini is a mini run: its steps are never accepted as production."
    step.refresh_from_db()
    assert step.accepted_at is None


# Marked everywhere ----------------------------------------------------------------------------------------


def test_the_list_and_the_page_mark_a_mini_run(client_for, viewer, mini_run):
    SubmittableCampaignFactory(name="DP0.2")
    client = client_for(viewer)

    listed = text(client.get(reverse("campaigns:campaign-list")))
    page = text(client.get(mini_run.get_absolute_url()))

    assert listed.count('data-testid="mini-run-badge"') == 1
    assert 'data-testid="mini-run-badge"' in page
    assert "its steps are never accepted as production" in page


def test_the_dashboard_marks_a_mini_runs_submissions(client_for, viewer, mini_run):
    SubmissionFactory(step=mini_run.steps.get(), status=SubmissionStatus.RUNNING)

    page = text(client_for(viewer).get(reverse("dashboard:home")))

    assert 'data-testid="mini-run-badge"' in page


def test_the_blocked_card_marks_a_mini_run(client_for, viewer, weekly):
    blocked = SubmittableCampaignFactory(name="DP0.2 mini", kind=CampaignKind.MINI_RUN, release=weekly, approved=False)
    StepFactory(campaign=blocked, name="all")
    blocked.butler_repo = ""
    blocked.save()

    card = text(client_for(viewer).get(reverse("campaigns:campaign-blocked")))

    assert "DP0.2 mini" in card
    assert 'data-testid="mini-run-badge"' in card
