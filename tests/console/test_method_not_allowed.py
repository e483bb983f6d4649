"""An action's address opened in the browser (a GET on a POST-only URL) is the console's 405 page, with the
``Allow`` header kept and a link to the page that has the action's button; the API keeps its JSON 405."""

import pytest
from django.urls import get_resolver, reverse

from tests.authorization.table import TABLE
from tests.authorization.test_authorization_matrix import _patterns, _sample_path
from tests.campaigns.factories import CampaignFactory

pytestmark = pytest.mark.django_db

NAVIGATION = 'data-testid="current-user"'


def test_a_get_on_an_action_is_the_405_page_pointing_to_the_button(client_for, operator):
    campaign = CampaignFactory()

    response = client_for(operator).get(reverse("campaigns:campaign-pause", args=[campaign.pk]))

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert NAVIGATION in html
    assert "This address performs an action; it is not a page" in html
    assert "“campaign pause” action" in html
    page = reverse("campaigns:campaign-detail", args=[campaign.pk])
    assert f'Use the button on <a href="{page}" data-testid="action-page-link">the campaign page</a>.' in html


def test_the_page_with_the_button_is_the_nearest_page_above_the_action(client_for, viewer):
    # /people/viewer/roles/ is no page: the person's page is.
    response = client_for(viewer).get(reverse("console:person-role-grant", args=["viewer"]))

    assert response.status_code == 405
    assert f'href="{reverse("console:person-detail", args=["viewer"])}" data-testid="action-page-link"' in (
        response.content.decode()
    )


def test_a_get_on_sign_out_is_the_405_page_of_a_class_based_view(client_for, viewer):
    response = client_for(viewer).get(reverse("logout"))

    assert response.status_code == 405
    assert response["Allow"] == "POST, OPTIONS"
    assert "This address performs an action" in response.content.decode()
    assert response.wsgi_request.user.is_authenticated  # nothing was done


def test_a_form_sent_to_a_page_is_the_405_page_saying_nothing_changed(client_for, viewer):
    response = client_for(viewer).post(reverse("console:audit-list"))

    assert response.status_code == 405
    assert response["Allow"] == "GET"
    html = response.content.decode()
    assert "This address does not take a POST" in html
    assert "the form sent to it changed nothing" in html


def test_every_page_action_answers_a_get_with_the_405_page(client_for, staff_user):
    """Once for all: each page action of the authorization table opened with GET (those that are also a form's
    page, as the campaign creation, answer 200)."""
    client = client_for(staff_user)
    checked = []
    for name, _route, pattern in _patterns(get_resolver()):
        if name not in TABLE or name.startswith(("api:", "admin:")) or name == "logout":
            continue
        path = _sample_path(name, pattern)
        response = client.get(path)
        if response.status_code == 405:
            assert response["Allow"], path
            assert 'data-testid="error-page" data-status="405"' in response.content.decode(), path
            checked.append(name)
    assert len(checked) > 20, checked


def test_the_api_keeps_its_json_405(client_for, operator):
    campaign = CampaignFactory()

    response = client_for(operator).get(f"/api/v1/campaigns/{campaign.pk}/pause/")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": 'Method "GET" not allowed.'}
    assert "POST" in response["Allow"]
