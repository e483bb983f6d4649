"""Adding a seat (an area) to a committee, and removing a vacant seat that never voted; a seat that voted is kept
(vacate it instead). Service, page and API."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from committee.models import Delegation, Seat, Vote
from committee.services import seat_add, seat_remove
from console.errors import Conflict, InvalidInput, NotPermitted
from console.models import AuditEvent
from tests.committee.factories import DecisionFactory, PolicyCommitteeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy():
    return PolicyCommitteeFactory()


@pytest.fixture
def vacant(policy):
    return Seat.objects.create(committee=policy, area="Data Facility")


def vote_for(seat):
    decision = DecisionFactory(committee=seat.committee)
    voter = seat.holder or decision.proposed_by
    return Vote.objects.create(decision=decision, seat=seat, choice="approve", cast_by=voter, cast_at=timezone.now())


# Adding ------------------------------------------------------------------------------------------------------


def test_the_lead_adds_a_vacant_seat(policy, task_force_lead):
    seat = seat_add(actor=task_force_lead, committee=policy, area=" Data Facility ")

    assert (seat.area, seat.holder, seat.chair) == ("Data Facility", None, False)
    event = AuditEvent.objects.get(action="seat.added")
    assert (event.actor, event.object_id, event.after) == (
        task_force_lead,
        str(seat.pk),
        {"committee": "policy", "area": "Data Facility"},
    )


def test_it_refuses_an_area_the_committee_has_a_seat_for(policy, task_force_lead):
    with pytest.raises(Conflict, match="The Policy committee has a seat for 'Middleware' already"):
        seat_add(actor=task_force_lead, committee=policy, area="middleware")

    assert policy.seats.count() == 4


def test_it_refuses_an_empty_area(policy, task_force_lead):
    with pytest.raises(InvalidInput, match="area '': an area has 1 to 100"):
        seat_add(actor=task_force_lead, committee=policy, area="  ")


def test_a_member_may_not_add_a_seat(policy, committee_member):
    with pytest.raises(NotPermitted, match="Only a task force lead may add and remove committee seats"):
        seat_add(actor=committee_member, committee=policy, area="Data Facility")


# Removing ----------------------------------------------------------------------------------------------------


def test_the_lead_removes_a_vacant_seat_that_never_voted(vacant, task_force_lead):
    seat_remove(actor=task_force_lead, seat=vacant)

    assert not Seat.objects.filter(pk=vacant.pk).exists()
    event = AuditEvent.objects.get(action="seat.removed")
    assert event.before == {"committee": "policy", "area": "Data Facility", "delegations": []}


def test_a_seat_that_voted_is_kept_and_the_refusal_offers_to_vacate_it(policy, task_force_lead):
    seat = policy.seats.get(area="Middleware")
    vote_for(seat)

    with pytest.raises(Conflict) as refused:
        seat_remove(actor=task_force_lead, seat=seat)

    assert str(refused.value) == (
        f"The seat Policy committee: Middleware has voted on 1 decision: a seat with votes is kept, so that the "
        f"register shows who voted; vacate it instead (it is held by {seat.holder})."
    )
    assert Seat.objects.filter(pk=seat.pk).exists()
    assert not AuditEvent.objects.filter(action="seat.removed").exists()


def test_a_vacant_seat_that_voted_is_kept_too(vacant, task_force_lead):
    vote_for(vacant)

    with pytest.raises(Conflict, match="a seat with votes is kept, so that the register shows who voted; it stays"):
        seat_remove(actor=task_force_lead, seat=vacant)


def test_a_held_seat_is_vacated_first(policy, task_force_lead):
    seat = policy.seats.get(area="Execution")

    with pytest.raises(Conflict, match=f"is held by {seat.holder}: vacate it first"):
        seat_remove(actor=task_force_lead, seat=seat)


def test_the_chairs_seat_is_kept_until_the_chair_moves(vacant, task_force_lead):
    Seat.objects.filter(pk=vacant.pk).update(chair=True)

    with pytest.raises(Conflict, match="chairs the Policy committee: move the chair to another seat first"):
        seat_remove(actor=task_force_lead, seat=vacant)


def test_a_seat_with_a_current_delegate_is_kept_until_the_delegation_ends(vacant, task_force_lead, committee_member):
    today = timezone.localdate()
    Delegation.objects.create(
        seat=vacant, delegate=committee_member, named_by=task_force_lead, starts_on=today, ends_on=today
    )

    with pytest.raises(Conflict, match="has a delegate from today on .*: end the delegation first"):
        seat_remove(actor=task_force_lead, seat=vacant)


def test_a_seats_past_delegations_go_with_it_and_the_audit_row_lists_them(vacant, task_force_lead, committee_member):
    last_week = timezone.localdate() - timedelta(days=7)
    Delegation.objects.create(
        seat=vacant, delegate=committee_member, named_by=task_force_lead, starts_on=last_week, ends_on=last_week
    )

    seat_remove(actor=task_force_lead, seat=vacant)

    assert not Delegation.objects.exists()
    assert AuditEvent.objects.get(action="seat.removed").before["delegations"] == [
        f"member for Policy committee: Data Facility {last_week}..{last_week}"
    ]


def test_a_member_may_not_remove_a_seat(vacant, committee_member):
    with pytest.raises(NotPermitted):
        seat_remove(actor=committee_member, seat=vacant)

    assert Seat.objects.filter(pk=vacant.pk).exists()


# Pages and API -----------------------------------------------------------------------------------------------


def test_the_page_adds_and_removes_a_seat(client_for, policy, task_force_lead):
    client = client_for(task_force_lead)

    added = client.post(
        reverse("committee:seat-add", kwargs={"slug": "policy"}), {"area": "Data Facility"}, follow=True
    )
    seat = policy.seats.get(area="Data Facility")
    removed = client.post(reverse("committee:seat-remove", kwargs={"seat_pk": seat.pk}), follow=True)

    assert "Seat &#x27;Data Facility&#x27; added to the Policy committee, vacant." in added.content.decode()
    assert "Seat &#x27;Data Facility&#x27; removed from the Policy committee." in removed.content.decode()
    assert not policy.seats.filter(area="Data Facility").exists()


def test_the_page_says_why_a_seat_that_voted_is_kept(client_for, policy, task_force_lead):
    seat = policy.seats.get(area="Middleware")
    vote_for(seat)

    response = client_for(task_force_lead).post(
        reverse("committee:seat-remove", kwargs={"seat_pk": seat.pk}),
        HTTP_REFERER=reverse("committee:committee-list"),
        follow=True,
    )

    assert "a seat with votes is kept" in response.content.decode()
    assert Seat.objects.filter(pk=seat.pk).exists()


def test_the_api_adds_a_seat(client_for, policy, task_force_lead):
    response = client_for(task_force_lead).post(
        "/api/v1/committees/policy/seats/", {"area": "Data Facility"}, content_type="application/json"
    )

    assert response.status_code == 201
    assert (response.json()["area"], response.json()["holder"]) == ("Data Facility", None)


def test_the_api_removes_a_seat(client_for, vacant, task_force_lead):
    response = client_for(task_force_lead).post(
        "/api/v1/committees/policy/remove-seat/", {"seat": vacant.pk}, content_type="application/json"
    )

    assert response.status_code == 200
    assert "Data Facility" not in [seat["area"] for seat in response.json()["seats"]]


def test_the_api_answers_400_for_a_seat_of_another_committee(client_for, vacant, task_force_lead):
    board_seat = PolicyCommitteeFactory(slug="other", name="Other").seats.first()

    response = client_for(task_force_lead).post(
        "/api/v1/committees/policy/remove-seat/", {"seat": board_seat.pk}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "is not a seat of Policy committee" in response.json()["seat"][0]


def test_the_api_answers_409_for_a_seat_that_voted(client_for, policy, task_force_lead):
    seat = policy.seats.get(area="Middleware")
    vote_for(seat)

    response = client_for(task_force_lead).post(
        "/api/v1/committees/policy/remove-seat/", {"seat": seat.pk}, content_type="application/json"
    )

    assert response.status_code == 409
    assert "vacate it instead" in response.json()["detail"]


@pytest.mark.parametrize(("path", "body"), [("seats/", {"area": "Data"}), ("remove-seat/", {"seat": 1})])
def test_the_api_refuses_a_member_with_403(client_for, policy, committee_member, path, body):
    response = client_for(committee_member).post(
        f"/api/v1/committees/policy/{path}", body, content_type="application/json"
    )

    assert response.status_code == 403
    assert policy.seats.count() == 4
