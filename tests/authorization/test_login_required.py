"""Every page needs a signed-in user; the API answers 401 instead of redirecting; /healthz is open."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = [
    reverse("dashboard:home"),
    reverse("dashboard:service-status"),
    reverse("console:audit-list"),
    reverse("console:people-list"),
    reverse("console:person-detail", kwargs={"username": "viewer"}),
    reverse("console:account"),
    reverse("api-docs"),
]


@pytest.mark.parametrize("url", PAGES)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("url", [reverse("api:me"), reverse("api:audit-event-list"), reverse("api-schema")])
def test_an_anonymous_api_call_is_refused_with_401(client, url):
    assert client.get(url).status_code == 401


@pytest.mark.parametrize("url", PAGES)
def test_a_viewer_sees_every_page(client_for, viewer, url):
    assert client_for(viewer).get(url).status_code == 200


def test_the_login_page_signs_in_with_a_password(client, viewer):
    response = client.post(
        reverse("login"), {"username": "viewer", "password": "correct horse battery staple"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("dashboard:home")
    assert response.context["user"] == viewer


def test_pages_carry_the_security_headers(client_for, viewer):
    response = client_for(viewer).get(reverse("dashboard:home"))

    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
