"""Naming a delegate: who names one (the seat holder, the committee's chair, the task force lead), who may be one
(someone the committee allows), and for how long (a bounded period)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from committee.models import Delegation
from committee.services import committee_create, delegation_create
from committee.services.committees import DELEGATION_AHEAD_DAYS, DELEGATION_BACKDATED_DAYS, DELEGATION_MAX_DAYS
from console.errors import InvalidInput, NotPermitted
from console.models import AuditEvent
from console.roles import Role
from tests.committee.factories import ChangeControlBoardFactory, LeadershipTeamFactory, PolicyCommitteeFactory
from tests.console.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy():
    return PolicyCommitteeFactory()


@pytest.fixture
def middleware(policy):
    return policy.seats.get(area="Middleware")


@pytest.fixture
def board():
    board = ChangeControlBoardFactory()
    board.seats.filter(area="Chair").update(chair=True)
    return board


def name(seat, delegate, *, actor=None, starts_on=None, ends_on=None) -> Delegation:
    today = timezone.localdate()
    return delegation_create(
        actor=actor or seat.holder,
        seat=seat,
        delegate=delegate,
        starts_on=starts_on or today,
        ends_on=ends_on or (starts_on or today) + timedelta(days=6),
    )


def delegate_url(seat) -> str:
    return reverse("committee:delegation-create", kwargs={"seat_pk": seat.pk})


def api_url(committee) -> str:
    return reverse("api:committee-delegations", kwargs={"slug": committee.slug})


# Who may be a delegate ---------------------------------------------------------------------------------


def test_a_person_with_the_committee_member_role_may_stand_in_for_a_policy_seat(middleware, committee_member):
    delegation = name(middleware, committee_member)

    assert delegation.delegate == committee_member
    assert AuditEvent.objects.filter(action="seat.delegate-named").exists()


def test_it_refuses_a_delegate_without_the_committees_role_or_a_seat(middleware, viewer, ccb_member):
    for outsider in (viewer, ccb_member):
        with pytest.raises(InvalidInput, match="may not stand in for a seat of the Policy committee: its delegates"):
            name(middleware, outsider)

    assert not Delegation.objects.exists()


def test_a_ccb_member_may_stand_in_on_the_board_not_on_the_policy_committee(board, middleware, ccb_member):
    member_seat = board.seats.get(area="Member")

    name(member_seat, ccb_member)

    with pytest.raises(InvalidInput, match="people with the committee member role or holders of its seats"):
        name(middleware, ccb_member)
    assert Delegation.objects.get().seat == member_seat


def test_the_holder_of_another_seat_of_the_committee_may_stand_in(board):
    chair, member = board.seats.get(area="Chair"), board.seats.get(area="Member")
    # The factory's holders have the committee-member role only: a seat of the board is what makes them eligible.
    assert not member.holder.groups.filter(name=Role.CCB_MEMBER).exists()

    delegation = name(chair, member.holder)

    assert delegation.delegate == member.holder


def test_the_leadership_teams_delegates_hold_one_of_its_seats(committee_member):
    team = LeadershipTeamFactory(areas=["Lead", "Deputy"])
    lead_seat, deputy = team.seats.get(area="Lead"), team.seats.get(area="Deputy")

    with pytest.raises(InvalidInput, match="its delegates are holders of its seats"):
        name(lead_seat, committee_member)
    name(lead_seat, deputy.holder)

    assert Delegation.objects.get().delegate == deputy.holder


def test_a_staff_user_without_the_role_is_no_delegate(middleware):
    staff = UserFactory(username="admin", is_staff=True, is_superuser=True)

    with pytest.raises(InvalidInput, match="admin may not stand in"):
        name(middleware, staff)


def test_the_task_force_lead_may_not_make_herself_a_delegate_on_a_board_she_does_not_sit_on(board, task_force_lead):
    seat = board.seats.get(area="Member")

    with pytest.raises(InvalidInput, match="lead may not stand in for a seat of the Change control board"):
        name(seat, task_force_lead, actor=task_force_lead)

    assert not Delegation.objects.exists()


def test_the_task_force_lead_still_names_an_eligible_delegate(board, task_force_lead, ccb_member):
    delegation = name(board.seats.get(area="Member"), ccb_member, actor=task_force_lead)

    assert delegation.named_by == task_force_lead


# Who names a delegate ----------------------------------------------------------------------------------


def test_the_chair_names_a_delegate_for_another_seat_of_the_committee(board, ccb_member):
    chair, member = board.seats.get(area="Chair"), board.seats.get(area="Member")

    delegation = name(member, ccb_member, actor=chair.holder)

    assert (delegation.seat, delegation.named_by) == (member, chair.holder)


def test_the_holder_of_a_seat_that_is_not_the_chair_names_no_delegate_for_another(board, ccb_member):
    chair, member = board.seats.get(area="Chair"), board.seats.get(area="Member")

    with pytest.raises(NotPermitted, match="the chair of the Change control board or the task force lead"):
        name(chair, ccb_member, actor=member.holder)

    assert not Delegation.objects.exists()


def test_the_chair_of_another_committee_names_no_delegate_here(board, middleware, committee_member):
    chair = board.seats.get(area="Chair")

    with pytest.raises(NotPermitted, match="Only the holder of the seat Policy committee: Middleware"):
        name(middleware, committee_member, actor=chair.holder)


def test_a_committee_is_created_with_its_chair(task_force_lead):
    board = committee_create(
        actor=None,
        name="Change control board",
        slug="dmccb",
        kind="change-control",
        areas=("Chair", "Member"),
        chair="Chair",
    )

    assert list(board.seats.filter(chair=True).values_list("area", flat=True)) == ["Chair"]
    with pytest.raises(InvalidInput, match="The chair 'Head' is not one of the areas"):
        committee_create(actor=None, name="Other", slug="other", kind="policy", areas=("Data",), chair="Head")


# For how long ----------------------------------------------------------------------------------------------


def test_a_delegation_may_start_a_few_days_back_and_last_up_to_the_limit(middleware, committee_member):
    today = timezone.localdate()
    starts_on = today - timedelta(days=DELEGATION_BACKDATED_DAYS)

    delegation = name(
        middleware, committee_member, starts_on=starts_on, ends_on=starts_on + timedelta(days=DELEGATION_MAX_DAYS - 1)
    )

    assert delegation.is_active_on(today)


def test_it_refuses_a_delegation_that_started_long_ago(middleware, committee_member):
    starts_on = timezone.localdate() - timedelta(days=DELEGATION_BACKDATED_DAYS + 1)

    with pytest.raises(InvalidInput, match=f"starts at most {DELEGATION_BACKDATED_DAYS} days back"):
        name(middleware, committee_member, starts_on=starts_on, ends_on=timezone.localdate())

    assert not Delegation.objects.exists()


def test_it_refuses_a_delegation_that_starts_far_ahead(middleware, committee_member):
    starts_on = timezone.localdate() + timedelta(days=DELEGATION_AHEAD_DAYS + 1)

    with pytest.raises(InvalidInput, match=f"and {DELEGATION_AHEAD_DAYS} days ahead"):
        name(middleware, committee_member, starts_on=starts_on)


@pytest.mark.parametrize("ends_on", [None, date(9999, 12, 31)])
def test_it_refuses_a_delegation_longer_than_the_limit(middleware, committee_member, ends_on):
    today = timezone.localdate()
    ends_on = ends_on or today + timedelta(days=DELEGATION_MAX_DAYS)

    with pytest.raises(InvalidInput, match=f"lasts at most {DELEGATION_MAX_DAYS} days"):
        name(middleware, committee_member, starts_on=today, ends_on=ends_on)

    assert not Delegation.objects.exists()


# The page and the API ---------------------------------------------------------------------------------


def test_the_page_refuses_an_ineligible_delegate_with_a_message(client_for, middleware, viewer):
    today = timezone.localdate()

    response = client_for(middleware.holder).post(
        delegate_url(middleware),
        {"delegate": "viewer", "starts_on": today, "ends_on": today},
        HTTP_REFERER=reverse("committee:committee-list"),
        follow=True,
    )

    assert "viewer may not stand in for a seat of the Policy committee" in response.content.decode()
    assert not Delegation.objects.exists()


def test_the_page_refuses_an_unbounded_period_with_a_message(client_for, middleware, committee_member):
    today = timezone.localdate()

    response = client_for(middleware.holder).post(
        delegate_url(middleware),
        {"delegate": "member", "starts_on": today, "ends_on": today + timedelta(days=2 * 365)},
        HTTP_REFERER=reverse("committee:committee-list"),
        follow=True,
    )

    assert f"A delegation lasts at most {DELEGATION_MAX_DAYS} days" in response.content.decode()
    assert not Delegation.objects.exists()


def test_the_chair_sees_the_delegation_form_of_the_other_seats_and_uses_it(client_for, board, ccb_member):
    chair, member = board.seats.get(area="Chair"), board.seats.get(area="Member")
    client = client_for(chair.holder)
    today = timezone.localdate()

    page = client.get(reverse("committee:committee-list")).content.decode()
    response = client.post(delegate_url(member), {"delegate": "ccb", "starts_on": today, "ends_on": today})

    assert f'data-testid="delegation-form-{member.pk}"' in page
    assert 'data-testid="chair">chair' in page
    assert response.status_code == 302
    assert Delegation.objects.get().named_by == chair.holder


def test_the_api_refuses_the_lead_as_her_own_delegate_on_the_board(client_for, board, task_force_lead):
    today = timezone.localdate()
    seat = board.seats.get(area="Member")

    response = client_for(task_force_lead).post(
        api_url(board),
        {"seat": seat.pk, "delegate": "lead", "starts_on": today.isoformat(), "ends_on": today.isoformat()},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "lead may not stand in for a seat of the Change control board" in response.json()["detail"]
    assert not Delegation.objects.exists()


def test_the_api_refuses_a_period_that_starts_years_back(client_for, middleware, committee_member):
    today = timezone.localdate()

    response = client_for(middleware.holder).post(
        api_url(middleware.committee),
        {
            "seat": middleware.pk,
            "delegate": "member",
            "starts_on": (today - timedelta(days=3 * 365)).isoformat(),
            "ends_on": today.isoformat(),
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert f"starts at most {DELEGATION_BACKDATED_DAYS} days back" in response.json()["detail"]
