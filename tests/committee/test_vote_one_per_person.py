"""One person casts one vote per decision, even when they hold a seat and stand in for another one too."""

import pytest
from django.urls import reverse
from django.utils import timezone

from committee.models import Delegation, Vote
from committee.selectors import decisions_awaiting_vote_of
from committee.services import vote_cast
from console.errors import Conflict
from tests.committee.factories import PolicyCommitteeFactory
from tests.committee.helpers import open_decision

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def policy():
    return PolicyCommitteeFactory()


@pytest.fixture
def seats(policy):
    """The Middleware seat, whose holder is also the delegate of the Execution seat today."""
    middleware, execution = policy.seats.get(area="Middleware"), policy.seats.get(area="Execution")
    today = timezone.localdate()
    Delegation.objects.create(
        seat=execution, delegate=middleware.holder, named_by=execution.holder, starts_on=today, ends_on=today
    )
    return middleware, execution


def test_a_holder_who_voted_for_their_seat_may_not_vote_for_the_seat_they_stand_in_for(policy, seats):
    middleware, execution = seats
    decision = open_decision(policy)
    vote_cast(actor=middleware.holder, decision=decision, choice="approve", seat=middleware)

    with pytest.raises(Conflict, match="voted for the seat Middleware on decision .* already; one person casts one"):
        vote_cast(actor=middleware.holder, decision=decision, choice="approve", seat=execution)

    assert list(Vote.objects.values_list("seat__area", flat=True)) == ["Middleware"]
    assert decision.tally().voted == 1


def test_a_delegate_who_voted_for_the_seat_they_stand_in_for_may_not_vote_for_their_own(policy, seats):
    middleware, execution = seats
    decision = open_decision(policy)
    vote_cast(actor=middleware.holder, decision=decision, choice="reject", seat=execution)

    with pytest.raises(Conflict, match="voted for the seat Execution"):
        vote_cast(actor=middleware.holder, decision=decision, choice="reject", seat=middleware)

    assert list(Vote.objects.values_list("seat__area", flat=True)) == ["Execution"]


def test_they_may_change_their_vote_and_it_goes_to_the_seat_they_voted_for(policy, seats):
    middleware, execution = seats
    decision = open_decision(policy)
    vote_cast(actor=middleware.holder, decision=decision, choice="approve", seat=execution)

    # No seat named: before, "name the seat" (they may vote for two); now the seat of their vote.
    changed = vote_cast(actor=middleware.holder, decision=decision, choice="reject")

    assert (changed.seat, changed.choice, changed.on_behalf_of) == (execution, "reject", execution.holder)
    assert decision.tally().reject == 1 and decision.tally().voted == 1


def test_the_decision_no_longer_awaits_their_vote_once_they_voted_for_one_seat(policy, seats):
    middleware, _execution = seats
    decision = open_decision(policy)
    today = timezone.localdate()
    assert list(decisions_awaiting_vote_of(middleware.holder, today=today)) == [decision]

    vote_cast(actor=middleware.holder, decision=decision, choice="approve", seat=middleware)

    assert not decisions_awaiting_vote_of(middleware.holder, today=today).exists()


def test_the_vote_panel_refuses_a_second_seat_and_offers_only_the_seat_voted_for(client_for, policy, seats):
    middleware, execution = seats
    decision = open_decision(policy)
    client = client_for(middleware.holder)
    url = reverse("committee:decision-vote", kwargs={"pk": decision.pk})
    client.post(url, {"choice": "approve", "seat": middleware.pk}, **HTMX)

    refused = client.post(url, {"choice": "approve", "seat": execution.pk}, **HTMX).content.decode()
    page = client.get(decision.get_absolute_url()).content.decode()

    assert "voted for the seat Middleware" in refused
    assert Vote.objects.count() == 1
    assert 'data-testid="vote-seat"' not in page  # no choice between the two seats any more
    assert "You vote for the seat <strong>Middleware</strong>." in page


def test_the_api_refuses_a_second_vote_of_one_person_with_409(client_for, policy, seats):
    middleware, execution = seats
    decision = open_decision(policy)
    client = client_for(middleware.holder)
    url = reverse("api:decision-vote", kwargs={"pk": decision.pk})

    first = client.post(url, {"choice": "approve", "seat": middleware.pk}, content_type="application/json")
    second = client.post(url, {"choice": "approve", "seat": execution.pk}, content_type="application/json")

    assert first.status_code == 201
    assert second.status_code == 409
    assert "one person casts one vote per decision" in second.json()["detail"]
    assert Vote.objects.count() == 1
