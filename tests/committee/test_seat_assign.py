"""Giving a seat to a person and vacating it: the holder is an active user with the committee's member role (for
the leadership team, the task force lead role or staff), holding no other seat of the committee. Service, page
and API."""

import pytest
from django.urls import reverse

from committee.models import Seat
from committee.services import seat_assign
from console.errors import Conflict, InvalidInput, NotPermitted
from console.models import AuditEvent
from console.roles import Role
from tests.committee.factories import ChangeControlBoardFactory, LeadershipTeamFactory, PolicyCommitteeFactory
from tests.console.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy():
    return PolicyCommitteeFactory(areas__vacant=True)


@pytest.fixture
def middleware(policy):
    return policy.seats.get(area="Middleware")


def test_the_lead_gives_a_seat_to_a_committee_member(middleware, task_force_lead, committee_member):
    seat = seat_assign(actor=task_force_lead, seat=middleware, holder=committee_member)

    assert Seat.objects.get(pk=seat.pk).holder == committee_member
    event = AuditEvent.objects.get(action="seat.assigned")
    assert (event.actor, event.before, event.after) == (task_force_lead, {"holder": None}, {"holder": "member"})


def test_the_lead_vacates_a_seat(middleware, task_force_lead, committee_member):
    Seat.objects.filter(pk=middleware.pk).update(holder=committee_member)

    seat_assign(actor=task_force_lead, seat=middleware, holder=None)

    assert Seat.objects.get(pk=middleware.pk).holder is None
    event = AuditEvent.objects.get(action="seat.vacated")
    assert (event.before, event.after) == ({"holder": "member"}, {"holder": None})


def test_it_refuses_to_vacate_a_vacant_seat(middleware, task_force_lead):
    with pytest.raises(Conflict, match="The seat Policy committee: Middleware is vacant already"):
        seat_assign(actor=task_force_lead, seat=middleware, holder=None)


def test_it_refuses_an_inactive_user(middleware, task_force_lead):
    gone = UserFactory(username="gone", is_active=False, roles=[Role.COMMITTEE_MEMBER])

    with pytest.raises(InvalidInput, match="gone is not an active user"):
        seat_assign(actor=task_force_lead, seat=middleware, holder=gone)


def test_a_policy_seat_needs_the_committee_member_role(middleware, task_force_lead, ccb_member, staff_user):
    for outsider in (ccb_member, staff_user):
        with pytest.raises(
            InvalidInput,
            match="may not hold a seat of the Policy committee: its seats are for people with the "
            "committee member role",
        ):
            seat_assign(actor=task_force_lead, seat=middleware, holder=outsider)

    assert Seat.objects.get(pk=middleware.pk).holder is None


def test_a_board_seat_needs_the_ccb_member_role(task_force_lead, committee_member, ccb_member):
    seat = ChangeControlBoardFactory(areas__vacant=True).seats.get(area="Member")

    with pytest.raises(InvalidInput, match="the change control board member role"):
        seat_assign(actor=task_force_lead, seat=seat, holder=committee_member)
    seat_assign(actor=task_force_lead, seat=seat, holder=ccb_member)

    assert Seat.objects.get(pk=seat.pk).holder == ccb_member


def test_the_leadership_team_seats_the_lead_or_staff(task_force_lead, committee_member, staff_user):
    team = LeadershipTeamFactory(areas=["Lead", "Deputy"], areas__vacant=True)

    with pytest.raises(InvalidInput, match="its seats are for people with the task force lead role or staff"):
        seat_assign(actor=task_force_lead, seat=team.seats.get(area="Deputy"), holder=committee_member)
    seat_assign(actor=task_force_lead, seat=team.seats.get(area="Lead"), holder=task_force_lead)
    seat_assign(actor=task_force_lead, seat=team.seats.get(area="Deputy"), holder=staff_user)

    assert sorted(team.seats.values_list("holder__username", flat=True)) == ["admin", "lead"]


