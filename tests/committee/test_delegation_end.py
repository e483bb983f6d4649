"""Ending a delegation early, by whoever may name one (the seat holder, the chair's holder, the task force lead).

It ends at once: a delegation that started before today now ends yesterday (its delegate votes no more, today
included); one that starts today or later is removed. Either way the audit row ``seat.delegation-ended`` keeps
its delegate and period."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from committee import selectors
from committee.models import Delegation
from committee.services import delegation_end
from console.errors import Conflict, NotPermitted
from console.models import AuditEvent
from tests.committee.factories import ChangeControlBoardFactory, PolicyCommitteeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    board = ChangeControlBoardFactory()
    board.seats.filter(area="Chair").update(chair=True)
    return board


@pytest.fixture
def member_seat(board):
    return board.seats.get(area="Member")


def delegation_for(seat, delegate, *, starts: int, ends: int) -> Delegation:
    """A delegation from ``starts`` to ``ends`` days from today."""
    today = timezone.localdate()
    return Delegation.objects.create(
        seat=seat,
        delegate=delegate,
        named_by=seat.holder,
        starts_on=today + timedelta(days=starts),
        ends_on=today + timedelta(days=ends),
    )


def test_the_holder_ends_a_started_delegation_yesterday(member_seat, ccb_member):
    delegation = delegation_for(member_seat, ccb_member, starts=-3, ends=4)
    today = timezone.localdate()

    ended = delegation_end(actor=member_seat.holder, delegation=delegation)

    assert ended.ends_on == today - timedelta(days=1)
    assert Delegation.objects.get(pk=delegation.pk).ends_on == today - timedelta(days=1)
    assert selectors.seats_voted_for_by(ccb_member, member_seat.committee, today) == []
    event = AuditEvent.objects.get(action="seat.delegation-ended")
    assert (event.actor, event.object_id) == (member_seat.holder, str(member_seat.pk))
    assert event.before == {
        "delegate": "ccb",
        "starts_on": str(today - timedelta(days=3)),
        "ends_on": str(today + timedelta(days=4)),
    }
    assert event.after == {"ends_on": str(today - timedelta(days=1))}


@pytest.mark.parametrize("starts", [0, 2])
def test_a_delegation_that_starts_today_or_later_is_removed(member_seat, ccb_member, starts):
    delegation = delegation_for(member_seat, ccb_member, starts=starts, ends=starts + 3)

    assert delegation_end(actor=member_seat.holder, delegation=delegation) is None

    assert not Delegation.objects.exists()
    event = AuditEvent.objects.get(action="seat.delegation-ended")
    assert event.after == {"removed": True}
    assert event.before["delegate"] == "ccb"


def test_the_chairs_holder_ends_a_delegation_of_another_seat(board, member_seat, ccb_member):
    chair = board.seats.get(area="Chair")
    delegation = delegation_for(member_seat, ccb_member, starts=-1, ends=1)

    delegation_end(actor=chair.holder, delegation=delegation)

    assert AuditEvent.objects.get(action="seat.delegation-ended").actor == chair.holder


def test_the_lead_ends_a_delegation(member_seat, ccb_member, task_force_lead):
    delegation = delegation_for(member_seat, ccb_member, starts=-1, ends=1)

    delegation_end(actor=task_force_lead, delegation=delegation)

    assert Delegation.objects.get().ends_on == timezone.localdate() - timedelta(days=1)


def test_the_holder_of_another_seat_may_not_end_it(board, ccb_member):
    chair, member = board.seats.get(area="Chair"), board.seats.get(area="Member")
    delegation = delegation_for(chair, ccb_member, starts=-1, ends=1)

    with pytest.raises(
        NotPermitted,
        match="Only the holder of the seat Change control board: Chair, the chair of the Change control board or "
        "the task force lead may end its delegation",
    ):
        delegation_end(actor=member.holder, delegation=delegation)

    assert Delegation.objects.get().ends_on == delegation.ends_on
    assert not AuditEvent.objects.exists()


def test_someone_without_a_seat_may_not_end_one(member_seat, ccb_member, viewer):
    delegation = delegation_for(member_seat, ccb_member, starts=-1, ends=1)

    with pytest.raises(NotPermitted, match="Only a seat holder or the task force lead may end a seat's delegation"):
        delegation_end(actor=viewer, delegation=delegation)


def test_it_refuses_a_delegation_that_is_over(member_seat, ccb_member):
    delegation = delegation_for(member_seat, ccb_member, starts=-5, ends=-1)

    with pytest.raises(Conflict, match=r"The delegation of ccb for Change control board: Member ended on .* already"):
        delegation_end(actor=member_seat.holder, delegation=delegation)


# Pages and API -----------------------------------------------------------------------------------------------


def test_the_holder_sees_the_end_button_and_uses_it(client_for, member_seat, ccb_member):
    delegation = delegation_for(member_seat, ccb_member, starts=-2, ends=2)
    client = client_for(member_seat.holder)

    page = client.get(reverse("committee:committee-list")).content.decode()
    response = client.post(reverse("committee:delegation-end", kwargs={"pk": delegation.pk}), follow=True)

    assert f'data-testid="delegation-end-{delegation.pk}"' in page
    assert "ccb votes for the seat no more" in response.content.decode()
    assert not Delegation.objects.get().is_active_on(timezone.localdate())


def test_no_end_button_for_a_past_delegation_nor_for_others(client_for, board, member_seat, ccb_member, viewer):
    current = delegation_for(member_seat, ccb_member, starts=-2, ends=2)
    past = delegation_for(member_seat, ccb_member, starts=-9, ends=-5)
    url = reverse("committee:committee-list")

    holders_page = client_for(member_seat.holder).get(url).content.decode()
    chairs_page = client_for(board.seats.get(area="Chair").holder).get(url).content.decode()

    assert f'data-testid="delegation-end-{current.pk}"' in holders_page
    assert f'data-testid="delegation-end-{past.pk}"' not in holders_page
    # The chair's holder may end it too; the viewer may not.
    assert f'data-testid="delegation-end-{current.pk}"' in chairs_page
    assert 'data-testid="delegation-end-' not in client_for(viewer).get(url).content.decode()


def test_a_seat_holder_does_not_see_the_end_button_of_another_seat(client_for, ccb_member):
    policy = PolicyCommitteeFactory()
    middleware, execution = policy.seats.get(area="Middleware"), policy.seats.get(area="Execution")
    delegation = delegation_for(middleware, execution.holder, starts=-1, ends=1)

    page = client_for(execution.holder).get(reverse("committee:committee-list")).content.decode()

    assert f'data-testid="delegation-end-{delegation.pk}"' not in page


def test_the_api_ends_a_delegation(client_for, member_seat, ccb_member):
    delegation = delegation_for(member_seat, ccb_member, starts=-2, ends=2)

    response = client_for(member_seat.holder).post(
        "/api/v1/committees/dmccb/end-delegation/", {"delegation": delegation.pk}, content_type="application/json"
    )

    assert response.status_code == 200
    seat = next(seat for seat in response.json()["seats"] if seat["id"] == member_seat.pk)
    assert seat["delegations"][0]["ends_on"] == str(timezone.localdate() - timedelta(days=1))


def test_the_api_answers_400_naming_the_delegation(client_for, member_seat, ccb_member):
    other = PolicyCommitteeFactory().seats.get(area="Middleware")
    elsewhere = delegation_for(other, other.committee.seats.get(area="Execution").holder, starts=-1, ends=1)
    client = client_for(member_seat.holder)

    wrong_type = client.post(
        "/api/v1/committees/dmccb/end-delegation/", {"delegation": "x"}, content_type="application/json"
    )
    wrong_committee = client.post(
        "/api/v1/committees/dmccb/end-delegation/", {"delegation": elsewhere.pk}, content_type="application/json"
    )

    assert wrong_type.status_code == wrong_committee.status_code == 400
    assert "delegation" in wrong_type.json()
    assert "is not of a seat of Change control board" in wrong_committee.json()["delegation"][0]


def test_the_api_refuses_the_holder_of_another_seat_and_a_viewer_with_403(client_for, board, ccb_member, viewer):
    delegation = delegation_for(board.seats.get(area="Chair"), ccb_member, starts=-1, ends=1)

    for user in (board.seats.get(area="Member").holder, viewer):
        response = client_for(user).post(
            "/api/v1/committees/dmccb/end-delegation/", {"delegation": delegation.pk}, content_type="application/json"
        )
        assert response.status_code == 403

    assert Delegation.objects.get().ends_on == delegation.ends_on
