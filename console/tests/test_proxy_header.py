"""Identity from the authenticating proxy's X-Auth-Request-User header."""

import ipaddress

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from console.models import AuditEvent

pytestmark = pytest.mark.django_db

PROXY = "10.1.2.3"
STRANGER = "192.0.2.7"


@pytest.fixture
def header_mode(settings):
    settings.AUTH_PROXY_HEADER = True
    settings.AUTH_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    settings.AUTHENTICATION_BACKENDS = [
        "console.auth.ProxyHeaderBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]


def test_a_header_from_the_trusted_proxy_signs_in_a_new_user_as_viewer(client, header_mode):
    response = client.get(
        reverse("console:dashboard"),
        REMOTE_ADDR=PROXY,
        HTTP_X_AUTH_REQUEST_USER="rubin",
        HTTP_X_AUTH_REQUEST_EMAIL="rubin@example.org",
    )

    assert response.status_code == 200
    assert response.context["user"].username == "rubin"
    user = User.objects.get(username="rubin")
    assert user.email == "rubin@example.org"
    assert list(user.groups.values_list("name", flat=True)) == ["viewer"]
    created = AuditEvent.objects.get(action="user.created")
    assert (created.actor_name, created.after) == ("proxy-header", {"roles": ["viewer"], "is_staff": False})


def test_a_known_users_email_follows_the_header(client, header_mode, operator):
    client.get(
        reverse("console:dashboard"),
        REMOTE_ADDR=PROXY,
        HTTP_X_AUTH_REQUEST_USER="operator",
        HTTP_X_AUTH_REQUEST_EMAIL="new@example.org",
    )

    operator.refresh_from_db()
    assert operator.email == "new@example.org"
    assert list(operator.groups.values_list("name", flat=True)) == ["operator"]


def test_a_header_from_an_untrusted_address_is_refused(client, header_mode):
    response = client.get(reverse("console:dashboard"), REMOTE_ADDR=STRANGER, HTTP_X_AUTH_REQUEST_USER="admin")

    assert response.status_code == 403
    assert b"only from the authenticating proxy" in response.content
    assert not User.objects.filter(username="admin").exists()


def test_an_untrusted_header_is_refused_even_for_a_signed_in_session(client_for, header_mode, viewer):
    response = client_for(viewer).get(reverse("api:me"), REMOTE_ADDR=STRANGER, HTTP_X_AUTH_REQUEST_USER="lead")

    assert response.status_code == 403


def test_a_request_without_the_header_ends_the_proxy_session(client, header_mode):
    client.get(reverse("console:dashboard"), REMOTE_ADDR=PROXY, HTTP_X_AUTH_REQUEST_USER="rubin")

    response = client.get(reverse("console:dashboard"), REMOTE_ADDR=PROXY)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_changed_header_switches_the_user(client, header_mode, viewer, operator):
    client.get(reverse("console:dashboard"), REMOTE_ADDR=PROXY, HTTP_X_AUTH_REQUEST_USER="viewer")

    response = client.get(reverse("api:me"), REMOTE_ADDR=PROXY, HTTP_X_AUTH_REQUEST_USER="operator")

    assert response.json()["username"] == "operator"


def test_without_header_mode_the_header_is_ignored(client, settings):
    settings.AUTH_PROXY_HEADER = False

    response = client.get(reverse("console:dashboard"), REMOTE_ADDR=PROXY, HTTP_X_AUTH_REQUEST_USER="rubin")

    assert response.status_code == 302
    assert not User.objects.filter(username="rubin").exists()
