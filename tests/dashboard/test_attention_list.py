"""The dashboard's attention list: what waits for the signed-in person's own act, by role, with its age and a link
to where it is done; an empty list says so."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.choices import CampaignKind, CampaignStatus, SubmissionStatus
from committee.choices import DecisionStatus
from committee.models import Seat
from committee.services import decision_endorse, vote_cast
from dashboard.attention import AttentionKind, attention_items
from milestones.models import EvidenceProposal, Milestone
from milestones.services import milestone_import, milestone_update
from qa.models import Waiver
from tests.campaigns.factories import CampaignFactory, StepFactory, SubmissionFactory
from tests.committee.factories import (
    ChangeControlBoardFactory,
    DecisionFactory,
    LeadershipTeamFactory,
    PolicyCommitteeFactory,
)
from tests.console.factories import UserFactory
from tests.qa.factories import succeeded_run
from tests.releases.factories import BackportRequestFactory

pytestmark = pytest.mark.django_db


def waiting(user) -> list[tuple[str, str]]:
    """(kind, action) of each item waiting for the user, in the list's order."""
    return [(item.kind, item.action) for item in attention_items(user, today=timezone.localdate())]


def holders(committee) -> list:
    return [seat.holder for seat in committee.seats.order_by("area")]


def lead_in_the_leadership_team(lead) -> None:
    """As in the demo: the task force lead holds the leadership team's seat, which endorses."""
    leadership = LeadershipTeamFactory(areas__vacant=True)
    Seat.objects.filter(committee=leadership).update(holder=lead)


# Votes, endorsements, reviews, drafts -------------------------------------------------------------------------


def test_a_committee_member_sees_the_vote_their_seat_owes(client_for):
    policy = PolicyCommitteeFactory()
    member, other = holders(policy)[:2]
    decision = DecisionFactory(committee=policy, title="Use v23.0.0 for DP0.2")
    vote_cast(actor=other, decision=decision, choice="approve")

    response = client_for(member).get(reverse("dashboard:home"))

    [item] = response.context["attention"]
    assert (item.kind, item.action, item.url) == ("vote", "Vote", decision.get_absolute_url())
    assert f"#{decision.pk} Use v23.0.0 for DP0.2" in item.title
    page = response.content.decode()
    assert 'data-testid="attention-action"' in page
    assert f'href="{decision.get_absolute_url()}" data-testid="attention-action">Vote</a>' in page
    # The one who voted already has nothing left to do.
    assert waiting(other) == []


def test_a_vote_cast_takes_the_decision_off_the_list(committee_member):
    policy = PolicyCommitteeFactory()
    member = holders(policy)[0]
    decision = DecisionFactory(committee=policy)
    assert waiting(member) == [("vote", "Vote")]

    vote_cast(actor=member, decision=decision, choice="abstain")

    assert waiting(member) == []


def test_the_lead_sees_the_endorsement_once_the_committee_approves_and_not_after_she_endorses(
    client_for, task_force_lead
):
    lead_in_the_leadership_team(task_force_lead)
    policy = PolicyCommitteeFactory()
    decision = DecisionFactory(committee=policy, title="Adopt the DP0.2 processing policy")
    assert waiting(task_force_lead) == []

    for member in holders(policy):
        vote_cast(actor=member, decision=decision, choice="approve")
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED

    response = client_for(task_force_lead).get(reverse("dashboard:home"))
    [item] = response.context["attention"]
    assert (item.kind, item.action, item.url) == ("endorsement", "Endorse", decision.get_absolute_url())
    assert "takes effect when the leadership team endorses it" in item.detail
    # The decisions card no longer reads as if nothing waited: the approval awaiting endorsement is named.
    assert 'data-testid="awaiting-endorsement"' in response.content.decode()
    # The decisions page lists it under "Awaiting my endorsement" too.
    listed = client_for(task_force_lead).get(reverse("committee:decision-list"))
    assert [d.pk for d in listed.context["awaiting_endorsement"]] == [decision.pk]
    assert 'data-testid="awaiting-my-endorsement"' in listed.content.decode()

    decision_endorse(actor=task_force_lead, decision=decision)

    assert waiting(task_force_lead) == []
    assert (
        list(client_for(task_force_lead).get(reverse("committee:decision-list")).context["awaiting_endorsement"]) == []
    )


def test_only_the_leadership_team_is_asked_to_endorse(client_for, task_force_lead):
    lead_in_the_leadership_team(task_force_lead)
    policy = PolicyCommitteeFactory()
    DecisionFactory(committee=policy, status=DecisionStatus.APPROVED, closed_at=timezone.now())
    member = holders(policy)[0]

    assert waiting(task_force_lead) == [("endorsement", "Endorse")]
    assert waiting(member) == []
    listed = client_for(member).get(reverse("committee:decision-list"))
    assert 'data-testid="awaiting-my-endorsement"' not in listed.content.decode()


