"""The committees page's management controls: the task force lead and staff see them (a new committee, the quorum
rule, seats added and removed, holders assigned and vacated, the chair moved) and they work; nobody else sees
them, and no one sees a control the authorization table does not let them use."""

import re

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from committee.models import Seat, Vote
from tests.authorization.table import CCB, LEAD, MEMBER, OPERATOR, STAFF, VIEWER, role_may
from tests.committee.factories import ChangeControlBoardFactory, DecisionFactory, PolicyCommitteeFactory

pytestmark = pytest.mark.django_db

CONTROLS = ("committee-create-link", "quorum-form-", "seat-add-", "seat-assign-", "seat-vacate-", "seat-chair-")
POST_ACTIONS = re.compile(r'<form method="post" action="([^"]+)"')


@pytest.fixture
def committees(committee_member, ccb_member):
    policy = PolicyCommitteeFactory()
    policy.seats.filter(area="Middleware").update(holder=committee_member)
    board = ChangeControlBoardFactory()
    board.seats.filter(area="Chair").update(holder=ccb_member, chair=True)
    Seat.objects.create(committee=policy, area="Data Facility")
    return policy, board


def page_for(client_for, user) -> str:
    return client_for(user).get(reverse("committee:committee-list")).content.decode()


@pytest.mark.parametrize("who", ["task_force_lead", "staff_user"])
def test_the_lead_and_staff_see_the_management_controls(request, client_for, committees, who):
    page = page_for(client_for, request.getfixturevalue(who))

    for control in CONTROLS:
        assert f'data-testid="{control}' in page, control
    vacant = Seat.objects.get(area="Data Facility")
    assert f'data-testid="seat-remove-{vacant.pk}"' in page


@pytest.mark.parametrize("who", ["committee_member", "ccb_member", "viewer", "operator"])
def test_others_see_no_management_control(request, client_for, committees, who):
    page = page_for(client_for, request.getfixturevalue(who))

    for control in (*CONTROLS, "seat-remove-"):
        assert f'data-testid="{control}' not in page, control
    assert ">Manage<" not in page


def test_a_seat_that_voted_offers_no_removal_but_says_it_is_kept(client_for, committees, task_force_lead):
    policy, _ = committees
    seat = policy.seats.get(area="Middleware")
    decision = DecisionFactory(committee=policy)
    Vote.objects.create(decision=decision, seat=seat, choice="approve", cast_by=seat.holder, cast_at=timezone.now())
    Seat.objects.filter(pk=seat.pk).update(holder=None)

    page = page_for(client_for, task_force_lead)

    assert f'data-testid="seat-remove-{seat.pk}"' not in page
    assert f'data-testid="seat-kept-{seat.pk}">kept: it voted' in page


def test_the_controls_work_from_the_page(client_for, committees, task_force_lead, committee_member):
    policy, board = committees
    client = client_for(task_force_lead)
    vacant = Seat.objects.get(area="Data Facility")

    client.post(reverse("committee:seat-vacate", kwargs={"seat_pk": policy.seats.get(area="Middleware").pk}))
    client.post(reverse("committee:seat-assign", kwargs={"seat_pk": vacant.pk}), {"holder": "member"})
    client.post(reverse("committee:seat-chair", kwargs={"seat_pk": vacant.pk}))
    client.post(reverse("committee:committee-quorum", kwargs={"slug": "policy"}), {"quorum": "majority-of-seats"})
    client.post(reverse("committee:seat-add", kwargs={"slug": "dmccb"}), {"area": "Deputy"})

    vacant.refresh_from_db()
    policy.refresh_from_db()
    assert (vacant.holder, vacant.chair, policy.quorum) == (committee_member, True, "majority-of-seats")
    assert policy.seats.get(area="Middleware").holder is None
    assert board.seats.filter(area="Deputy", holder=None).exists()


@pytest.mark.parametrize(
    ("role", "who"),
    [
        (VIEWER, "viewer"),
        (OPERATOR, "operator"),
        (MEMBER, "committee_member"),
        (CCB, "ccb_member"),
        (LEAD, "task_force_lead"),
        (STAFF, "staff_user"),
    ],
)
def test_no_one_sees_a_post_control_they_may_not_use(request, client_for, committees, role, who):
    policy, board = committees
    # A current delegation on each committee, so that the controls to end one are drawn where allowed.
    today = timezone.localdate()
    for seat, other in ((policy.seats.get(area="Middleware"), "Execution"), (board.seats.get(area="Member"), "Chair")):
        delegate = seat.committee.seats.get(area=other).holder
        seat.delegations.create(delegate=delegate, named_by=seat.holder, starts_on=today, ends_on=today)

    page = page_for(client_for, request.getfixturevalue(who))

    actions = [resolve(path).view_name for path in POST_ACTIONS.findall(page)]
    assert [name for name in actions if not role_may(name, role)] == []
    if role in (LEAD, STAFF):
        assert {"committee:seat-add", "committee:seat-remove", "committee:delegation-end"} <= set(actions)
