"""The committees page: seats, holders, delegations, and naming a delegate."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from committee.models import Delegation
from console.models import AuditEvent
from tests.committee.factories import ChangeControlBoardFactory, LeadershipTeamFactory, PolicyCommitteeFactory
from tests.console.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def middleware():
    return PolicyCommitteeFactory().seats.get(area="Middleware")


def delegate_url(seat) -> str:
    return reverse("committee:delegation-create", kwargs={"seat_pk": seat.pk})


def test_the_page_shows_quorum_seats_holders_and_current_delegations(client_for, viewer, middleware):
    ChangeControlBoardFactory(quorum="majority-of-seats")
    LeadershipTeamFactory()
    today = timezone.localdate()
    Delegation.objects.create(
        seat=middleware, delegate=viewer, named_by=middleware.holder, starts_on=today, ends_on=today + timedelta(days=2)
    )
    Delegation.objects.create(
        seat=middleware,
        delegate=UserFactory(username="formerly"),
        named_by=middleware.holder,
        starts_on=today - timedelta(days=9),
        ends_on=today - timedelta(days=5),
    )

    page = client_for(viewer).get(reverse("committee:committee-list")).content.decode()

    assert "every seat votes or abstains" in page
    assert "more than half of the seats vote or abstain" in page
    assert middleware.holder.username in page
    seat_row = page.split(f'data-testid="seat-{middleware.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="active-delegation">viewer' in seat_row
    assert "formerly" in seat_row
    assert seat_row.count('data-testid="active-delegation"') == 1


def test_a_committees_own_url_shows_that_committee(client_for, viewer, middleware):
    ChangeControlBoardFactory()

    response = client_for(viewer).get(middleware.committee.get_absolute_url())

    assert [c.slug for c in response.context["committees"]] == ["policy"]
    assert client_for(viewer).get(reverse("committee:committee-detail", kwargs={"slug": "nope"})).status_code == 404


def test_the_delegation_form_is_shown_to_the_seat_holder_and_the_lead_only(
    client_for, middleware, task_force_lead, viewer
):
    form = f'data-testid="delegation-form-{middleware.pk}"'
    url = reverse("committee:committee-list")

    holders_page = client_for(middleware.holder).get(url).content.decode()
    assert form in holders_page
    assert holders_page.count('data-testid="delegation-form-') == 1
    assert form in client_for(task_force_lead).get(url).content.decode()
    assert 'data-testid="delegation-form-' not in client_for(viewer).get(url).content.decode()


def test_the_holder_names_a_delegate(client_for, middleware, committee_member):
    today = timezone.localdate()

    response = client_for(middleware.holder).post(
        delegate_url(middleware), {"delegate": "member", "starts_on": today, "ends_on": today + timedelta(days=3)}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('committee:committee-list')}#seat-{middleware.pk}"
    delegation = Delegation.objects.get()
    assert (delegation.seat, delegation.delegate, delegation.named_by) == (
        middleware,
        committee_member,
        middleware.holder,
    )
    assert AuditEvent.objects.filter(action="seat.delegate-named").exists()


def test_someone_else_may_not_name_a_delegate(client_for, middleware, viewer, committee_member):
    today = timezone.localdate()

    response = client_for(committee_member).post(
        delegate_url(middleware), {"delegate": "viewer", "starts_on": today, "ends_on": today}
    )

    assert response.status_code == 403
    assert not Delegation.objects.exists()


def test_an_unknown_delegate_or_backwards_period_is_refused_with_a_message(client_for, middleware, viewer):
    today = timezone.localdate()
    client = client_for(middleware.holder)

    unknown = client.post(
        delegate_url(middleware), {"delegate": "nobody", "starts_on": today, "ends_on": today}, follow=True
    )
    backwards = client.post(
        delegate_url(middleware),
        {"delegate": "viewer", "starts_on": today, "ends_on": today - timedelta(days=1)},
        HTTP_REFERER=reverse("committee:committee-list"),
        follow=True,
    )

    assert "No active user &#x27;nobody&#x27;." in unknown.content.decode()
    assert "before it starts" in backwards.content.decode()
    assert not Delegation.objects.exists()


@pytest.mark.parametrize("rows", [3, 30])
def test_the_committees_page_runs_a_constant_number_of_queries(client_for, viewer, django_assert_num_queries, rows):
    board = ChangeControlBoardFactory(areas=[f"Area {number:02}" for number in range(rows)])
    today = timezone.localdate()
    for seat in board.seats.all():
        Delegation.objects.create(seat=seat, delegate=viewer, named_by=seat.holder, starts_on=today, ends_on=today)
    client = client_for(viewer)

    # session, user, roles, committees, seats, delegations
    with django_assert_num_queries(6):
        response = client.get(reverse("committee:committee-list"))
    assert response.content.decode().count('data-testid="active-delegation"') == rows
