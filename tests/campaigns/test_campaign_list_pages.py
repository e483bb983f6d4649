"""The campaign list and the form that defines a new campaign."""

from html import unescape

import pytest
from django.urls import reverse

from campaigns.choices import CampaignStatus, SubmissionStatus
from campaigns.models import Campaign
from tests.campaigns.factories import CampaignFactory, StepFactory, SubmissionFactory
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("campaigns:campaign-list")
CREATE_URL = reverse("campaigns:campaign-create")


def text(response) -> str:
    return unescape(response.content.decode())


def counts(expected: int, succeeded: int, failed: int) -> dict:
    return {"isr": {"expected": expected, "succeeded": succeeded, "failed": failed, "blocked": 0, "running": 0}}


def test_the_list_shows_each_campaign_with_its_progress_failures_and_release(client_for, viewer):
    release = ReleaseFactory(version="v23.0.0")
    campaign = CampaignFactory(name="DP0.2 reprocessing", release=release, status=CampaignStatus.FAILED)
    step = StepFactory(campaign=campaign, name="step1")
    failed = SubmissionFactory(step=step, status=SubmissionStatus.FAILED, task_counts=counts(100, 60, 40))
    # Attempt 2 restarts attempt 1: only the current attempt counts.
    SubmissionFactory(
        step=step, status=SubmissionStatus.FAILED, attempt=2, restarts=failed, task_counts=counts(100, 90, 10)
    )
    CampaignFactory(name="DC2 RC6 mini run")

    response = client_for(viewer).get(LIST_URL)

    assert response.status_code == 200
    rows = {campaign.name: campaign for campaign in response.context["campaigns"]}
    assert (rows["DP0.2 reprocessing"].quanta_succeeded, rows["DP0.2 reprocessing"].quanta_expected) == (90, 100)
    assert rows["DP0.2 reprocessing"].failed_submissions == 1
    page = text(response)
    assert f'href="{campaign.get_absolute_url()}">DP0.2 reprocessing</a>' in page
    assert '<span class="badge text-bg-danger">Failed</span>' in page
    assert "90 of 100 quanta" in page and "10 failed" in page
    assert 'style="width: 90%"' in page and 'style="width: 10%"' in page
    assert "v23.0.0" in page
    assert "no quanta yet" in page  # the mini run, never submitted


def test_the_new_campaign_link_is_drawn_for_operators_only(client_for, viewer, operator, task_force_lead):
    assert 'data-testid="campaign-create-link"' not in text(client_for(viewer).get(LIST_URL))
    assert 'data-testid="campaign-create-link"' in text(client_for(operator).get(LIST_URL))
    assert 'data-testid="campaign-create-link"' in text(client_for(task_force_lead).get(LIST_URL))


@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_runs_a_constant_number_of_queries(client_for, viewer, django_assert_num_queries, rows):
    for _ in range(rows):
        campaign = CampaignFactory(release=ReleaseFactory(), status=CampaignStatus.RUNNING)
        step = StepFactory(campaign=campaign)
        SubmissionFactory(step=step, status=SubmissionStatus.FAILED, task_counts=counts(10, 5, 5))
        SubmissionFactory(step=StepFactory(campaign=campaign), status=SubmissionStatus.RUNNING)
    client = client_for(viewer)

    # session, user, roles; campaigns with their release, owner and sums
    with django_assert_num_queries(4):
        response = client.get(LIST_URL)
    assert response.status_code == 200
    assert text(response).count('data-testid="campaign-row"') == rows


# Defining a campaign

DEFINITION = {
    "name": "DC2 RC7",
    "description": "Test-med-1 with the new sky correction.",
    "dataset_label": "DC2 test-med-1",
    "butler_repo": "/repo/dc2",
    "input_collections": "2.2i/defaults, refcats ,",
    "output_prefix": "u/operator/rc7",
    "data_query": "tract=3828",
    "pipeline": "DRP.yaml",
    "workflow_system": "parsl",
    "bps_template": "requestMemory: 4096\n",
    "bps_overrides": "",
    "steps": "step1 #step1\n\nstep2 #step2 after=step1\nstep3 after=step1",
}


def test_an_operator_defines_a_campaign_with_its_steps(client_for, operator):
    release = ReleaseFactory(version="v23.0.0")

    response = client_for(operator).post(CREATE_URL, {**DEFINITION, "release": "v23.0.0"})

    campaign = Campaign.objects.get(name="DC2 RC7")
    assert response.status_code == 302
    assert response.url == campaign.get_absolute_url()
    assert (campaign.status, campaign.owner, campaign.release) == (CampaignStatus.DRAFT, operator, release)
    assert campaign.input_collections == ["2.2i/defaults", "refcats"]
    steps = [(s.position, s.name, s.pipeline_subset, s.depends_on and s.depends_on.name) for s in campaign.steps.all()]
    assert steps == [(1, "step1", "#step1", None), (2, "step2", "#step2", "step1"), (3, "step3", "", "step1")]


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ("", "This field is required."),
        ("step2 after=step1\nstep1", "'step2' comes after 'step1', which is not a step above it."),
        ("step1\nstep1", "the step 'step1' is named twice."),
        ("step one", "'one' is neither a #subset nor after=name"),
        ("step/1", "'step/1' is not a step name"),
    ],
)
def test_the_form_refuses_steps_it_cannot_read_and_keeps_what_was_typed(client_for, operator, steps, message):
    response = client_for(operator).post(CREATE_URL, {**DEFINITION, "steps": steps})

    assert response.status_code == 200
    assert message in text(response)
    assert "Test-med-1 with the new sky correction." in text(response)
    assert not Campaign.objects.exists()


def test_the_form_refuses_a_template_that_is_not_a_yaml_mapping(client_for, operator):
    response = client_for(operator).post(CREATE_URL, {**DEFINITION, "bps_template": "- a list\n- of things"})

    assert "The BPS template must be a YAML mapping" in text(response)
    assert not Campaign.objects.exists()


def test_a_taken_name_is_refused_with_the_services_message(client_for, operator):
    CampaignFactory(name="DC2 RC7")

    response = client_for(operator).post(CREATE_URL, {**DEFINITION})

    assert response.status_code == 200
    assert "A campaign named 'DC2 RC7' exists already." in text(response)
    assert Campaign.objects.count() == 1


def test_a_viewer_may_not_define_campaigns(client_for, viewer):
    client = client_for(viewer)

    assert client.get(CREATE_URL).status_code == 403
    response = client.post(CREATE_URL, DEFINITION)

    assert response.status_code == 403
    assert not Campaign.objects.exists()
