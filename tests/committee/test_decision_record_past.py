"""A decision taken before the console is recorded after the fact, with its real dates and outcome: it ends in its
real status, takes effect on its real day when it is in effect, and is marked as recorded after the fact."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from campaigns.preflight import release_problems
from committee.choices import DecisionKind, DecisionStatus
from committee.models import Decision, ReleaseApproval
from committee.services import decision_record_past
from console.errors import Conflict, InvalidInput, NotPermitted
from console.models import AuditEvent
from releases.choices import BackportStatus, ReleaseStatus
from releases.services import release_record_history
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import ChangeControlBoardFactory, PolicyCommitteeFactory
from tests.releases.factories import BackportRequestFactory, ReleaseFactory, SupportedReleaseFactory

pytestmark = pytest.mark.django_db

OPENED, CLOSED, ENDORSED = date(2021, 6, 14), date(2021, 6, 28), date(2021, 7, 5)


def record_v23(actor, **changes) -> Decision:
    """The policy committee's 2021 decision to run DP0.2 with v23.0.0, as the meeting took it."""
    values = {
        "committee": PolicyCommitteeFactory(),
        "kind": DecisionKind.PIPELINE_VERSION,
        "title": "Use v23.0.0 for DP0.2",
        "proposal": "Process DP0.2 with the science pipelines v23.0.0.",
        "release": ReleaseFactory(version="v23.0.0"),
        "campaigns": [CampaignFactory(name="DP0.2")],
        "opened_on": OPENED,
        "closed_on": CLOSED,
        "outcome": DecisionStatus.APPROVED,
        "endorsed_on": ENDORSED,
        "outcome_summary": "4 approve, 0 reject",
        **changes,
    }
    return decision_record_past(actor=actor, **values)


def test_a_2021_decision_approves_its_release_for_its_campaign_from_its_endorsement_day(task_force_lead):
    decision = record_v23(task_force_lead)

    decision.refresh_from_db()
    assert decision.status == DecisionStatus.ENDORSED and decision.in_effect
    assert (timezone.localdate(decision.opened_at), timezone.localdate(decision.closed_at)) == (OPENED, CLOSED)
    assert timezone.localdate(decision.endorsed_at) == ENDORSED
    approval = ReleaseApproval.objects.get()
    assert (approval.campaign.name, approval.decision, timezone.localdate(approval.approved_at)) == (
        "DP0.2",
        decision,
        ENDORSED,
    )
    release = approval.release
    assert (release.status, release.approved_on, release.support_until) == (
        ReleaseStatus.APPROVED,
        ENDORSED,
        ENDORSED + timedelta(days=365),
    )


def test_it_is_marked_as_recorded_after_the_fact_without_votes(task_force_lead):
    decision = record_v23(task_force_lead)

    assert decision.recorded_after_the_fact
    assert (decision.recorded_by, timezone.localdate(decision.recorded_at)) == (task_force_lead, timezone.localdate())
    assert decision.outcome_summary == "recorded after the fact: 4 approve, 0 reject"
    assert not decision.votes.exists()
    assert decision.endorsed_by is None


def test_the_audit_row_carries_the_dates(task_force_lead):
    decision = record_v23(task_force_lead)

    event = AuditEvent.objects.get(action="decision.recorded-after-the-fact")
    assert (event.object_id, event.actor) == (str(decision.pk), task_force_lead)
    dates = ("status", "opened_on", "closed_on", "endorsed_on", "campaigns")
    assert {field: event.after[field] for field in dates} == {
        "status": "endorsed",
        "opened_on": "2021-06-14",
        "closed_on": "2021-06-28",
        "endorsed_on": "2021-07-05",
        "campaigns": ["DP0.2"],
    }


def test_an_outcome_summary_left_empty_says_no_votes_were_cast_in_the_console(task_force_lead):
    decision = record_v23(task_force_lead, outcome_summary="")

    assert decision.outcome_summary == "recorded after the fact; no votes in the console"


def test_a_refused_endorsement_approves_nothing(task_force_lead):
    decision = record_v23(task_force_lead, endorsement_refused=True)

    assert decision.status == DecisionStatus.ENDORSEMENT_REFUSED and not decision.in_effect
    assert not ReleaseApproval.objects.exists()
    decision.release.refresh_from_db()
    assert (decision.release.status, decision.release.approved_on) == (ReleaseStatus.CANDIDATE, None)


def test_a_refused_endorsement_needs_its_day(task_force_lead):
    with pytest.raises(InvalidInput, match="on which day the leadership team refused"):
        record_v23(task_force_lead, endorsed_on=None, endorsement_refused=True)


def test_an_approval_not_endorsed_yet_awaits_endorsement_and_approves_nothing(task_force_lead):
    decision = record_v23(task_force_lead, endorsed_on=None)

    assert decision.status == DecisionStatus.APPROVED and decision.awaits_endorsement
    assert not ReleaseApproval.objects.exists()


@pytest.mark.parametrize("outcome", [DecisionStatus.REJECTED, DecisionStatus.EXPIRED])
def test_a_rejected_or_expired_decision_ends_so_and_approves_nothing(task_force_lead, outcome):
    decision = record_v23(task_force_lead, outcome=outcome, endorsed_on=None)

    assert decision.status == outcome
    assert not ReleaseApproval.objects.exists()


