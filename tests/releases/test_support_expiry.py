"""The daily end of support windows: a supported release whose last day of support has passed becomes
end-of-support, by the schedule's task, audited with the schedule as the actor, and safe to run twice."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from console.models import AuditEvent
from releases.choices import ReleaseStatus
from releases.services import (
    SUPPORT_SCHEDULE,
    release_set_support_until,
    release_support_expire,
    release_withdraw,
    releases_support_expire,
)
from releases.tasks import end_expired_support_task
from tests.releases.factories import ReleaseFactory, SupportedReleaseFactory

pytestmark = pytest.mark.django_db

LAST_DAY = date(2026, 6, 30)


def supported_until(last_day: date, version: str = "v23.0.0"):
    return SupportedReleaseFactory(version=version, approved_on=last_day - timedelta(days=365), support_until=last_day)


def test_a_release_is_left_supported_on_its_last_day():
    release = supported_until(LAST_DAY)

    assert releases_support_expire(today=LAST_DAY) == {"ended": []}

    release.refresh_from_db()
    assert release.status == ReleaseStatus.SUPPORTED
    assert not AuditEvent.objects.exists()


def test_a_release_ends_the_day_after_its_last_day_with_an_audit_row_of_the_schedule():
    release = supported_until(LAST_DAY)

    assert releases_support_expire(today=LAST_DAY + timedelta(days=1)) == {"ended": ["v23.0.0"]}

    release.refresh_from_db()
    assert (release.status, release.support_until) == (ReleaseStatus.END_OF_SUPPORT, LAST_DAY)
    event = AuditEvent.objects.get(action="release.support-ended", object_id=str(release.pk))
    assert (event.actor, event.actor_name) == (None, SUPPORT_SCHEDULE)
    assert (event.before["status"], event.after["status"]) == ("supported", "end-of-support")


def test_running_twice_ends_it_once():
    release = supported_until(LAST_DAY)
    day_after = LAST_DAY + timedelta(days=1)

    first = releases_support_expire(today=day_after)
    second = releases_support_expire(today=day_after)

    assert (first, second) == ({"ended": ["v23.0.0"]}, {"ended": []})
    assert release_support_expire(release_id=release.pk, today=day_after) is None
    assert AuditEvent.objects.filter(action="release.support-ended").count() == 1


def test_only_supported_releases_past_their_last_day_move():
    ended_late = supported_until(LAST_DAY - timedelta(days=10), version="v21.0.0")
    still_supported = supported_until(LAST_DAY + timedelta(days=10), version="v24.0.0")
    approved = ReleaseFactory(version="v25.0.0", status=ReleaseStatus.APPROVED, support_until=LAST_DAY)
    withdrawn = ReleaseFactory(version="v20.0.0", status=ReleaseStatus.WITHDRAWN, support_until=LAST_DAY)

    assert releases_support_expire(today=LAST_DAY + timedelta(days=1)) == {"ended": ["v21.0.0"]}

    for release in (ended_late, still_supported, approved, withdrawn):
        release.refresh_from_db()
    assert {r.version: r.status for r in (ended_late, still_supported, approved, withdrawn)} == {
        "v21.0.0": ReleaseStatus.END_OF_SUPPORT,
        "v24.0.0": ReleaseStatus.SUPPORTED,
        "v25.0.0": ReleaseStatus.APPROVED,
        "v20.0.0": ReleaseStatus.WITHDRAWN,
    }


def test_a_window_extended_or_a_release_withdrawn_meanwhile_is_left_alone(task_force_lead):
    extended = supported_until(LAST_DAY, version="v23.0.0")
    withdrawn = supported_until(LAST_DAY, version="v22.0.0")
    day_after = LAST_DAY + timedelta(days=1)
    # The lead acts between the task's reading of what is due and its move of each release.
    release_set_support_until(actor=task_force_lead, release=extended, support_until=LAST_DAY + timedelta(days=90))
    release_withdraw(actor=task_force_lead, release=withdrawn)

    assert release_support_expire(release_id=extended.pk, today=day_after) is None
    assert release_support_expire(release_id=withdrawn.pk, today=day_after) is None
    extended.refresh_from_db()
    assert extended.status == ReleaseStatus.SUPPORTED
    assert not AuditEvent.objects.filter(action="release.support-ended").exists()


def test_the_task_ends_what_passed_by_the_console_s_date():
    yesterday = timezone.localdate() - timedelta(days=1)
    passed = supported_until(yesterday, version="v23.0.0")
    last_day = supported_until(timezone.localdate(), version="v24.0.0")

    assert end_expired_support_task.delay().get() == {"ended": ["v23.0.0"]}
    assert end_expired_support_task.delay().get() == {"ended": []}

    passed.refresh_from_db()
    last_day.refresh_from_db()
    assert (passed.status, last_day.status) == (ReleaseStatus.END_OF_SUPPORT, ReleaseStatus.SUPPORTED)


def test_beat_runs_the_task():
    from project.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["end-expired-support"]

    assert entry["task"] == end_expired_support_task.name == "releases.tasks.end_expired_support"
    assert entry["task"] in app.tasks
    assert entry["options"]["expires"] < entry["schedule"]
