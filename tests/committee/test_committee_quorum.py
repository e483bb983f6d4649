"""Changing a committee's quorum rule: it applies to the decisions still open too. Service, page and API."""

import pytest
from django.urls import reverse

from committee.models import Committee
from committee.services import committee_change_quorum
from console.errors import Conflict, InvalidInput, NotPermitted
from console.models import AuditEvent
from tests.committee.factories import DecisionFactory, PolicyCommitteeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy():
    return PolicyCommitteeFactory()


def test_the_lead_changes_the_quorum_rule(policy, task_force_lead):
    committee_change_quorum(actor=task_force_lead, committee=policy, quorum="majority-of-seats")

    assert Committee.objects.get(pk=policy.pk).quorum == "majority-of-seats"
    event = AuditEvent.objects.get(action="committee.quorum-changed")
    assert (event.actor, event.before, event.after) == (
        task_force_lead,
        {"quorum": "every-seat"},
        {"quorum": "majority-of-seats"},
    )


def test_an_open_decision_is_counted_by_the_new_rule(policy, task_force_lead):
    decision = DecisionFactory(committee=policy)
    seats = list(policy.seats.all())
    for seat in seats[:3]:
        decision.votes.create(seat=seat, choice="approve", cast_by=seat.holder, cast_at=decision.opened_at)
    assert not decision.tally().rule_met

    committee_change_quorum(actor=task_force_lead, committee=policy, quorum="majority-of-seats")

    decision.committee.refresh_from_db()
    assert decision.tally().rule_met


def test_it_refuses_the_rule_the_committee_has(policy, task_force_lead):
    with pytest.raises(Conflict, match="The Policy committee's quorum rule is every seat votes or abstains already"):
        committee_change_quorum(actor=task_force_lead, committee=policy, quorum="every-seat")

    assert not AuditEvent.objects.exists()


def test_it_refuses_an_unknown_rule(policy, task_force_lead):
    with pytest.raises(InvalidInput, match="quorum 'half' is not one of every-seat, majority-of-seats"):
        committee_change_quorum(actor=task_force_lead, committee=policy, quorum="half")


def test_a_member_may_not_change_the_quorum_rule(policy, committee_member):
    with pytest.raises(NotPermitted, match="Only a task force lead may change a committee's quorum rule"):
        committee_change_quorum(actor=committee_member, committee=policy, quorum="majority-of-seats")


def test_the_page_changes_the_rule_and_says_it_applies_to_open_decisions(client_for, policy, task_force_lead):
    DecisionFactory(committee=policy)

    response = client_for(task_force_lead).post(
        reverse("committee:committee-quorum", kwargs={"slug": "policy"}), {"quorum": "majority-of-seats"}, follow=True
    )

    page = response.content.decode()
    assert "quorum rule: more than half of the seats vote or abstain. It applies to its 1 open decision(s) too." in page
    assert Committee.objects.get(pk=policy.pk).quorum == "majority-of-seats"


def test_the_api_changes_the_rule(client_for, policy, task_force_lead):
    response = client_for(task_force_lead).post(
        "/api/v1/committees/policy/quorum/", {"quorum": "majority-of-seats"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["quorum"] == "majority-of-seats"


def test_the_api_answers_400_naming_the_quorum(client_for, policy, task_force_lead):
    response = client_for(task_force_lead).post(
        "/api/v1/committees/policy/quorum/", {"quorum": "half"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "quorum" in response.json()


def test_the_api_refuses_a_member_with_403(client_for, policy, committee_member):
    response = client_for(committee_member).post(
        "/api/v1/committees/policy/quorum/", {"quorum": "majority-of-seats"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert Committee.objects.get(pk=policy.pk).quorum == "every-seat"
