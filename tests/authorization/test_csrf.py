"""CSRF is enforced on page and API writes authenticated by a browser session (not on token-authenticated ones)."""

import pytest
from django.db import transaction
from django.test import Client, TestCase
from django.urls import reverse

from console.models import AuditEvent
from tests.authorization.requests import BUILDERS, database_state, problems_of_allowed, send
from tests.authorization.table import TABLE, rule_for

pytestmark = pytest.mark.django_db


def test_a_session_authenticated_api_post_without_csrf_token_is_refused(task_force_lead, viewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(task_force_lead)

    response = client.post(
        reverse("api:user-grant-role", kwargs={"username": "viewer"}),
        {"role": "operator"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert list(viewer.groups.values_list("name", flat=True)) == ["viewer"]


def test_a_session_authenticated_api_post_with_csrf_token_is_accepted(task_force_lead, viewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(task_force_lead)
    client.get(reverse("dashboard:home"))  # sets the CSRF cookie, as a page load does
    token = client.cookies["csrftoken"].value

    response = client.post(
        reverse("api:user-grant-role", kwargs={"username": "viewer"}),
        {"role": "operator"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 200


def test_a_page_post_without_csrf_token_is_refused(task_force_lead, viewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(task_force_lead)

    response = client.post(reverse("console:person-role-grant", kwargs={"username": "viewer"}), {"role": "operator"})

    assert response.status_code == 403
    assert list(viewer.groups.values_list("name", flat=True)) == ["viewer"]


# Every mutating page and API endpoint of the authorization table, posted by a person allowed to use it from a
# browser session: refused without the CSRF token, changing nothing; accepted with it.


def _allowed_cell(name: str) -> tuple[str, str]:
    """A cell the table allows (an "own" one where ownership counts, signed in where anyone may sign in)."""
    rule = rule_for(name)
    return next((role, ownership) for role, ownership in reversed(rule.cells()) if rule.allows(role, ownership))


@pytest.fixture(scope="module")
def csrf_client() -> Client:
    """One client for all the endpoints (a new one loads the middleware again); each test starts it afresh."""
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_a_session_write_needs_the_csrf_token(name, world, csrf_client):
    role, ownership = _allowed_cell(name)
    client = csrf_client
    client.cookies.clear()
    client.defaults.pop("HTTP_X_CSRFTOKEN", None)
    with transaction.atomic():
        actor = world.users[role]
        call = BUILDERS[name](world, actor, ownership == "own", name)
        if actor is not None and not call.stay_anonymous:
            client.force_login(actor)
        before = database_state(call.targets)

        without_token = send(client, name, call)

        assert without_token.status_code == 403, f"{name} as {role}: {without_token.status_code}"
        assert b"CSRF" in without_token.content
        assert database_state(call.targets) == before
        transaction.set_rollback(True)

    with transaction.atomic():
        call = BUILDERS[name](world, actor, ownership == "own", name)
        if actor is not None and not call.stay_anonymous:
            client.force_login(actor)  # the session of the block above was rolled back with it
        # A page load sets the token's cookie, as in a browser; the token goes back in the header htmx sends.
        client.get(reverse("login") if actor is None or call.stay_anonymous else reverse("dashboard:home"))
        client.defaults["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
        last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with TestCase.captureOnCommitCallbacks() as callbacks:
            with_token = send(client, name, call)
        events = list(AuditEvent.objects.filter(pk__gt=last_event))

        assert problems_of_allowed(name, call, with_token, client, events, callbacks) == []
        transaction.set_rollback(True)
