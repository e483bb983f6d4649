"""Sign-in with a password is locked after repeated failures, per user name and per address (django-axes)."""

import ipaddress
from datetime import datetime, timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from console.models import AuditEvent
from console.ratelimit import client_address
from tests.console.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
OFFICE = "192.0.2.10"
ELSEWHERE = "198.51.100.20"


@pytest.fixture
def limit(settings) -> int:
    """The documented default: ten failures, then a quarter of an hour."""
    assert settings.AXES_FAILURE_LIMIT == 10
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    return settings.AXES_FAILURE_LIMIT


def lock_end(attempt_time: datetime) -> datetime:
    """A quarter of an hour after the last failure, to the next whole second."""
    end = attempt_time + timedelta(minutes=15)
    return end.replace(microsecond=0) + timedelta(seconds=1) if end.microsecond else end


def sign_in(client: Client, username: str, password: str, *, address: str = OFFICE, path: str = "/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_a_hundred_wrong_passwords_lock_the_user_name_and_then_the_right_one_is_refused(client, operator, limit):
    answers = [sign_in(client, "operator", f"guess-{n}").status_code for n in range(100)]

    right = sign_in(client, "operator", PASSWORD)

    assert answers[: limit - 1] == [200] * (limit - 1)  # the sign-in page again, "did not match"
    assert answers[limit - 1 :] == [429] * (100 - limit + 1)
    assert right.status_code == 429
    assert not is_signed_in(client)
    # Attempts refused during the lockout are not counted.
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == limit


def test_the_lockout_page_says_why_and_when_to_try_again(client, operator, limit):
    for n in range(limit):
        response = sign_in(client, "operator", f"guess-{n}")

    assert response.status_code == 429
    assert "registration/locked_out.html" in [template.name for template in response.templates]
    locked_until = response.context["locked_until"]
    assert locked_until == lock_end(AccessAttempt.objects.get().attempt_time)
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60 + 1  # to the whole second
    page = response.content.decode()
    assert f"Too many failed sign-ins for this user name or from this address ({limit} in a row)" in page
    assert f'Try again after <strong><time datetime="{locked_until.isoformat()}">' in page
    assert f"{locked_until:%Y-%m-%d %H:%M:%S} UTC</time></strong>" in page
    assert "(in 15 minutes)" in page
    assert "A member of staff can unlock it." in page


def test_a_user_name_is_locked_whatever_the_address_the_guesses_come_from(client, operator, limit):
    for n in range(limit):
        sign_in(client, "operator", f"guess-{n}", address=f"203.0.113.{n + 1}")

    assert sign_in(Client(), "operator", PASSWORD, address=ELSEWHERE).status_code == 429
    # Another user from a fresh address is not affected.
    UserFactory(username="viewer-two")
    other = Client()
    assert sign_in(other, "viewer-two", PASSWORD, address=ELSEWHERE).status_code == 302
    assert is_signed_in(other)


def test_an_address_trying_many_user_names_is_locked_for_every_name(client, operator, limit):
    for n in range(limit):
        sign_in(client, f"someone-{n}", "guess", address=OFFICE)

    assert sign_in(Client(), "operator", PASSWORD, address=OFFICE).status_code == 429
    # The same person from elsewhere signs in.
    elsewhere = Client()
    assert sign_in(elsewhere, "operator", PASSWORD, address=ELSEWHERE).status_code == 302
    assert is_signed_in(elsewhere)


def test_fewer_failures_than_the_limit_leave_the_right_password_working(client, operator, limit):
    for n in range(limit - 1):
        sign_in(client, "operator", f"guess-{n}")

    assert sign_in(client, "operator", PASSWORD).status_code == 302
    assert is_signed_in(client)


def test_the_admins_sign_in_is_locked_too(client, staff_user, limit):
    admin_login = reverse("admin:login")
    answers = [sign_in(client, "admin", f"guess-{n}", path=admin_login).status_code for n in range(limit)]

    right = sign_in(client, "admin", PASSWORD, path=admin_login)

    assert answers == [200] * (limit - 1) + [429]
    assert right.status_code == 429
    assert "registration/locked_out.html" in [template.name for template in right.templates]
    assert not is_signed_in(client)
    # And the console's own sign-in page, for the same name.
    assert sign_in(Client(), "admin", PASSWORD, address=ELSEWHERE).status_code == 429


def test_the_lock_lifts_a_cool_off_after_the_last_counted_failure(client, operator, limit):
    for n in range(limit):
        sign_in(client, "operator", f"guess-{n}")
    assert sign_in(client, "operator", PASSWORD).status_code == 429

    # A quarter of an hour later.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))

    assert sign_in(client, "operator", PASSWORD).status_code == 302
    assert is_signed_in(client)


def test_a_lockout_is_recorded_once_in_the_audit_trail(client, operator, limit):
    for n in range(limit + 5):
        sign_in(client, "operator", f"guess-{n}")

    event = AuditEvent.objects.get(action="sign-in.locked-out")
    assert (event.object_type, event.object_id, event.actor_id, event.actor_name) == (
        "auth.user",
        str(operator.pk),
        None,
        OFFICE,
    )
    locked_until = lock_end(AccessAttempt.objects.get().attempt_time)
    assert event.after == {
        "username": "operator",
        "address": OFFICE,
        "failures": limit,
        "locked_until": locked_until.isoformat(),
        "path": "/login/",
    }


def test_a_lockout_for_a_name_that_is_no_user_is_recorded_on_the_attempts(client, limit):
    for n in range(limit):
        sign_in(client, "nobody", f"guess-{n}")

    event = AuditEvent.objects.get(action="sign-in.locked-out")
    assert (event.object_type, event.object_id) == ("axes.accessattempt", str(AccessAttempt.objects.get().pk))
    assert event.after["username"] == "nobody"
    assert not User.objects.filter(username="nobody").exists()


def test_staff_unlock_in_the_admin_and_the_unlock_is_audited(client, client_for, operator, staff_user, limit):
    for n in range(limit):
        sign_in(client, "operator", f"guess-{n}")
    attempt = AccessAttempt.objects.get()

    response = client_for(staff_user).post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert sign_in(client, "operator", PASSWORD).status_code == 302
    event = AuditEvent.objects.get(action="sign-in.unlocked")
    assert (event.actor_name, event.object_type, event.object_id) == ("admin", "auth.user", str(operator.pk))
    assert event.before == {"username": "operator", "address": OFFICE, "failures": limit}


def test_staff_unlock_a_user_name_with_axes_reset_username(client, operator, limit):
    for n in range(limit):
        sign_in(client, "operator", f"guess-{n}")

    call_command("axes_reset_username", "operator", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert sign_in(client, "operator", PASSWORD).status_code == 302


def test_the_proxys_identity_header_is_neither_counted_nor_refused(client, settings, limit):
    proxy = "10.1.2.3"
    settings.AUTH_PROXY_HEADER = True
    settings.AUTH_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    settings.AUTHENTICATION_BACKENDS = [
        "console.auth.SignInLockoutBackend",
        "console.auth.ProxyHeaderBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    # Every request comes from the proxy: its address is locked for passwords after these.
    for n in range(limit):
        sign_in(Client(), f"someone-{n}", "guess", address=proxy)

    response = Client().get(reverse("dashboard:home"), REMOTE_ADDR=proxy, HTTP_X_AUTH_REQUEST_USER="rubin")

    assert response.status_code == 200
    assert response.context["user"].username == "rubin"
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == limit


def test_code_that_checks_a_password_without_a_request_is_not_counted(operator, limit):
    client = Client()

    assert client.login(username="operator", password=PASSWORD)
    assert not Client().login(username="operator", password="wrong")
    assert not AccessAttempt.objects.exists()


def test_behind_a_listed_proxy_each_client_is_counted_by_its_forwarded_address(client, operator, settings, limit):
    ingress = "10.9.8.7"
    settings.FORWARDED_FOR_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    for n in range(limit):
        client.post(
            "/login/",
            {"username": f"someone-{n}", "password": "guess"},
            REMOTE_ADDR=ingress,
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, {OFFICE}",  # the first written by the client itself
        )

    office = Client().post(
        "/login/", {"username": "operator", "password": PASSWORD}, REMOTE_ADDR=ingress, HTTP_X_FORWARDED_FOR=OFFICE
    )
    colleague = Client().post(
        "/login/", {"username": "operator", "password": PASSWORD}, REMOTE_ADDR=ingress, HTTP_X_FORWARDED_FOR=ELSEWHERE
    )

    assert office.status_code == 429
    assert colleague.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {OFFICE}


def test_the_forwarded_address_is_believed_only_from_a_listed_proxy(settings):
    settings.FORWARDED_FOR_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    requests = RequestFactory()

    def address(remote: str, forwarded: str | None = None) -> str | None:
        extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        return client_address(requests.get("/", REMOTE_ADDR=remote, **extra))

    assert address(OFFICE, "1.2.3.4") == OFFICE  # not from a proxy: the header is the client's own
    assert address("10.0.0.1", f"1.2.3.4, {OFFICE}") == OFFICE
    assert address("10.0.0.1", f"{OFFICE}, 10.0.0.2") == OFFICE  # through two proxies
    assert address("10.0.0.1", "not-an-address") == "10.0.0.1"
    assert address("10.0.0.1") == "10.0.0.1"