def test_a_board_member_sees_the_backport_requests_no_decision_is_drafted_for(ccb_member):
    board = ChangeControlBoardFactory(areas__vacant=True)
    Seat.objects.filter(committee=board, area="Chair").update(holder=ccb_member)
    BackportRequestFactory(rfc_id="RFC-840", title="Fix the astrometry crash")
    drafted = BackportRequestFactory(rfc_id="RFC-841")
    DecisionFactory(committee=board, backport_request=drafted, status=DecisionStatus.DRAFT, opened_at=None)
    BackportRequestFactory(rfc_id="RFC-842", status="under-review")

    items = attention_items(ccb_member, today=timezone.localdate())

    assert [(item.kind, item.action, item.url) for item in items] == [
        ("backport-review", "Review", "/committee/new/?kind=backport&backport_request=RFC-840")
    ]
    assert items[0].title == "RFC-840 Fix the astrometry crash"
    # Someone holding no seat of the board is not asked.
    assert waiting(UserFactory(roles=["ccb-member"])) == []


def test_the_proposer_of_a_draft_is_asked_to_open_it(committee_member):
    draft = DecisionFactory(proposed_by=committee_member, status=DecisionStatus.DRAFT, opened_at=None)
    DecisionFactory(status=DecisionStatus.DRAFT, opened_at=None)

    [item] = attention_items(committee_member, today=timezone.localdate())

    assert (item.kind, item.action, item.url) == ("draft", "Open", draft.get_absolute_url())


# Runs and steps -----------------------------------------------------------------------------------------------


def test_an_operator_sees_the_failed_run_of_their_campaign_until_it_is_restarted(client_for, operator):
    mine = CampaignFactory(name="DP0.2", owner=operator, status=CampaignStatus.RUNNING)
    theirs = CampaignFactory(name="RC6", owner=UserFactory(roles=["operator"]), status=CampaignStatus.RUNNING)
    step = StepFactory(campaign=mine, name="step1")
    failed = SubmissionFactory(
        step=step, status=SubmissionStatus.FAILED, ended_at=timezone.now() - timedelta(days=2), quanta_failed=7
    )
    SubmissionFactory(step=StepFactory(campaign=theirs), status=SubmissionStatus.FAILED, ended_at=timezone.now())

    response = client_for(operator).get(reverse("dashboard:home"))

    [item] = response.context["attention"]
    assert (item.kind, item.action, item.url) == ("failed-run", "Restart", failed.get_absolute_url())
    assert item.title == "DP0.2 / step1: attempt 1 failed"
    assert (item.age_days, item.age) == (2, "2 days")
    assert "waiting 2 days" in response.content.decode()

    SubmissionFactory(step=step, attempt=2, restarts=failed, status=SubmissionStatus.RUNNING)

    assert waiting(operator) == []


def test_the_lead_is_asked_to_accept_the_latest_successful_run_of_each_step(task_force_lead):
    production = CampaignFactory(name="DP0.2", status=CampaignStatus.COMPLETED)
    run = succeeded_run(production, ended_at=timezone.now() - timedelta(days=1))
    succeeded_run(CampaignFactory(name="Mini", kind=CampaignKind.MINI_RUN))
    accepted_step = StepFactory(campaign=CampaignFactory(name="Done"))
    accepted = succeeded_run(accepted_step.campaign)
    accepted.step.accepted_submission, accepted.step.accepted_at = accepted, timezone.now()
    accepted.step.save()

    [item] = attention_items(task_force_lead, today=timezone.localdate())

    assert (item.kind, item.action) == ("step-acceptance", "Accept")
    assert item.url == f"{production.get_absolute_url()}#qa-gate"
    assert item.title == f"DP0.2 / all: run #{run.pk} succeeded"
    assert "or record a waiver" in item.detail
    # Nobody else accepts steps.
    assert waiting(UserFactory(roles=["operator"])) == []


def test_a_waived_run_is_said_to_be_ready_to_accept(task_force_lead):
    run = succeeded_run(CampaignFactory(name="DP0.2"))
    decision = DecisionFactory(status=DecisionStatus.ENDORSED)
    Waiver.objects.create(step=run.step, submission=run, reason="known", decision=decision, granted_by=task_force_lead)

    [item] = attention_items(task_force_lead, today=timezone.localdate())

    assert item.detail == "a waiver allows it: accept the step"


# Milestones -------------------------------------------------------------------------------------------------


