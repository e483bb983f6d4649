"""/healthz: database and broker reachability, without sign-in."""

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_when_database_and_broker_are_reachable(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


def test_healthz_answers_503_and_names_the_broker_when_it_is_unreachable(client, settings):
    # Port 9 (discard) on loopback: nothing listens there.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert body["broker"]["transport"] == "redis"
    assert "Connection refused" in body["broker"]["error"]