def test_one_person_holds_one_seat_of_a_committee(policy, middleware, task_force_lead, committee_member):
    seat_assign(actor=task_force_lead, seat=middleware, holder=committee_member)

    with pytest.raises(InvalidInput, match="member holds the seat 'Middleware' of the Policy committee already"):
        seat_assign(actor=task_force_lead, seat=policy.seats.get(area="Execution"), holder=committee_member)
    with pytest.raises(Conflict, match="member holds the seat Policy committee: Middleware already"):
        seat_assign(actor=task_force_lead, seat=middleware, holder=committee_member)


def test_a_member_may_not_assign_seats(middleware, committee_member):
    with pytest.raises(NotPermitted, match="Only a task force lead may assign committee seats"):
        seat_assign(actor=committee_member, seat=middleware, holder=committee_member)

    assert Seat.objects.get(pk=middleware.pk).holder is None


# Pages and API -----------------------------------------------------------------------------------------------


def test_the_page_assigns_and_vacates_a_seat(client_for, middleware, task_force_lead, committee_member):
    client = client_for(task_force_lead)

    assigned = client.post(
        reverse("committee:seat-assign", kwargs={"seat_pk": middleware.pk}), {"holder": "member"}, follow=True
    )
    assert "member holds the seat Policy committee: Middleware now." in assigned.content.decode()
    vacated = client.post(reverse("committee:seat-vacate", kwargs={"seat_pk": middleware.pk}), follow=True)

    assert "The seat Policy committee: Middleware is vacant now." in vacated.content.decode()
    assert Seat.objects.get(pk=middleware.pk).holder is None


def test_the_page_names_an_unknown_user(client_for, middleware, task_force_lead):
    response = client_for(task_force_lead).post(
        reverse("committee:seat-assign", kwargs={"seat_pk": middleware.pk}), {"holder": "nobody"}, follow=True
    )

    assert "No user &#x27;nobody&#x27;." in response.content.decode()


def test_the_page_says_why_a_person_cannot_hold_the_seat(client_for, middleware, task_force_lead, viewer):
    response = client_for(task_force_lead).post(
        reverse("committee:seat-assign", kwargs={"seat_pk": middleware.pk}),
        {"holder": "viewer"},
        HTTP_REFERER=reverse("committee:committee-list"),
        follow=True,
    )

    assert "viewer may not hold a seat of the Policy committee" in response.content.decode()


def test_the_api_assigns_and_vacates_a_seat(client_for, middleware, task_force_lead, committee_member):
    client = client_for(task_force_lead)
    url = "/api/v1/committees/policy/holder/"

    assigned = client.post(url, {"seat": middleware.pk, "holder": "member"}, content_type="application/json")
    vacated = client.post(url, {"seat": middleware.pk, "holder": None}, content_type="application/json")

    assert assigned.status_code == vacated.status_code == 200
    holders = [{s["area"]: s["holder"] for s in response.json()["seats"]} for response in (assigned, vacated)]
    assert (holders[0]["Middleware"], holders[1]["Middleware"]) == ("member", None)


def test_the_api_answers_400_naming_the_holder(client_for, middleware, task_force_lead):
    response = client_for(task_force_lead).post(
        "/api/v1/committees/policy/holder/",
        {"seat": middleware.pk, "holder": "nobody"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "holder" in response.json()


def test_the_api_answers_400_for_an_ineligible_holder(client_for, middleware, task_force_lead, viewer):
    response = client_for(task_force_lead).post(
        "/api/v1/committees/policy/holder/",
        {"seat": middleware.pk, "holder": "viewer"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "viewer may not hold a seat of the Policy committee" in response.json()["detail"]


def test_the_api_refuses_a_member_with_403(client_for, middleware, committee_member):
    response = client_for(committee_member).post(
        "/api/v1/committees/policy/holder/",
        {"seat": middleware.pk, "holder": "member"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert Seat.objects.get(pk=middleware.pk).holder is None