def test_a_milestone_owner_sees_their_slipped_and_overdue_milestones(client_for, viewer):
    today = timezone.localdate()
    slipped = Milestone.objects.create(
        jira_key="PREOPS-1",
        title="Slipped",
        due_date=today + timedelta(days=20),
        baseline_due_date=today,
        owner=viewer,
    )
    overdue = Milestone.objects.create(
        jira_key="PREOPS-2", title="Overdue", due_date=today - timedelta(days=5), owner=viewer
    )
    Milestone.objects.create(jira_key="PREOPS-3", title="On time", due_date=today + timedelta(days=5), owner=viewer)
    Milestone.objects.create(
        jira_key="PREOPS-4", title="Done late", due_date=today - timedelta(days=5), status="Done", owner=viewer
    )
    Milestone.objects.create(jira_key="PREOPS-5", title="Someone else's", due_date=today - timedelta(days=5))

    response = client_for(viewer).get(reverse("dashboard:home"))

    items = response.context["attention"]
    assert [(item.kind, item.action, item.url) for item in items] == [
        ("milestone", "Update", overdue.get_absolute_url()),
        ("milestone", "Update", slipped.get_absolute_url()),
    ]
    assert items[0].detail.startswith("overdue 5 days (due ")
    assert items[0].age_days == 5
    assert items[1].detail.startswith(f"slipped 20 days from {today:%Y-%m-%d}")


def test_a_slip_waits_until_a_person_answers_it_and_an_overdue_milestone_until_it_is_done(viewer, task_force_lead):
    today = timezone.localdate()
    slipped = Milestone.objects.create(
        jira_key="PREOPS-1",
        title="Slipped",
        due_date=today + timedelta(days=10),
        baseline_due_date=today + timedelta(days=10),
        owner=viewer,
    )
    overdue = Milestone.objects.create(
        jira_key="PREOPS-2", title="Overdue", due_date=today - timedelta(days=1), owner=viewer
    )
    # The table imported again moves the due date later: a slip nobody has answered yet.
    table = f"milestone\tjira_id\tdue_date\tstatus\nSlipped\tPREOPS-1\t{today + timedelta(days=40)}\tTo Do\n"
    milestone_import(actor=task_force_lead, text=table)
    [item] = [item for item in attention_items(viewer, today=today) if item.title.startswith("PREOPS-1 ")]
    assert item.detail.startswith("slipped 30 days")
    assert item.age == "today"

    milestone_update(actor=viewer, milestone=slipped, forecast_date=today + timedelta(days=35), note="data late")
    milestone_update(actor=viewer, milestone=overdue, forecast_date=today + timedelta(days=5), note="nearly there")

    assert [item.url for item in attention_items(viewer, today=today)] == [overdue.get_absolute_url()]


def test_the_lead_is_asked_to_confirm_milestone_proposals(task_force_lead):
    milestone = Milestone.objects.create(jira_key="PREOPS-154", title="PanDA in place")
    EvidenceProposal.objects.create(
        milestone=milestone,
        kind="campaign-started",
        event="Campaign DP0.2 started",
        proposed_status="Done",
        observed_at=timezone.now(),
    )

    [item] = attention_items(task_force_lead, today=timezone.localdate())

    assert (item.kind, item.action, item.title) == (
        "milestone-proposal",
        "Confirm",
        "PREOPS-154: Campaign DP0.2 started",
    )
    assert waiting(UserFactory(roles=["operator"])) == []


# Order, age and the empty list --------------------------------------------------------------------------------


def test_the_list_puts_the_urgent_first_then_the_longest_waiting(operator):
    policy = PolicyCommitteeFactory()
    Seat.objects.filter(committee=policy, area="Middleware").update(holder=operator)
    now = timezone.now()
    later = DecisionFactory(committee=policy, title="Later", opened_at=now - timedelta(days=1))
    earlier = DecisionFactory(committee=policy, title="Earlier", opened_at=now - timedelta(days=4))
    closing = DecisionFactory(committee=policy, title="Closing", deadline=now + timedelta(hours=5), opened_at=now)
    campaign = CampaignFactory(owner=operator, status=CampaignStatus.RUNNING)
    SubmissionFactory(
        step=StepFactory(campaign=campaign), status=SubmissionStatus.LOST, ended_at=now - timedelta(hours=1)
    )

    items = attention_items(operator, today=timezone.localdate())

    assert [(item.kind, item.urgency) for item in items] == [
        (AttentionKind.FAILED_RUN, 0),
        (AttentionKind.VOTE, 0),
        (AttentionKind.VOTE, 1),
        (AttentionKind.VOTE, 1),
    ]
    assert [item.title for item in items[1:]] == [f"#{d.pk} {d.title}" for d in (closing, earlier, later)]
    assert [item.age for item in items[1:]] == ["today", "4 days", "1 day"]


def test_a_day_is_aged_from_its_first_moment():
    milestone_owner = UserFactory()
    Milestone.objects.create(jira_key="PREOPS-7", title="Late", due_date=date(2031, 1, 1), owner=milestone_owner)

    [item] = attention_items(milestone_owner, today=date(2031, 1, 11))

    assert (item.age_days, item.age) == (10, "10 days")
    assert item.since.date() == date(2031, 1, 1)


def test_an_empty_list_says_nothing_waits(client_for, viewer):
    DecisionFactory()  # someone else's vote

    response = client_for(viewer).get(reverse("dashboard:home"))

    assert response.context["attention"] == []
    assert 'data-testid="attention-empty">Nothing waits for you.</li>' in response.content.decode()
