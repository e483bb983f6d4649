"""CSRF is enforced on API writes authenticated by a browser session (not on token-authenticated ones)."""

import pytest
from django.test import Client
from django.urls import reverse

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
    client.get(reverse("console:dashboard"))  # sets the CSRF cookie, as a page load does
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
