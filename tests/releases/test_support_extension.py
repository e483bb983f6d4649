"""Extending support: the task force lead's recorded act, the one way an ended release goes back into support."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from console.errors import Conflict, InvalidInput, NotPermitted
from console.models import AuditEvent
from releases.choices import ReleaseStatus
from releases.services import (
    release_end_support,
    release_mark_supported,
    release_set_support_until,
    release_withdraw,
    releases_support_expire,
)
from tests.releases.factories import SupportedReleaseFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 7, 15)


def ended_by_the_schedule():
    release = SupportedReleaseFactory(version="v23.0.0", approved_on=date(2025, 6, 30), support_until=date(2026, 6, 30))
    releases_support_expire(today=TODAY)
    release.refresh_from_db()
    assert release.status == ReleaseStatus.END_OF_SUPPORT
    return release


def test_the_lead_extends_an_ended_release_back_into_support_with_an_audit_row(task_force_lead):
    release = ended_by_the_schedule()

    extended = release_set_support_until(
        actor=task_force_lead, release=release, support_until=date(2026, 12, 31), today=TODAY
    )

    assert (extended.status, extended.support_until) == (ReleaseStatus.SUPPORTED, date(2026, 12, 31))
    event = AuditEvent.objects.get(action="release.support-extended")
    assert (event.actor, event.object_id) == (task_force_lead, str(release.pk))
    assert event.before == {
        "status": "end-of-support",
        "approved_on": "2025-06-30",
        "support_until": "2026-06-30",
        "withdrawn_on": None,
    }
    assert (event.after["status"], event.after["support_until"]) == ("supported", "2026-12-31")


def test_extension_refuses_a_past_day_and_accepts_today(task_force_lead):
    release = ended_by_the_schedule()

    with pytest.raises(InvalidInput, match="the last day of support must be today \\(2026-07-14\\) or later"):
        release_set_support_until(
            actor=task_force_lead, release=release, support_until=date(2026, 7, 13), today=date(2026, 7, 14)
        )
    release.refresh_from_db()
    assert release.status == ReleaseStatus.END_OF_SUPPORT
    assert not AuditEvent.objects.filter(action__in=["release.support-extended", "release.support-window-changed"])

    extended = release_set_support_until(
        actor=task_force_lead, release=release, support_until=date(2026, 7, 14), today=date(2026, 7, 14)
    )
    assert extended.status == ReleaseStatus.SUPPORTED


def test_an_ended_release_is_not_put_back_into_support_any_other_way(task_force_lead):
    release = ended_by_the_schedule()

    with pytest.raises(Conflict, match="v23.0.0 is end-of-support; extend its support window"):
        release_mark_supported(actor=task_force_lead, release=release, support_until=date(2027, 1, 1))

    release.refresh_from_db()
    assert release.status == ReleaseStatus.END_OF_SUPPORT


def test_only_the_lead_extends_support(operator):
    release = ended_by_the_schedule()

    with pytest.raises(NotPermitted):
        release_set_support_until(actor=operator, release=release, support_until=date(2027, 1, 1), today=TODAY)


def test_a_withdrawn_release_cannot_be_extended(task_force_lead):
    release = release_withdraw(actor=task_force_lead, release=SupportedReleaseFactory(version="v23.0.0"))

    with pytest.raises(Conflict, match="v23.0.0 is withdrawn; its support window is closed"):
        release_set_support_until(actor=task_force_lead, release=release, support_until=date(2099, 1, 1))
    assert release.withdrawn_on == timezone.localdate()


def test_ending_support_early_records_today_as_the_last_day(task_force_lead):
    release = SupportedReleaseFactory(version="v23.0.0", approved_on=date(2026, 1, 1), support_until=date(2027, 1, 1))

    ended = release_end_support(actor=task_force_lead, release=release, today=TODAY)

    assert (ended.status, ended.support_until) == (ReleaseStatus.END_OF_SUPPORT, TODAY)
    event = AuditEvent.objects.get(action="release.support-ended")
    assert (event.before["support_until"], event.after["support_until"]) == ("2027-01-01", "2026-07-15")


def test_the_page_extends_an_ended_release(client_for, task_force_lead):
    release = ended_by_the_schedule()
    until = timezone.localdate() + timedelta(days=90)

    response = client_for(task_force_lead).post(
        reverse("releases:release-support-window", kwargs={"version": "v23.0.0"}),
        {"support_until": until.isoformat()},
        follow=True,
    )

    release.refresh_from_db()
    assert (release.status, release.support_until) == (ReleaseStatus.SUPPORTED, until)
    assert f"v23.0.0 is supported again, until {until:%Y-%m-%d}." in response.content.decode()


def test_the_api_refuses_a_past_day_for_an_ended_release_with_400(client_for, task_force_lead):
    ended_by_the_schedule()
    url = reverse("api:release-support-window", kwargs={"version": "v23.0.0"})
    past = timezone.localdate() - timedelta(days=1)

    refused = client_for(task_force_lead).post(
        url, {"support_until": past.isoformat()}, content_type="application/json"
    )
    future = (timezone.localdate() + timedelta(days=30)).isoformat()
    extended = client_for(task_force_lead).post(url, {"support_until": future}, content_type="application/json")

    assert refused.status_code == 400
    assert "to extend its support, the last day of support must be today" in refused.json()["detail"]
    assert (extended.status_code, extended.json()["status"]) == (200, "supported")
