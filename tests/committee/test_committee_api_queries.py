"""The governance list endpoints run a constant number of queries, whatever the number of rows."""

import pytest

from committee.models import Vote
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import DecisionFactory, PolicyCommitteeFactory
from tests.releases.factories import BackportRequestFactory, ReleaseFactory

pytestmark = pytest.mark.django_db


def make_rows(count: int):
    """Rows of every kind; returns a member whose vote each decision awaits."""
    policy = PolicyCommitteeFactory()
    seat = policy.seats.first()
    for number in range(count):
        release = ReleaseFactory(version=f"v{number + 1}.0.0", status="supported")
        BackportRequestFactory(target_release=release)
        decision = DecisionFactory(committee=policy, release=release, kind="pipeline-version")
        decision.campaigns.add(CampaignFactory())
        Vote.objects.create(
            decision=decision, seat=seat, choice="approve", cast_by=seat.holder, cast_at=decision.opened_at
        )
    return policy.seats.exclude(pk=seat.pk).first().holder


# session + user, count, page, and each endpoint's prefetches
ENDPOINTS = {
    "/api/v1/releases/": 4,
    "/api/v1/backport-requests/": 4,
    "/api/v1/decisions/": 5,
    "/api/v1/decisions/awaiting-my-vote/": 5,
    "/api/v1/committees/": 6,
    "/api/v1/votes/": 4,
}


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize(("url", "queries"), ENDPOINTS.items())
def test_a_list_endpoint_runs_a_constant_number_of_queries(client_for, django_assert_num_queries, rows, url, queries):
    member = make_rows(rows)
    client = client_for(member)

    with django_assert_num_queries(queries):
        response = client.get(url)

    assert response.status_code == 200
    assert response.json()["count"] >= (1 if url == "/api/v1/committees/" else rows)
