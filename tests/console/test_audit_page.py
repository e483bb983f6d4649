"""The audit page and endpoint: filters, and a query count that does not grow with the rows."""

import pytest
from django.db import transaction
from django.urls import reverse

from console.services import audit_record
from tests.console.factories import UserFactory

pytestmark = pytest.mark.django_db


def record_events(count: int, actor) -> None:
    with transaction.atomic():
        for number in range(count):
            target = UserFactory(username=f"target{number}")
            audit_record(actor=actor, action="user.role-granted", obj=target, after={"roles": ["viewer"]})


def test_the_page_filters_by_actor_action_and_object(client_for, task_force_lead, operator):
    record_events(3, task_force_lead)
    with transaction.atomic():
        audit_record(actor=operator, action="user.api-token-created", obj=operator)
    client = client_for(task_force_lead)

    by_actor = client.get(reverse("console:audit-list"), {"actor": "operator"})
    by_action = client.get(reverse("console:audit-list"), {"action": "user.role"})
    by_object = client.get(reverse("console:audit-list"), {"object_type": "auth.user", "object_id": operator.pk})

    assert [event.action for event in by_actor.context["page"]] == ["user.api-token-created"]
    assert len(by_action.context["page"]) == 3
    assert [event.actor_name for event in by_object.context["page"]] == ["operator"]


def test_the_api_filters_by_date(client_for, task_force_lead):
    record_events(2, task_force_lead)
    client = client_for(task_force_lead)

    today = client.get(reverse("api:audit-event-list"), {"occurred_after": "2000-01-01"}).json()
    none = client.get(reverse("api:audit-event-list"), {"occurred_before": "2000-01-01"}).json()

    assert today["count"] == 2
    assert none["count"] == 0


@pytest.mark.parametrize("rows", [3, 30])
def test_the_audit_page_runs_a_constant_number_of_queries(client_for, task_force_lead, django_assert_num_queries, rows):
    record_events(rows, task_force_lead)
    client = client_for(task_force_lead)

    # session, user, roles of the user, count, page of events
    with django_assert_num_queries(5):
        response = client.get(reverse("console:audit-list"))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [3, 30])
def test_the_audit_endpoint_runs_a_constant_number_of_queries(
    client_for, task_force_lead, django_assert_num_queries, rows
):
    record_events(rows, task_force_lead)
    client = client_for(task_force_lead)

    # session, user, count, page of events
    with django_assert_num_queries(4):
        response = client.get(reverse("api:audit-event-list"))
    assert response.json()["count"] == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_the_people_page_and_endpoint_run_a_constant_number_of_queries(
    client_for, task_force_lead, django_assert_num_queries, rows
):
    UserFactory.create_batch(rows, roles=["operator"])
    client = client_for(task_force_lead)

    # session, user, roles of the user, users, their role groups
    with django_assert_num_queries(5):
        assert client.get(reverse("console:people-list")).status_code == 200
    # session, user, count, users, their role groups
    with django_assert_num_queries(5):
        assert client.get(reverse("api:user-list")).json()["count"] == rows + 1
