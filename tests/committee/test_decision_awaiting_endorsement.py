"""A policy committee decision approved by its votes is "approved by the committee, awaiting endorsement" on the
pages and in the API until the leadership team endorses it; the change control board's decisions are not."""

import pytest
from django.urls import reverse
from django.utils import timezone

from committee.choices import DecisionKind, DecisionStatus
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import ChangeControlBoardFactory, DecisionFactory, PolicyCommitteeFactory
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db

AWAITING = "Approved by the committee, awaiting endorsement"


@pytest.fixture
def approved_pipeline_decision():
    decision = DecisionFactory(
        committee=PolicyCommitteeFactory(),
        kind=DecisionKind.PIPELINE_VERSION,
        status=DecisionStatus.APPROVED,
        closed_at=timezone.now(),
        release=ReleaseFactory(version="v23.0.0"),
        title="Use v23.0.0 for DP0.2",
    )
    decision.campaigns.add(CampaignFactory(name="DP0.2"))
    return decision


def test_the_decision_page_and_list_say_it_awaits_endorsement(client_for, viewer, approved_pipeline_decision):
    client = client_for(viewer)

    page = client.get(approved_pipeline_decision.get_absolute_url()).content.decode()
    listed = client.get(reverse("committee:decision-list")).content.decode()

    assert f'data-testid="decision-status">{AWAITING}</span>' in page
    awaiting = page.split('data-testid="awaiting-endorsement">')[1].split("</p>")[0]
    assert awaiting.startswith("Approved by the committee, awaiting endorsement by the leadership team.")
    assert "only then is v23.0.0 approved for its campaigns" in awaiting
    assert AWAITING in listed.split(f'data-testid="decision-row-{approved_pipeline_decision.pk}"')[1]


def test_an_endorsed_decision_and_the_boards_approved_one_do_not_await_endorsement(client_for, viewer):
    endorsed = DecisionFactory(committee=PolicyCommitteeFactory(), status=DecisionStatus.ENDORSED)
    board = DecisionFactory(committee=ChangeControlBoardFactory(), status=DecisionStatus.APPROVED)
    client = client_for(viewer)

    for decision, label in ((endorsed, "Endorsed"), (board, "Approved")):
        page = client.get(decision.get_absolute_url()).content.decode()
        assert f'data-testid="decision-status">{label}</span>' in page
        assert AWAITING not in page


def test_the_api_decision_detail_says_it_awaits_endorsement(client_for, viewer, approved_pipeline_decision):
    client = client_for(viewer)

    detail = client.get(f"/api/v1/decisions/{approved_pipeline_decision.pk}/").json()
    listed = client.get("/api/v1/decisions/").json()["results"]

    assert (detail["status"], detail["status_label"]) == ("approved", AWAITING)
    assert (detail["awaits_endorsement"], detail["in_effect"]) == (True, False)
    assert [row["status_label"] for row in listed] == [AWAITING]


def test_the_api_says_the_boards_approved_decision_is_in_effect(client_for, viewer):
    decision = DecisionFactory(committee=ChangeControlBoardFactory(), status=DecisionStatus.APPROVED)

    detail = client_for(viewer).get(f"/api/v1/decisions/{decision.pk}/").json()

    assert (detail["status_label"], detail["awaits_endorsement"], detail["in_effect"]) == ("Approved", False, True)