def test_only_an_approval_is_endorsed(task_force_lead):
    with pytest.raises(InvalidInput, match="Only an approved decision is endorsed"):
        record_v23(task_force_lead, outcome=DecisionStatus.REJECTED)


def test_an_unknown_outcome_is_refused(task_force_lead):
    with pytest.raises(InvalidInput, match="Unknown outcome 'endorsed'"):
        record_v23(task_force_lead, outcome=DecisionStatus.ENDORSED, endorsed_on=None)


def test_a_release_already_approved_keeps_its_approval(task_force_lead):
    release = SupportedReleaseFactory(version="v23.0.0", approved_on=date(2021, 5, 3), support_until=date(2099, 1, 1))

    record_v23(task_force_lead, release=release)

    release.refresh_from_db()
    assert (release.status, release.approved_on) == (ReleaseStatus.SUPPORTED, date(2021, 5, 3))
    assert ReleaseApproval.objects.get().campaign.name == "DP0.2"


def test_a_release_whose_support_ended_since_is_approved_for_the_days_it_was_supported(task_force_lead):
    release = ReleaseFactory(version="v23.0.0")
    release_record_history(
        actor=task_force_lead, release=release, approved_on=date(2021, 7, 1), support_until=date(2022, 6, 30)
    )

    record_v23(task_force_lead, release=release)

    release.refresh_from_db()
    assert (release.status, release.approved_on) == (ReleaseStatus.END_OF_SUPPORT, date(2021, 7, 1))
    campaign = ReleaseApproval.objects.get().campaign
    # Approved for the campaign, but its support has ended: it takes no new submissions.
    assert release_problems(campaign, release) == [
        "v23.0.0 is end-of-support: its support ended on 2022-06-30; it takes no new submissions."
    ]


def test_a_decision_dated_after_the_release_support_ended_is_refused(task_force_lead):
    release = ReleaseFactory(version="v23.0.0")
    release_record_history(
        actor=task_force_lead, release=release, approved_on=date(2021, 7, 1), support_until=date(2022, 6, 30)
    )

    with pytest.raises(Conflict, match="v23.0.0 is end-of-support; it cannot be approved"):
        record_v23(task_force_lead, release=release, closed_on=date(2023, 1, 9), endorsed_on=date(2023, 1, 10))

    assert not Decision.objects.exists()


def test_a_board_decision_concludes_its_backport_request(task_force_lead):
    backport = BackportRequestFactory(rfc_id="RFC-812")

    decision = decision_record_past(
        actor=task_force_lead,
        committee=ChangeControlBoardFactory(),
        kind=DecisionKind.BACKPORT,
        title="Backport DM-30000 to v23",
        proposal="Backport the fix of the flux calibration.",
        backport_request=backport,
        opened_on=OPENED,
        closed_on=CLOSED,
        outcome=DecisionStatus.APPROVED,
    )

    backport.refresh_from_db()
    assert (decision.status, decision.in_effect, backport.status) == (
        DecisionStatus.APPROVED,
        True,
        BackportStatus.APPROVED,
    )


def test_the_board_decisions_are_not_endorsed(task_force_lead):
    with pytest.raises(InvalidInput, match="Only the policy committee's decisions are endorsed"):
        decision_record_past(
            actor=task_force_lead,
            committee=ChangeControlBoardFactory(),
            kind=DecisionKind.OPERATIONAL,
            title="Weekly meetings",
            proposal="Meet every Tuesday.",
            opened_on=OPENED,
            closed_on=CLOSED,
            outcome=DecisionStatus.APPROVED,
            endorsed_on=ENDORSED,
        )


def test_the_subject_is_checked_as_for_a_live_decision(task_force_lead):
    with pytest.raises(InvalidInput, match="names the release and the campaigns"):
        record_v23(task_force_lead, campaigns=[])


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ({"opened_on": date(2021, 6, 14), "closed_on": "tomorrow"}, r"The closing date \S+ is in the future"),
        ({"closed_on": "today", "endorsed_on": "tomorrow"}, r"The endorsement date \S+ is in the future"),
        ({"opened_on": date(1999, 12, 31)}, "The opening date 1999-12-31 is before 2000-01-01"),
        ({"closed_on": date(2021, 6, 1)}, r"cannot close \(2021-06-01\) before it opened \(2021-06-14\)"),
        ({"endorsed_on": date(2021, 6, 27)}, r"cannot have answered \(2021-06-27\) before the vote closed"),
    ],
)
def test_dates_in_the_future_too_old_or_out_of_order_are_refused(task_force_lead, dates, message):
    today = timezone.localdate()
    named = {"today": today, "tomorrow": today + timedelta(days=1)}
    dates = {field: named.get(value, value) for field, value in dates.items()}

    with pytest.raises(InvalidInput, match=message):
        record_v23(task_force_lead, **dates)

    assert not Decision.objects.exists()


def test_today_is_the_latest_day(task_force_lead):
    today = timezone.localdate()

    decision = record_v23(task_force_lead, closed_on=today, endorsed_on=today)

    assert decision.status == DecisionStatus.ENDORSED
    assert timezone.localdate(ReleaseApproval.objects.get().approved_at) == today


def test_a_committee_member_may_not_record_history(committee_member):
    with pytest.raises(NotPermitted, match="Only a task force lead may record decisions taken before the console"):
        record_v23(committee_member)

    assert not Decision.objects.exists()


def test_staff_may_record_history(staff_user):
    assert record_v23(staff_user).recorded_by == staff_user
