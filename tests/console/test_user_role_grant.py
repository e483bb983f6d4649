"""Role checks on a mutation: granting a role, through the API and the page."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.authtoken.models import Token

from console.models import AuditEvent
from console.roles import Role
from tests.console.factories import UserFactory

pytestmark = pytest.mark.django_db


def grant_url(user: User) -> str:
    return reverse("api:user-grant-role", kwargs={"username": user.username})


def test_the_task_force_lead_can_grant_a_role(client_for, task_force_lead, viewer):
    response = client_for(task_force_lead).post(
        grant_url(viewer), {"role": "operator"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["roles"] == ["operator", "viewer"]
    assert set(viewer.groups.values_list("name", flat=True)) == {"operator", "viewer"}


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.COMMITTEE_MEMBER, Role.CCB_MEMBER, Role.VIEWER])
def test_other_roles_are_refused_and_nothing_changes(client_for, role, viewer):
    actor = UserFactory(username="someone", roles=[role])

    response = client_for(actor).post(grant_url(viewer), {"role": "operator"}, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["detail"] == "Only a task force lead may grant roles."
    assert list(viewer.groups.values_list("name", flat=True)) == ["viewer"]
    assert not AuditEvent.objects.filter(action="user.role-granted").exists()


def test_an_anonymous_request_is_refused_with_401(client, viewer):
    response = client.post(grant_url(viewer), {"role": "operator"}, content_type="application/json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert list(viewer.groups.values_list("name", flat=True)) == ["viewer"]


def test_a_token_authenticates_a_script(client, task_force_lead, viewer):
    token = Token.objects.create(user=task_force_lead)

    response = client.post(
        grant_url(viewer),
        {"role": "operator"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )

    assert response.status_code == 200


def test_granting_a_role_already_held_is_a_conflict(client_for, task_force_lead, viewer):
    response = client_for(task_force_lead).post(grant_url(viewer), {"role": "viewer"}, content_type="application/json")

    assert response.status_code == 409
    assert response.json()["detail"] == "viewer already has the role viewer."


def test_an_unknown_role_is_refused_by_name(client_for, task_force_lead, viewer):
    response = client_for(task_force_lead).post(grant_url(viewer), {"role": "wizard"}, content_type="application/json")

    assert response.status_code == 400
    assert "wizard" in response.json()["role"][0]


def test_the_page_refuses_an_operator_whatever_the_form_shows(client_for, operator, viewer):
    url = reverse("console:person-role-grant", kwargs={"username": viewer.username})

    response = client_for(operator).post(url, {"role": "task-force-lead"})

    assert response.status_code == 403
    assert b"Only a task force lead may grant roles." in response.content
    assert list(viewer.groups.values_list("name", flat=True)) == ["viewer"]


def test_the_page_lets_the_lead_revoke_a_role(client_for, task_force_lead, operator):
    url = reverse("console:person-role-revoke", kwargs={"username": operator.username})

    response = client_for(task_force_lead).post(url, {"role": "operator"}, follow=True)

    assert response.status_code == 200
    assert b"Role operator revoked from operator." in response.content
    assert not operator.groups.exists()


def test_the_lead_cannot_revoke_their_own_lead_role(client_for, task_force_lead):
    url = reverse("api:user-revoke-role", kwargs={"username": task_force_lead.username})

    response = client_for(task_force_lead).post(url, {"role": "task-force-lead"}, content_type="application/json")

    assert response.status_code == 409
    assert task_force_lead.groups.filter(name="task-force-lead").exists()


def test_only_the_lead_sees_the_grant_form(client_for, task_force_lead, operator, viewer):
    url = reverse("console:person-detail", kwargs={"username": viewer.username})

    assert b'data-testid="grant-role-form"' in client_for(task_force_lead).get(url).content
    assert b'data-testid="grant-role-form"' not in client_for(operator).get(url).content
