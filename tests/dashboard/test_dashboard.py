"""The dashboard: what waits for a decision, what slips, what changed; in a constant number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.committee.factories import ChangeControlBoardFactory, DecisionFactory, PolicyCommitteeFactory
from tests.releases.factories import BackportRequestFactory, SupportedReleaseFactory

pytestmark = pytest.mark.django_db


def test_the_dashboard_shows_the_votes_due_from_the_signed_in_member(client_for):
    policy = PolicyCommitteeFactory()
    member = policy.seats.order_by("area").first().holder
    DecisionFactory(committee=policy, title="Use v23.0.0 for DP0.2")
    DecisionFactory(committee=ChangeControlBoardFactory(), title="Backport RFC-812")

    response = client_for(member).get(reverse("dashboard:home"))

    assert [decision.title for decision in response.context["awaiting_my_vote"]] == ["Use v23.0.0 for DP0.2"]
    assert {decision.title for decision in response.context["open_decisions"]} == {
        "Use v23.0.0 for DP0.2",
        "Backport RFC-812",
    }


def test_the_dashboard_shows_backports_to_review_and_support_ending_soon(client_for, viewer):
    today = timezone.localdate()
    ending = SupportedReleaseFactory(
        version="v22.0.1", approved_on=today - timedelta(days=330), support_until=today + timedelta(days=20)
    )
    SupportedReleaseFactory(version="v23.0.0", approved_on=today, support_until=today + timedelta(days=365))
    BackportRequestFactory(rfc_id="RFC-840", target_release=ending)
    BackportRequestFactory(rfc_id="RFC-812", target_release=ending, status="shipped", shipped_in=ending)

    response = client_for(viewer).get(reverse("dashboard:home"))

    assert [release.version for release in response.context["support_ending"]] == ["v22.0.1"]
    assert [backport.rfc_id for backport in response.context["backports_awaiting_review"]] == ["RFC-840"]
    assert b"(20 days)" in response.content


@pytest.mark.parametrize("rows", [3, 30])
def test_the_dashboard_runs_a_constant_number_of_queries(client_for, django_assert_num_queries, rows):
    policy = PolicyCommitteeFactory()
    member = policy.seats.first().holder
    for number in range(rows):
        release = SupportedReleaseFactory(version=f"v{number + 1}.0.0")
        BackportRequestFactory(target_release=release)
        DecisionFactory(committee=policy, release=release)
    client = client_for(member)

    # session, user, roles; what waits for me (votes, endorsements, drafts, backports to review, failed runs of my
    # campaigns, my milestones: dashboard.attention); running and failed submissions; my votes, open decisions
    # (+ campaigns each), decisions awaiting endorsement; backports; support; milestone counts and most overdue;
    # release counts; recent events; the running campaigns (none here; with some, three more for their progress)
    with django_assert_num_queries(23):
        assert client.get(reverse("dashboard:home")).status_code == 200
