"""Notices about the console's configuration and services concern staff: others get nothing, or what matters
to them in their own words (whether their work goes on)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from console import health
from console.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_that_the_jira_sync_is_off_is_shown_to_staff_only(client_for, viewer, staff_user, settings):
    settings.JIRA_SERVER = ""

    for url in (reverse("milestones:dashboard-card"), reverse("milestones:report")):
        assert "Jira sync is off" not in client_for(viewer).get(url).content.decode()
        assert "Jira sync is off (no JIRA_SERVER)" in client_for(staff_user).get(url).content.decode()


@pytest.fixture
def broker_down(monkeypatch):
    monkeypatch.setattr(
        health, "check_broker", lambda: {"ok": False, "transport": "redis", "error": "ConnectionError: refused"}
    )


def test_the_service_card_gives_staff_the_details(client_for, staff_user, broker_down):
    card = client_for(staff_user).get(reverse("dashboard:service-status")).content.decode()

    assert "Broker" in card
    assert "ConnectionError: refused" in card
    assert "No worker has reported yet." in card


def test_the_service_card_tells_others_only_whether_their_work_goes_on(client_for, operator, broker_down):
    card = client_for(operator).get(reverse("dashboard:service-status")).content.decode()

    assert "Database" in card
    assert "Background work: submissions, run updates and e-mails wait until it is back" in card
    assert "Broker" not in card
    assert "ConnectionError" not in card
    assert "Worker " not in card and "No worker" not in card


def test_others_see_that_background_work_runs_when_a_worker_is_alive(client_for, operator, monkeypatch):
    monkeypatch.setattr(health, "check_broker", lambda: {"ok": True, "transport": "redis"})
    WorkerHeartbeat.objects.create(hostname="celery@worker-1", last_seen=timezone.now())

    card = client_for(operator).get(reverse("dashboard:service-status")).content.decode()

    assert '<span class="badge text-bg-success">running</span> Background work' in card
    assert "worker-1" not in card
