"""From a patch's page, "ask the committee to approve this patch for the selected campaigns" opens a draft decision
filled in; a campaign's page shows the approvals it needs, each with the same kind of draft."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from campaigns.choices import CampaignStatus
from committee.choices import DecisionKind
from releases.choices import BackportStatus, ReleaseStatus
from tests.campaigns.factories import SubmittableCampaignFactory
from tests.committee.factories import PolicyCommitteeFactory
from tests.releases.factories import BackportRequestFactory, ReleaseFactory, SupportedReleaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def base():
    return SupportedReleaseFactory(version="v23.0.0")


@pytest.fixture
def patch(base):
    patch = ReleaseFactory(version="v23.0.1", base_release=base, status=ReleaseStatus.CANDIDATE)
    BackportRequestFactory(
        rfc_id="RFC-800",
        ticket="DM-31234",
        title="Fix the flux calibration",
        target_release=base,
        status=BackportStatus.SHIPPED,
        shipped_in=patch,
    )
    return patch


@pytest.fixture
def policy():
    return PolicyCommitteeFactory()


def between(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def test_a_patch_page_lists_the_campaigns_running_its_family_to_ask_the_committee(client_for, viewer, patch, policy):
    dp02 = SubmittableCampaignFactory(name="DP0.2", release=patch.base_release)
    SubmittableCampaignFactory(name="DC2 RC6", release=SupportedReleaseFactory(version="v22.0.0"))
    SubmittableCampaignFactory(name="Old", release=patch.base_release, status=CampaignStatus.ACCEPTED)

    html = client_for(viewer).get(patch.get_absolute_url()).content.decode()

    form = between(html, 'data-testid="patch-campaigns-form"', "</form>")
    assert f'action="{reverse("committee:decision-create")}"' in html
    assert 'name="kind" value="patch"' in form
    assert 'name="release" value="v23.0.1"' in form
    assert 'name="committee" value="policy"' in form
    assert f'name="campaigns" value="{dp02.pk}"' in form
    assert "DC2 RC6" not in form and "Old" not in form
    assert "Ask the committee to approve this patch for the selected campaigns" in form


def test_a_release_that_is_no_patch_has_no_such_section(client_for, viewer, base):
    html = client_for(viewer).get(base.get_absolute_url()).content.decode()

    assert 'data-testid="patch-campaigns-form"' not in html


def test_the_draft_opens_filled_in(client_for, patch, policy):
    dp02 = SubmittableCampaignFactory(name="DP0.2", release=patch.base_release)
    proposer = policy.seats.order_by("area").first().holder
    query = f"?kind=patch&release=v23.0.1&campaigns={dp02.pk}&committee=policy"

    html = unescape(client_for(proposer).get(reverse("committee:decision-create") + query).content.decode())

    assert 'value="Approve v23.0.1 for DP0.2"' in html
    proposal = between(html, 'name="proposal"', "</textarea>")
    assert proposal.endswith(
        "Approve v23.0.1 for DP0.2: moves it from v23.0.0 onto the patch, which ships RFC-800 Fix the flux "
        "calibration (DM-31234)."
    )
    assert f'<option value="{policy.pk}" selected>' in html
    assert '<option value="patch" selected>' in html
    assert f'<option value="{patch.pk}" selected>' in html
    assert f'<option value="{dp02.pk}" selected>' in html


def test_the_draft_ignores_what_names_nothing(client_for, policy):
    proposer = policy.seats.order_by("area").first().holder
    query = "?kind=nonsense&release=v99.0.0&campaigns=12345678901234567890&campaigns=x&committee=nowhere"

    response = client_for(proposer).get(reverse("committee:decision-create") + query)

    assert response.status_code == 200
    assert "selected>" not in between(response.content.decode(), 'name="kind"', "</select>")


def test_the_campaign_page_offers_a_draft_for_each_approval_it_needs(client_for, operator, patch, policy):
    campaign = SubmittableCampaignFactory(name="DP0.2 copy", release=patch.base_release, approved=False)

    html = unescape(client_for(operator).get(campaign.get_absolute_url()).content.decode())

    section = between(html, 'data-testid="campaign-release-approvals"', "</section>")
    assert "DP0.2 copy runs v23.0.0, which is not approved for it" in section
    links = re.findall(r'href="([^"]+)" data-testid="approval-draft-link"', section)
    queries = [parse_qs(urlsplit(link).query) for link in links]
    assert [(q["kind"], q["release"], q["campaigns"], q["committee"]) for q in queries] == [
        ([DecisionKind.PIPELINE_VERSION], ["v23.0.0"], [str(campaign.pk)], ["policy"]),
        ([DecisionKind.PATCH], ["v23.0.1"], [str(campaign.pk)], ["policy"]),
    ]
