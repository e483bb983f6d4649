"""A clone keeps its original's release, not the approval: the policy committee approves a release per campaign.
The page and the API say so plainly after cloning, and offer the pre-filled draft asking for it."""

from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from campaigns.models import Campaign
from tests.campaigns.factories import StepFactory, SubmittableCampaignFactory
from tests.committee.factories import PolicyCommitteeFactory
from tests.releases.factories import SupportedReleaseFactory

pytestmark = pytest.mark.django_db

NEEDED = (
    "The copy runs v23.0.0, which is approved for DP0.2 but not for DP0.2 rerun: the policy committee approves a "
    "release per campaign. Ask it for an approval."
)


@pytest.fixture
def original():
    PolicyCommitteeFactory()
    campaign = SubmittableCampaignFactory(name="DP0.2", release=SupportedReleaseFactory(version="v23.0.0"))
    StepFactory(campaign=campaign, name="all")
    return campaign


def test_the_page_says_what_approval_the_copy_needs_with_the_draft(client_for, operator, original):
    response = client_for(operator).post(
        reverse("campaigns:campaign-clone", args=[original.pk]), {"name": "DP0.2 rerun"}, follow=True
    )

    html = unescape(response.content.decode())
    copy = Campaign.objects.get(name="DP0.2 rerun")
    assert NEEDED in html
    link = html.split('data-testid="clone-approval-link"')[0].rsplit('href="', 1)[1].split('"')[0]
    query = parse_qs(urlsplit(link).query)
    assert (query["kind"], query["release"], query["campaigns"]) == (["pipeline-version"], ["v23.0.0"], [str(copy.pk)])


def test_the_api_says_what_approval_the_copy_needs(client_for, operator, original):
    response = client_for(operator).post(
        f"/api/v1/campaigns/{original.pk}/clone/", {"name": "DP0.2 rerun"}, content_type="application/json"
    )

    body = response.json()
    assert response.status_code == 201
    assert body["release_approval_needed"] == NEEDED
    assert body["release_approval_draft"].startswith(reverse("committee:decision-create") + "?kind=pipeline-version")


def test_a_mini_run_copy_needs_no_approval(client_for, operator):
    mini = SubmittableCampaignFactory(name="mini", kind="mini-run", approved=False)

    body = (
        client_for(operator)
        .post(f"/api/v1/campaigns/{mini.pk}/clone/", {"name": "mini copy"}, content_type="application/json")
        .json()
    )

    assert (body["release_approval_needed"], body["release_approval_draft"]) == ("", "")
