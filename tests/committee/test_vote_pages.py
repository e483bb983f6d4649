"""Voting from the decision page: the htmx endpoint, the plain form, and who sees the buttons."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from committee.choices import DecisionStatus, VoteChoice
from committee.models import Delegation, Vote
from tests.committee.factories import ChangeControlBoardFactory, DecisionFactory, PolicyCommitteeFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def policy():
    return PolicyCommitteeFactory()


@pytest.fixture
def holder(policy):
    return policy.seats.get(area="Middleware").holder


def vote_url(decision) -> str:
    return reverse("committee:decision-vote", kwargs={"pk": decision.pk})


def test_a_seat_holders_htmx_vote_is_recorded_and_shown_in_the_returned_panel(client_for, policy, holder):
    decision = DecisionFactory(committee=policy)

    response = client_for(holder).post(vote_url(decision), {"choice": "approve", "comment": "Ship it"}, **HTMX)

    assert response.status_code == 200
    assert response.templates[0].name == "committee/_votes_panel.html"
    panel = response.content.decode()
    assert panel.lstrip().startswith('<section id="votes-panel"')
    row = panel.split(f'data-testid="seat-row-{policy.seats.get(area="Middleware").pk}"')[1].split("</tr>")[0]
    assert "Approve" in row
    assert "Ship it" in row
    vote = Vote.objects.get()
    assert (vote.decision, vote.seat.area, vote.choice, vote.cast_by) == (decision, "Middleware", "approve", holder)
    # The status badge outside the panel is swapped out of band.
    assert 'id="decision-status"' in panel
    assert 'hx-swap-oob="true"' in panel


def test_a_changed_vote_supersedes_the_first_and_shows_it_struck_through(client_for, policy, holder):
    decision = DecisionFactory(committee=policy)
    client = client_for(holder)

    client.post(vote_url(decision), {"choice": "reject", "comment": "Not yet"}, **HTMX)
    panel = client.post(vote_url(decision), {"choice": "approve"}, **HTMX).content.decode()

    assert "<del>Reject “Not yet”" in panel
    assert Vote.objects.filter(superseded_at__isnull=True).get().choice == VoteChoice.APPROVE
    assert Vote.objects.count() == 2


def test_a_non_members_htmx_vote_returns_the_panel_with_the_refusal(client_for, policy, viewer):
    decision = DecisionFactory(committee=policy)

    response = client_for(viewer).post(vote_url(decision), {"choice": "approve"}, **HTMX)

    assert response.status_code == 200
    panel = response.content.decode()
    assert 'data-testid="vote-error"' in panel
    assert "Only a seat holder or their delegate may vote." in panel
    assert not Vote.objects.exists()


def test_a_vote_on_a_closed_decision_is_refused_in_the_panel(client_for, policy, holder):
    decision = DecisionFactory(committee=policy, status=DecisionStatus.REJECTED)

    panel = client_for(holder).post(vote_url(decision), {"choice": "approve"}, **HTMX).content.decode()

    assert "votes are taken only while it is open" in panel
    assert not Vote.objects.exists()


def test_a_vote_that_is_not_a_choice_is_refused_in_the_panel(client_for, policy, holder):
    decision = DecisionFactory(committee=policy)

    panel = client_for(holder).post(vote_url(decision), {"choice": "maybe"}, **HTMX).content.decode()

    assert 'data-testid="vote-error"' in panel
    assert "Select a valid choice" in panel
    assert not Vote.objects.exists()


def test_the_last_vote_closes_the_decision_and_the_panel_says_so(client_for, policy):
    decision = DecisionFactory(committee=policy)
    seats = list(policy.seats.all())
    for seat in seats[:-1]:
        Vote.objects.create(decision=decision, seat=seat, choice="approve", cast_by=seat.holder, cast_at=timezone.now())

    panel = client_for(seats[-1].holder).post(vote_url(decision), {"choice": "approve"}, **HTMX).content.decode()

    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED
    assert 'data-testid="vote-form"' not in panel
    assert "4 approve, 0 reject, 0 abstain of 4 seats" in panel
    # The out-of-band status badge: the policy committee's decision takes effect when endorsed.
    assert ">Approved by the committee, awaiting endorsement</span>" in panel


def test_without_htmx_a_vote_redirects_to_the_decision_with_a_message(client_for, policy, holder):
    decision = DecisionFactory(committee=policy)

    response = client_for(holder).post(vote_url(decision), {"choice": "abstain"}, follow=True)

    assert response.redirect_chain == [(decision.get_absolute_url(), 302)]
    assert "Your vote (Abstain) for Middleware is recorded." in response.content.decode()
    assert Vote.objects.get().choice == VoteChoice.ABSTAIN


def test_without_htmx_a_non_members_vote_is_a_403_page(client_for, policy, viewer):
    decision = DecisionFactory(committee=policy)

    response = client_for(viewer).post(vote_url(decision), {"choice": "approve"})

    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_the_vote_buttons_are_shown_to_seat_holders_and_active_delegates_only(client_for, policy, holder, viewer):
    decision = DecisionFactory(committee=policy)
    board_member = ChangeControlBoardFactory().seats.get(area="Chair").holder
    execution = policy.seats.get(area="Execution")
    today = timezone.localdate()
    delegate = Delegation.objects.create(
        seat=execution, delegate=viewer, named_by=execution.holder, starts_on=today, ends_on=today
    ).delegate

    def page_of(user) -> str:
        return client_for(user).get(decision.get_absolute_url()).content.decode()

    assert 'data-testid="vote-form"' in page_of(holder)
    as_delegate = page_of(delegate)
    assert 'data-testid="vote-form"' in as_delegate
    assert f"on behalf of {execution.holder.username}" in as_delegate
    assert 'data-testid="vote-form"' not in page_of(board_member)
    Delegation.objects.update(starts_on=today - timedelta(days=3), ends_on=today - timedelta(days=1))
    assert 'data-testid="vote-form"' not in page_of(delegate)


def test_the_vote_form_posts_through_htmx_and_as_a_plain_form(client_for, policy, holder):
    decision = DecisionFactory(committee=policy)

    page = client_for(holder).get(decision.get_absolute_url()).content.decode()

    form = page.split('data-testid="vote-form"')[0].rsplit("<form", 1)[1]
    assert f'action="{vote_url(decision)}"' in form
    assert f'hx-post="{vote_url(decision)}"' in form
    assert 'hx-target="#votes-panel"' in form
    assert 'hx-swap="outerHTML"' in form
    assert 'method="post"' in form


@pytest.mark.parametrize("status", [DecisionStatus.DRAFT, DecisionStatus.APPROVED, DecisionStatus.EXPIRED])
def test_no_vote_buttons_unless_the_decision_is_open(client_for, policy, holder, status):
    decision = DecisionFactory(committee=policy, status=status)

    assert 'data-testid="vote-form"' not in client_for(holder).get(decision.get_absolute_url()).content.decode()


def test_no_vote_buttons_after_the_deadline(client_for, policy, holder):
    decision = DecisionFactory(committee=policy, deadline=timezone.now() - timedelta(minutes=1))

    page = client_for(holder).get(decision.get_absolute_url()).content.decode()

    assert 'data-testid="vote-form"' not in page
    assert "The deadline has passed" in page


def test_whoever_votes_for_several_seats_chooses_the_seat(client_for, policy, holder):
    decision = DecisionFactory(committee=policy)
    execution = policy.seats.get(area="Execution")
    today = timezone.localdate()
    Delegation.objects.create(
        seat=execution, delegate=holder, named_by=execution.holder, starts_on=today, ends_on=today
    )
    client = client_for(holder)

    page = client.get(decision.get_absolute_url()).content.decode()
    unnamed = client.post(vote_url(decision), {"choice": "approve"}, **HTMX).content.decode()
    client.post(vote_url(decision), {"choice": "reject", "seat": execution.pk}, **HTMX)

    assert 'data-testid="vote-seat"' in page
    assert "name the seat" in unnamed
    vote = Vote.objects.get()
    assert (vote.seat, vote.choice, vote.on_behalf_of) == (execution, "reject", execution.holder)
