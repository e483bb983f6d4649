"""A release approved before the console is recorded with its real approval day and support end, past or future:
its status follows from those days, and it is marked as recorded after the fact."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from campaigns.preflight import release_problems
from console.errors import Conflict, InvalidInput, NotPermitted
from console.models import AuditEvent
from releases.choices import ReleaseStatus
from releases.services import backport_request_create, release_record_history
from tests.campaigns.factories import SubmittableCampaignFactory
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


def test_a_release_approved_in_2021_with_support_ended_in_2022_is_end_of_support(task_force_lead):
    release = ReleaseFactory(version="v23.0.0")

    release = release_record_history(
        actor=task_force_lead, release=release, approved_on=date(2021, 7, 5), support_until=date(2022, 7, 4)
    )

    release.refresh_from_db()
    assert (release.status, release.approved_on, release.support_until) == (
        ReleaseStatus.END_OF_SUPPORT,
        date(2021, 7, 5),
        date(2022, 7, 4),
    )
    assert release.recorded_after_the_fact
    assert (release.recorded_by, timezone.localdate(release.recorded_at)) == (task_force_lead, timezone.localdate())


def test_it_then_refuses_submissions_and_backports(task_force_lead, operator):
    campaign = SubmittableCampaignFactory(name="DP0.2", release=ReleaseFactory(version="v23.0.0"))

    release_record_history(
        actor=task_force_lead, release=campaign.release, approved_on=date(2021, 7, 5), support_until=date(2022, 7, 4)
    )

    campaign.release.refresh_from_db()
    assert release_problems(campaign, campaign.release) == [
        "v23.0.0 is end-of-support: its support ended on 2022-07-04; it takes no new submissions."
    ]
    with pytest.raises(Conflict, match="its support ended on 2022-07-04; it takes no backport requests"):
        backport_request_create(
            actor=operator,
            rfc_id="RFC-900",
            ticket="DM-30001",
            title="Fix the zero points",
            rationale="Wrong zero points in tract 3828.",
            target_release=campaign.release,
        )


def test_a_support_end_ahead_keeps_it_supported_by_default_one_year_on(task_force_lead):
    approved_on = timezone.localdate() - timedelta(days=100)

    release = release_record_history(actor=task_force_lead, release=ReleaseFactory(), approved_on=approved_on)

    assert (release.status, release.support_until) == (ReleaseStatus.SUPPORTED, approved_on + timedelta(days=365))
    assert release.support_days_left() == 265


def test_a_withdrawal_day_makes_it_withdrawn(task_force_lead):
    release = release_record_history(
        actor=task_force_lead,
        release=ReleaseFactory(version="v22.0.0"),
        approved_on=date(2021, 3, 1),
        withdrawn_on=date(2021, 4, 2),
    )

    assert (release.status, release.withdrawn_on) == (ReleaseStatus.WITHDRAWN, date(2021, 4, 2))
    assert release.closed_reason(timezone.localdate()) == "v22.0.0 is withdrawn since 2021-04-02"


def test_the_audit_row_has_before_and_after(task_force_lead):
    release = ReleaseFactory(version="v23.0.0")

    release_record_history(
        actor=task_force_lead, release=release, approved_on=date(2021, 7, 5), support_until=date(2022, 7, 4)
    )

    event = AuditEvent.objects.get(action="release.recorded-after-the-fact")
    assert (event.actor, event.object_id) == (task_force_lead, str(release.pk))
    assert event.before == {"status": "candidate", "approved_on": None, "support_until": None, "withdrawn_on": None}
    assert event.after == {
        "status": "end-of-support",
        "approved_on": "2021-07-05",
        "support_until": "2022-07-04",
        "withdrawn_on": None,
    }


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ({"approved_on": "tomorrow"}, r"The approval date \S+ is in the future"),
        ({"approved_on": date(1999, 6, 1)}, "The approval date 1999-06-01 is before 2000-01-01"),
        ({"support_until": date(2021, 7, 4)}, r"Support cannot end \(2021-07-04\) before the approval"),
        ({"withdrawn_on": date(2021, 7, 1)}, r"cannot be withdrawn \(2021-07-01\) before its approval"),
        ({"withdrawn_on": "tomorrow"}, r"The withdrawal date \S+ is in the future"),
    ],
)
def test_bad_days_are_refused(task_force_lead, dates, message):
    release = ReleaseFactory(version="v23.0.0")
    tomorrow = timezone.localdate() + timedelta(days=1)
    values = {"approved_on": date(2021, 7, 5)} | {
        field: tomorrow if value == "tomorrow" else value for field, value in dates.items()
    }

    with pytest.raises(InvalidInput, match=message):
        release_record_history(actor=task_force_lead, release=release, **values)

    release.refresh_from_db()
    assert (release.status, release.recorded_at) == (ReleaseStatus.CANDIDATE, None)


def test_a_weekly_build_has_no_approval_to_record(task_force_lead):
    weekly = ReleaseFactory(version="w.2021.28")

    with pytest.raises(Conflict, match="w.2021.28 is a weekly build"):
        release_record_history(actor=task_force_lead, release=weekly, approved_on=date(2021, 7, 20))


def test_a_withdrawn_release_is_refused(task_force_lead):
    release = ReleaseFactory(status=ReleaseStatus.WITHDRAWN)

    with pytest.raises(Conflict, match="withdrawn; its history is closed"):
        release_record_history(actor=task_force_lead, release=release, approved_on=date(2021, 7, 5))


def test_an_operator_may_not(operator):
    with pytest.raises(NotPermitted, match="Only a task force lead may record the history of releases"):
        release_record_history(actor=operator, release=ReleaseFactory(), approved_on=date(2021, 7, 5))


def test_staff_may(staff_user):
    release = release_record_history(actor=staff_user, release=ReleaseFactory(), approved_on=date(2021, 7, 5))

    assert release.recorded_by == staff_user
