"""Identity from the authenticating proxy's X-Auth-Request-User header."""

import ipaddress
import json
import socket

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from console.models import AuditEvent
from tests.console.factories import UserFactory
from tests.support.processes import Console

pytestmark = pytest.mark.django_db

PROXY = "10.1.2.3"
STRANGER = "192.0.2.7"


@pytest.fixture
def header_mode(settings):
    settings.AUTH_PROXY_HEADER = True
    settings.AUTH_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    settings.AUTHENTICATION_BACKENDS = [
        "console.auth.SignInLockoutBackend",
        "console.auth.ProxyHeaderBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]


def test_a_header_from_the_trusted_proxy_signs_in_a_new_user_as_viewer(client, header_mode):
    response = client.get(
        reverse("dashboard:home"),
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
        reverse("dashboard:home"),
        REMOTE_ADDR=PROXY,
        HTTP_X_AUTH_REQUEST_USER="operator",
        HTTP_X_AUTH_REQUEST_EMAIL="new@example.org",
    )

    operator.refresh_from_db()
    assert operator.email == "new@example.org"
    assert list(operator.groups.values_list("name", flat=True)) == ["operator"]


def test_a_header_from_an_untrusted_address_is_refused(client, header_mode):
    response = client.get(reverse("dashboard:home"), REMOTE_ADDR=STRANGER, HTTP_X_AUTH_REQUEST_USER="admin")

    assert response.status_code == 403
    assert b"only from the authenticating proxy" in response.content
    assert not User.objects.filter(username="admin").exists()


def test_an_untrusted_header_is_refused_even_for_a_signed_in_session(client_for, header_mode, viewer):
    response = client_for(viewer).get(reverse("api:me"), REMOTE_ADDR=STRANGER, HTTP_X_AUTH_REQUEST_USER="lead")

    assert response.status_code == 403


def test_a_request_without_the_header_ends_the_proxy_session(client, header_mode):
    client.get(reverse("dashboard:home"), REMOTE_ADDR=PROXY, HTTP_X_AUTH_REQUEST_USER="rubin")

    response = client.get(reverse("dashboard:home"), REMOTE_ADDR=PROXY)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_changed_header_switches_the_user(client, header_mode, viewer, operator):
    client.get(reverse("dashboard:home"), REMOTE_ADDR=PROXY, HTTP_X_AUTH_REQUEST_USER="viewer")

    response = client.get(reverse("api:me"), REMOTE_ADDR=PROXY, HTTP_X_AUTH_REQUEST_USER="operator")

    assert response.json()["username"] == "operator"


def test_without_header_mode_the_header_is_ignored(client, settings):
    settings.AUTH_PROXY_HEADER = False

    response = client.get(reverse("dashboard:home"), REMOTE_ADDR=PROXY, HTTP_X_AUTH_REQUEST_USER="rubin")

    assert response.status_code == 302
    assert not User.objects.filter(username="rubin").exists()


def test_a_header_naming_two_users_is_refused(client, header_mode, viewer, task_force_lead):
    """What a server that merges X-Auth-Request-User and X-Auth-Request_User hands over: no one is signed in."""
    response = client.get(reverse("api:me"), REMOTE_ADDR=PROXY, HTTP_X_AUTH_REQUEST_USER="viewer,lead")

    assert response.status_code == 400
    assert b"must name exactly one user" in response.content
    assert not User.objects.filter(username__contains=",").exists()
    assert "_auth_user_id" not in client.session


# A real gunicorn, spoken to in raw HTTP: the underscore spelling X-Auth-Request_User reaches the WSGI environ
# under the same name as the dashed one, unless the server drops it.

USER_HEADER = "X-Auth-Request-User"
UNDERSCORE_HEADER = "X-Auth-Request_User"


def raw_get(port: int, path: str, headers: list[tuple[str, str]]) -> tuple[int, bytes]:
    """A GET with exactly these header lines (no client library rewrites their names)."""
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers]
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.fixture
def served(transactional_db, tmp_path):
    """``served(trusted=..., gunicorn_args=...)``: the console under gunicorn in header mode, on the test's data."""
    UserFactory(username="viewer", roles=["viewer"])
    UserFactory(username="lead", roles=["task-force-lead"])
    consoles = []

    def serve(*, trusted: str, gunicorn_args: str = "") -> Console:
        env = {"AUTH_PROXY_HEADER": "1", "AUTH_TRUSTED_PROXIES": trusted, "GUNICORN_CMD_ARGS": gunicorn_args}
        console = Console(tmp_path / f"console-{len(consoles)}", env=env)
        consoles.append(console)
        console.start("web")
        return console

    yield serve
    for console in consoles:
        console.close()


def test_gunicorn_from_an_untrusted_address_refuses_the_header_and_drops_its_underscore_twin(served):
    console = served(trusted="10.0.0.0/8")  # the test speaks from 127.0.0.1

    dashed = raw_get(console.port, "/api/v1/me/", [(USER_HEADER, "lead")])
    underscored = raw_get(console.port, "/api/v1/me/", [(UNDERSCORE_HEADER, "lead")])

    assert dashed == (403, b"Identity headers are accepted only from the authenticating proxy.")
    # Never reached the console: the request is simply not signed in.
    assert underscored[0] == 401
    assert not User.objects.filter(last_login__isnull=False).exists()


def test_gunicorn_behind_the_trusted_proxy_takes_the_dashed_header_only(served):
    console = served(trusted="127.0.0.1/32")

    dashed = raw_get(console.port, "/api/v1/me/", [(USER_HEADER, "viewer")])
    underscored = raw_get(console.port, "/api/v1/me/", [(UNDERSCORE_HEADER, "lead")])
    both = raw_get(console.port, "/api/v1/me/", [(USER_HEADER, "viewer"), (UNDERSCORE_HEADER, "lead")])
    reversed_order = raw_get(console.port, "/api/v1/me/", [(UNDERSCORE_HEADER, "lead"), (USER_HEADER, "viewer")])

    assert dashed[0] == 200 and json.loads(dashed[1])["username"] == "viewer"
    assert underscored[0] == 401
    assert both[0] == 200 and json.loads(both[1])["username"] == "viewer"
    assert reversed_order[0] == 200 and json.loads(reversed_order[1])["username"] == "viewer"
    assert not User.objects.get(username="lead").last_login


def test_a_server_that_merges_the_two_spellings_gets_its_identity_refused(served):
    """gunicorn's --header-map dangerous joins both headers into one variable: the console cannot tell which
    one the proxy set, and refuses the request instead of picking one."""
    console = served(trusted="127.0.0.1/32", gunicorn_args="--header-map dangerous")

    both = raw_get(console.port, "/api/v1/me/", [(USER_HEADER, "viewer"), (UNDERSCORE_HEADER, "lead")])

    assert both == (400, b"The identity header must name exactly one user.")
    assert not User.objects.filter(last_login__isnull=False).exists()
