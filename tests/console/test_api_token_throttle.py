"""Failed API token authentications are counted per address: past the limit, 429 with Retry-After."""

import secrets
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.support.processes import Console, ConsoleProcess

pytestmark = pytest.mark.django_db

ATTACKER = "192.0.2.66"
SOMEONE_ELSE = "198.51.100.7"


@pytest.fixture
def limit(settings) -> int:
    """The documented default: twenty failures from one address every five minutes."""
    assert (settings.API_TOKEN_FAILURE_LIMIT, settings.API_TOKEN_FAILURE_WINDOW) == (20, 300)
    return settings.API_TOKEN_FAILURE_LIMIT


def call_with_token(key: str, *, address: str = ATTACKER):
    return Client().get(reverse("api:release-list"), HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR=address)


def test_random_tokens_from_one_address_get_429_with_retry_after_past_the_limit(limit):
    answers = [call_with_token(secrets.token_hex(20)).status_code for _ in range(limit + 5)]

    assert answers == [401] * limit + [429] * 5
    refused = call_with_token(secrets.token_hex(20))
    assert 1 <= int(refused["Retry-After"]) <= 300
    assert refused.json()["detail"] == (
        f"Too many failed token authentications: at most {limit} every 300 seconds from one address. "
        f"Try again in {refused['Retry-After']} seconds."
    )


def test_past_the_limit_a_valid_token_from_that_address_is_refused_too(viewer, limit):
    token = Token.objects.create(user=viewer)
    for _ in range(limit):
        call_with_token(secrets.token_hex(20))

    assert call_with_token(token.key).status_code == 429


def test_valid_tokens_are_not_counted_and_other_addresses_are_not_limited(viewer, limit):
    token = Token.objects.create(user=viewer)
    answers = [call_with_token(token.key).status_code for _ in range(limit + 5)]
    for _ in range(limit - 1):
        call_with_token(secrets.token_hex(20))

    assert answers == [200] * (limit + 5)
    assert call_with_token(token.key).status_code == 200  # limit - 1 failures so far: still within it
    for _ in range(5):
        call_with_token(secrets.token_hex(20))
    assert call_with_token(token.key).status_code == 429
    assert call_with_token(token.key, address=SOMEONE_ELSE).status_code == 200


def test_a_malformed_token_header_counts_as_a_failure(settings):
    settings.API_TOKEN_FAILURE_LIMIT = 2
    malformed = [
        Client().get(reverse("api:release-list"), HTTP_AUTHORIZATION=header, REMOTE_ADDR=ATTACKER).status_code
        for header in ("Token", "Token a b", "Token x")
    ]

    assert malformed == [401, 401, 429]


def test_requests_without_a_token_are_not_counted(client_for, viewer, settings):
    settings.API_TOKEN_FAILURE_LIMIT = 1
    anonymous = [Client().get(reverse("api:release-list"), REMOTE_ADDR=ATTACKER).status_code for _ in range(3)]
    session = client_for(viewer).get(reverse("api:release-list"), REMOTE_ADDR=ATTACKER)

    assert anonymous == [401, 401, 401]
    assert session.status_code == 200


class TwoWebWorkers(Console):
    """The console's web server as ``make run`` starts it: gunicorn with two worker processes, logging each
    request with the pid of the worker that answered it."""

    def _spawn(self, name: str) -> ConsoleProcess:
        if name != "web":
            return super()._spawn(name)
        command = [
            *(sys.executable, "-m", "gunicorn", "project.wsgi", "--bind", f"127.0.0.1:{self.port}"),
            *("--workers", "2", "--timeout", "30", "--graceful-timeout", "5"),
            *("--access-logfile", "-", "--access-logformat", "answered-by %(p)s %(s)s"),
        ]
        return ConsoleProcess(name, command, self.env, self.directory / "web.log")


def test_two_web_workers_answer_exactly_the_limit_of_failures_between_them(transactional_db, tmp_path):
    """The embedded default (no CACHE_URL): both workers count in the same table, so together they answer the
    documented number of failures with 401 and refuse the rest, not that number each."""
    limit = 10
    env = {"API_TOKEN_FAILURE_LIMIT": str(limit), "CACHE_URL": ""}
    console = TwoWebWorkers(tmp_path, env=env)
    try:
        console.start("web")
        url = f"{console.url}/api/v1/releases/"

        def call(_):
            return requests.get(url, headers={"Authorization": f"Token {secrets.token_hex(20)}"}, timeout=60)

        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = Counter(response.status_code for response in pool.map(call, range(60)))
        console.stop("web")
        workers = {line.split()[1] for line in console.stopped[-1].output().splitlines() if "answered-by" in line}
    finally:
        console.close()

    assert answers == {401: limit, 429: 60 - limit}
    assert len(workers) == 2, "one worker answered every request: nothing was shared"
