"""Recording a past decision from its page and the API, and the mark "recorded after the fact" on the decision's
page, the register, its exports and the API. Only the task force lead and staff see the page and its link."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from committee.choices import DecisionKind, DecisionStatus
from committee.models import Decision, ReleaseApproval
from committee.services import decision_record_past
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import DecisionFactory, PolicyCommitteeFactory
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy():
    return PolicyCommitteeFactory()


@pytest.fixture
def recorded(task_force_lead, policy) -> Decision:
    return decision_record_past(
        actor=task_force_lead,
        committee=policy,
        kind=DecisionKind.OPERATIONAL,
        title="Meet weekly during DP0.2",
        proposal="The task force meets every Tuesday while DP0.2 runs.",
        opened_on=date(2021, 6, 14),
        closed_on=date(2021, 6, 28),
        outcome=DecisionStatus.APPROVED,
        endorsed_on=date(2021, 7, 5),
        outcome_summary="4 approve, 0 reject",
    )


def mark(user="lead") -> str:
    return f"Recorded after the fact by {user} on {timezone.localdate():%Y-%m-%d}"


def test_the_lead_sees_the_link_and_a_member_does_not(client_for, task_force_lead, committee_member):
    link = f'href="{reverse("committee:decision-record-past")}"'

    assert link in client_for(task_force_lead).get(reverse("committee:decision-list")).content.decode()
    assert link not in client_for(committee_member).get(reverse("committee:decision-list")).content.decode()


def test_a_member_may_not_open_the_page(client_for, committee_member):
    assert client_for(committee_member).get(reverse("committee:decision-record-past")).status_code == 403


def test_the_lead_records_a_2021_decision_from_the_page(client_for, task_force_lead, policy):
    release = ReleaseFactory(version="v23.0.0")
    campaign = CampaignFactory(name="DP0.2")
    client = client_for(task_force_lead)
    form = {
        "committee": policy.pk,
        "kind": DecisionKind.PIPELINE_VERSION,
        "title": "Use v23.0.0 for DP0.2",
        "proposal": "Process DP0.2 with v23.0.0.",
        "release": release.pk,
        "campaigns": [campaign.pk],
        "opened_on": "2021-06-14",
        "closed_on": "2021-06-28",
        "outcome": "approved",
        "endorsed_on": "2021-07-05",
        "outcome_summary": "4 approve, 0 reject",
    }

    assert client.get(reverse("committee:decision-record-past")).status_code == 200
    response = client.post(reverse("committee:decision-record-past"), form)

    decision = Decision.objects.get()
    assert response.status_code == 302 and response["Location"] == decision.get_absolute_url()
    assert decision.status == DecisionStatus.ENDORSED
    assert timezone.localdate(ReleaseApproval.objects.get(campaign=campaign).approved_at).isoformat() == "2021-07-05"
    page = client.get(decision.get_absolute_url()).content.decode()
    assert mark() in page.split('data-testid="decision-recorded">')[1]
    assert "Endorsed on 2021-07-05" in page
    assert 'data-testid="votes-panel"' not in page


def test_a_refusal_shows_the_form_again_with_the_reason(client_for, task_force_lead, policy):
    tomorrow = timezone.localdate() + timedelta(days=1)
    form = {
        "committee": policy.pk,
        "kind": DecisionKind.OPERATIONAL,
        "title": "Meet weekly",
        "proposal": "Every Tuesday.",
        "opened_on": "2021-06-14",
        "closed_on": tomorrow.isoformat(),
        "outcome": "approved",
    }

    response = client_for(task_force_lead).post(reverse("committee:decision-record-past"), form)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"The closing date {tomorrow:%Y-%m-%d} is in the future" in page
    assert 'value="Meet weekly"' in page
    assert not Decision.objects.exists()


def test_a_live_decision_carries_no_mark(client_for, viewer):
    decision = DecisionFactory()

    page = client_for(viewer).get(decision.get_absolute_url()).content.decode()

    assert "Recorded after the fact" not in page
    assert 'data-testid="votes-panel"' in page


def test_the_register_and_its_exports_show_the_mark(client_for, viewer, recorded):
    DecisionFactory(title="Live one")
    client = client_for(viewer)

    page = client.get(reverse("committee:decision-register")).content.decode()
    rows = list(csv.reader(io.StringIO(client.get(reverse("committee:decision-register-csv")).content.decode())))
    markdown = client.get(reverse("committee:decision-register-markdown")).content.decode()

    assert mark() in page.split(f'data-testid="register-recorded-{recorded.pk}">')[1]
    assert rows[0][-1] == "Recorded after the fact"
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[str(recorded.pk)][1] == "2021-06-14"
    assert by_id[str(recorded.pk)][-1] == mark()
    assert [row[-1] for row in rows[1:] if row[0] != str(recorded.pk)] == [""]
    assert mark() in markdown


def test_the_api_records_a_past_decision(client_for, task_force_lead, policy):
    response = client_for(task_force_lead).post(
        "/api/v1/decisions/record-past/",
        {
            "committee": "policy",
            "kind": "operational",
            "title": "Meet weekly",
            "proposal": "Every Tuesday.",
            "opened_on": "2021-06-14",
            "closed_on": "2021-06-28",
            "outcome": "rejected",
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["recorded_by"], body["votes"]) == ("rejected", "lead", [])
    assert body["recorded_at"].startswith(f"{timezone.localdate():%Y-%m-%d}")
    assert body["outcome_summary"] == "recorded after the fact; no votes in the console"


def test_the_api_refuses_a_future_date_and_a_member(client_for, task_force_lead, committee_member, policy):
    tomorrow = timezone.localdate() + timedelta(days=1)
    body = {
        "committee": "policy",
        "kind": "operational",
        "title": "Meet weekly",
        "proposal": "Every Tuesday.",
        "opened_on": "2021-06-14",
        "closed_on": tomorrow.isoformat(),
        "outcome": "approved",
    }

    future = client_for(task_force_lead).post("/api/v1/decisions/record-past/", body, content_type="application/json")
    member = client_for(committee_member).post(
        "/api/v1/decisions/record-past/", {**body, "closed_on": "2021-06-28"}, content_type="application/json"
    )

    assert future.status_code == 400
    assert "is in the future" in future.content.decode()
    assert member.status_code == 403
    assert not Decision.objects.exists()


def test_the_api_lists_the_mark(client_for, viewer, recorded):
    live = DecisionFactory()

    rows = {row["id"]: row for row in client_for(viewer).get("/api/v1/decisions/").json()["results"]}

    assert (rows[recorded.pk]["recorded_by"], rows[live.pk]["recorded_by"]) == ("lead", None)
    assert rows[live.pk]["recorded_at"] is None
