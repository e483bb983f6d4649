"""GET /api/v1/attention/: the dashboard's attention list for a script or a chat bot."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.choices import CampaignStatus, SubmissionStatus
from tests.campaigns.factories import CampaignFactory, StepFactory, SubmissionFactory
from tests.committee.factories import DecisionFactory, PolicyCommitteeFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/attention/"


def test_it_answers_what_waits_for_the_caller_most_urgent_first(client_for):
    policy = PolicyCommitteeFactory()
    member = policy.seats.order_by("area").first().holder
    decision = DecisionFactory(committee=policy, title="Use v23.0.0", opened_at=timezone.now() - timedelta(days=3))
    campaign = CampaignFactory(name="DP0.2", owner=member, status=CampaignStatus.RUNNING)
    run = SubmissionFactory(
        step=StepFactory(campaign=campaign, name="step1"),
        status=SubmissionStatus.FAILED,
        ended_at=timezone.now() - timedelta(days=1),
    )

    body = client_for(member).get(URL).json()

    assert body["count"] == 2
    failed, vote = body["results"]
    assert failed == {
        "kind": "failed-run",
        "title": "DP0.2 / step1: attempt 1 failed",
        "action": "Restart",
        "detail": "restart it to go on from where it stopped",
        "since": failed["since"],
        "age_days": 1,
        "urgency": 0,
        "url": reverse("campaigns:campaign-detail", kwargs={"pk": campaign.pk}) + f"#submission-{run.pk}",
    }
    assert (vote["kind"], vote["action"], vote["age_days"], vote["url"]) == (
        "vote",
        "Vote",
        3,
        reverse("committee:decision-detail", kwargs={"pk": decision.pk}),
    )
    assert vote["title"] == f"#{decision.pk} Use v23.0.0"


def test_an_empty_list_is_an_empty_page(client_for, viewer):
    DecisionFactory()

    body = client_for(viewer).get(URL).json()

    assert (body["count"], body["results"]) == (0, [])


def test_it_is_paged_like_every_list(client_for):
    policy = PolicyCommitteeFactory()
    member = policy.seats.order_by("area").first().holder
    for number in range(3):
        DecisionFactory(committee=policy, title=f"Decision {number}")

    body = client_for(member).get(URL, {"page_size": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]


def test_an_anonymous_call_is_refused_with_401(client):
    assert client.get(URL).status_code == 401


def test_it_refuses_a_parameter_it_does_not_take(client_for, viewer):
    response = client_for(viewer).get(URL, {"kind": "vote"})

    assert response.status_code == 400
    assert "kind" in response.content.decode()
