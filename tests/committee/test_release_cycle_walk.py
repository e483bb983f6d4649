"""A whole release cycle through the API, as the people involved would drive it.

v23.0.0 candidate -> pipeline-version decision approved by the policy committee
-> endorsed by the leadership team -> release approved for a campaign (only then); then a
backport RFC for v23.0.0 -> change control board decision approved -> merged ->
shipped in v23.0.1.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from committee.models import Committee
from committee.selectors import release_is_approved_for
from console.models import AuditEvent
from releases.models import Release
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import ChangeControlBoardFactory, LeadershipTeamFactory, PolicyCommitteeFactory

pytestmark = pytest.mark.django_db


def seat_holders(committee: Committee) -> list:
    return [seat.holder for seat in committee.seats.select_related("holder").order_by("area")]


def post(client, url: str, body: dict | None = None, expect: int = 200) -> dict:
    response = client.post(url, body or {}, content_type="application/json")
    assert response.status_code == expect, response.content
    return response.json()


def test_a_release_cycle_from_candidate_to_a_shipped_backport(client_for, task_force_lead, operator):
    policy = PolicyCommitteeFactory()
    board = ChangeControlBoardFactory()
    LeadershipTeamFactory(areas=["Lead"], areas__vacant=True).seats.update(holder=task_force_lead)
    campaign = CampaignFactory(name="DP0.2")
    lead = client_for(task_force_lead)
    deadline = (timezone.now() + timedelta(days=7)).isoformat()

    release = post(lead, "/api/v1/releases/", {"version": "v23.0.0"}, expect=201)
    assert release["status"] == "candidate"

    proposer, *others = seat_holders(policy)
    decision = post(
        client_for(proposer),
        "/api/v1/decisions/",
        {
            "committee": "policy",
            "kind": "pipeline-version",
            "title": "Use v23.0.0 for DP0.2",
            "proposal": "The weekly w.2021.40 passed the mini run; tag it as v23.0.0 and use it.",
            "deadline": deadline,
            "release": "v23.0.0",
            "campaigns": ["DP0.2"],
        },
        expect=201,
    )
    assert decision["status"] == "draft"
    assert post(client_for(proposer), f"/api/v1/decisions/{decision['id']}/open/")["status"] == "open"

    for member, choice in zip([proposer, *others], ["approve", "approve", "approve", "abstain"], strict=True):
        post(client_for(member), f"/api/v1/decisions/{decision['id']}/vote/", {"choice": choice}, expect=201)

    closed = lead.get(f"/api/v1/decisions/{decision['id']}/").json()
    assert closed["status"] == "approved"
    assert closed["outcome_summary"] == "3 approve, 0 reject, 1 abstain of 4 seats"
    assert len(closed["votes"]) == 4
    # Approved by the committee, it takes effect only when the leadership team endorses it.
    assert closed["status_label"] == "Approved by the committee, awaiting endorsement"
    assert (closed["awaits_endorsement"], closed["in_effect"]) == (True, False)
    assert lead.get("/api/v1/releases/v23.0.0/").json()["status"] == "candidate"
    assert not release_is_approved_for(release=Release.objects.get(version="v23.0.0"), campaign=campaign)

    endorsed = post(lead, f"/api/v1/decisions/{decision['id']}/endorse/", {"note": "Endorsed at the DPLT meeting."})
    assert endorsed["status"] == "endorsed"
    assert (endorsed["awaits_endorsement"], endorsed["in_effect"]) == (False, True)
    assert lead.get("/api/v1/releases/v23.0.0/").json()["status"] == "approved"
    assert release_is_approved_for(release=Release.objects.get(version="v23.0.0"), campaign=campaign)

    supported = post(lead, "/api/v1/releases/v23.0.0/supported/")
    assert supported["status"] == "supported"
    assert supported["support_until"] is not None

    backport = post(
        client_for(operator),
        "/api/v1/backport-requests/",
        {
            "rfc_id": "RFC-812",
            "ticket": "DM-32145",
            "title": "Fix the sky-correction crash on empty patches",
            "rationale": "Thousands of DP0.2 quanta fail without it.",
            "target_release": "v23.0.0",
        },
        expect=201,
    )
    assert backport["status"] == "proposed"

    chair, member = seat_holders(board)
    board_decision = post(
        client_for(chair),
        "/api/v1/decisions/",
        {
            "committee": "dmccb",
            "kind": "backport",
            "title": "Backport RFC-812 to v23.0",
            "proposal": "Backport DM-32145 onto the v23.0 branch.",
            "deadline": deadline,
            "backport_request": "RFC-812",
        },
        expect=201,
    )
    post(client_for(chair), f"/api/v1/decisions/{board_decision['id']}/open/")
    assert lead.get("/api/v1/backport-requests/RFC-812/").json()["status"] == "under-review"
    for voter in (chair, member):
        post(client_for(voter), f"/api/v1/decisions/{board_decision['id']}/vote/", {"choice": "approve"}, expect=201)
    assert lead.get("/api/v1/backport-requests/RFC-812/").json()["status"] == "approved"

    assert post(lead, "/api/v1/backport-requests/RFC-812/merge/")["status"] == "merged"
    patch = post(lead, "/api/v1/releases/", {"version": "v23.0.1", "base_release": "v23.0.0"}, expect=201)
    assert patch["base_release"] == "v23.0.0"
    shipped = post(lead, "/api/v1/backport-requests/RFC-812/ship/", {"patch_release": "v23.0.1"})
    assert (shipped["status"], shipped["shipped_in"]) == ("shipped", "v23.0.1")

    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "release.created",
        "decision.created",
        "decision.opened",
        "decision.voted",
        "decision.voted",
        "decision.voted",
        "decision.voted",
        "decision.approved",
        "decision.endorsed",
        "release.approved",
        "release.approved-for-campaign",
        "release.supported",
        "backport.requested",
        "decision.created",
        "backport.review-started",
        "decision.opened",
        "decision.voted",
        "decision.voted",
        "decision.approved",
        "backport.approved",
        "backport.merged",
        "release.created",
        "backport.shipped",
    ]
