"""Moving a committee's chair to another of its seats: one chair per committee. Service, page and API."""

import pytest
from django.urls import reverse

from committee.services import committee_move_chair
from console.errors import Conflict, InvalidInput, NotPermitted
from console.models import AuditEvent
from tests.committee.factories import ChangeControlBoardFactory, PolicyCommitteeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    board = ChangeControlBoardFactory()
    board.seats.filter(area="Chair").update(chair=True)
    return board


def chairs(committee) -> list[str]:
    return list(committee.seats.filter(chair=True).values_list("area", flat=True))


def test_the_lead_moves_the_chair_to_another_seat(board, task_force_lead):
    committee_move_chair(actor=task_force_lead, committee=board, seat=board.seats.get(area="Member"))

    assert chairs(board) == ["Member"]
    event = AuditEvent.objects.get(action="committee.chair-moved")
    assert (event.object_id, event.before, event.after) == (str(board.pk), {"chair": "Chair"}, {"chair": "Member"})


def test_a_committee_without_a_chair_gets_one(task_force_lead):
    policy = PolicyCommitteeFactory()

    committee_move_chair(actor=task_force_lead, committee=policy, seat=policy.seats.get(area="Execution"))

    assert chairs(policy) == ["Execution"]
    assert AuditEvent.objects.get(action="committee.chair-moved").before == {"chair": None}


def test_it_refuses_the_seat_that_chairs_already(board, task_force_lead):
    with pytest.raises(Conflict, match="The seat Change control board: Chair chairs the Change control board already"):
        committee_move_chair(actor=task_force_lead, committee=board, seat=board.seats.get(area="Chair"))


def test_it_refuses_a_seat_of_another_committee(board, task_force_lead):
    other = PolicyCommitteeFactory().seats.get(area="Middleware")

    with pytest.raises(InvalidInput, match="is not a seat of the Change control board"):
        committee_move_chair(actor=task_force_lead, committee=board, seat=other)

    assert chairs(board) == ["Chair"]


def test_a_member_may_not_move_the_chair(board, ccb_member):
    with pytest.raises(NotPermitted, match="Only a task force lead may move a committee's chair"):
        committee_move_chair(actor=ccb_member, committee=board, seat=board.seats.get(area="Member"))


def test_the_page_moves_the_chair(client_for, board, task_force_lead):
    member = board.seats.get(area="Member")

    response = client_for(task_force_lead).post(
        reverse("committee:seat-chair", kwargs={"seat_pk": member.pk}), follow=True
    )

    assert "The seat &#x27;Member&#x27; chairs the Change control board now." in response.content.decode()
    assert chairs(board) == ["Member"]


def test_the_api_moves_the_chair(client_for, board, task_force_lead):
    member = board.seats.get(area="Member")

    response = client_for(task_force_lead).post(
        "/api/v1/committees/dmccb/chair/", {"seat": member.pk}, content_type="application/json"
    )

    assert response.status_code == 200
    assert [seat["area"] for seat in response.json()["seats"] if seat["chair"]] == ["Member"]


def test_the_api_answers_400_naming_the_seat(client_for, board, task_force_lead):
    response = client_for(task_force_lead).post(
        "/api/v1/committees/dmccb/chair/", {"seat": "Member"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "seat" in response.json()


def test_the_api_refuses_a_member_with_403(client_for, board, ccb_member):
    member = board.seats.get(area="Member")

    response = client_for(ccb_member).post(
        "/api/v1/committees/dmccb/chair/", {"seat": member.pk}, content_type="application/json"
    )

    assert response.status_code == 403
    assert chairs(board) == ["Chair"]
