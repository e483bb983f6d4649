"""The decision list, the proposal form and the decision page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from committee.choices import DecisionKind, DecisionStatus, VoteChoice
from committee.models import Decision, Delegation, Vote
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import ChangeControlBoardFactory, DecisionFactory, PolicyCommitteeFactory
from tests.console.factories import UserFactory
from tests.releases.factories import BackportRequestFactory, ReleaseFactory

pytestmark = pytest.mark.django_db


def seat_of(committee, area):
    return committee.seats.get(area=area)


def vote(decision, seat, choice=VoteChoice.APPROVE, **fields):
    return Vote.objects.create(
        decision=decision,
        seat=seat,
        choice=choice,
        cast_by=fields.pop("cast_by", seat.holder),
        cast_at=timezone.now(),
        **fields,
    )


def test_the_pages_render_for_a_viewer(client_for, viewer):
    release = ReleaseFactory(version="v29.0.0")
    backport = BackportRequestFactory(rfc_id="RFC-950")
    decision = DecisionFactory(title="Adopt v29", release=release)
    ccb_decision = DecisionFactory(committee=ChangeControlBoardFactory(), backport_request=backport)
    client = client_for(viewer)

    for url in [
        reverse("committee:decision-list"),
        reverse("committee:decision-detail", kwargs={"pk": decision.pk}),
        reverse("committee:decision-detail", kwargs={"pk": ccb_decision.pk}),
        reverse("committee:decision-register"),
        reverse("committee:committee-list"),
        reverse("committee:committee-detail", kwargs={"slug": "policy"}),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<script>" not in response.content.decode()

    detail = client.get(decision.get_absolute_url()).content.decode()
    assert release.get_absolute_url() in detail
    assert backport.get_absolute_url() in client.get(ccb_decision.get_absolute_url()).content.decode()


def test_an_unknown_decision_is_a_404(client_for, viewer):
    assert client_for(viewer).get(reverse("committee:decision-detail", kwargs={"pk": 999})).status_code == 404


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    url = reverse("committee:decision-list")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_awaiting_my_vote_lists_the_open_decisions_where_my_seats_have_not_voted(client_for):
    policy = PolicyCommitteeFactory()
    board = ChangeControlBoardFactory()
    holder = seat_of(policy, "Middleware").holder
    stand_in = UserFactory(username="standin")
    chair = seat_of(board, "Chair")
    today = timezone.localdate()
    Delegation.objects.create(
        seat=chair, delegate=holder, named_by=chair.holder, starts_on=today - timedelta(days=1), ends_on=today
    )
    Delegation.objects.create(
        seat=seat_of(policy, "Execution"),
        delegate=stand_in,
        named_by=stand_in,
        starts_on=today + timedelta(days=1),
        ends_on=today + timedelta(days=5),
    )
    waiting = DecisionFactory(committee=policy, title="Waiting for me")
    voted = DecisionFactory(committee=policy, title="Voted already")
    vote(voted, seat_of(policy, "Middleware"))
    changed = DecisionFactory(committee=policy, title="Others voted")
    vote(changed, seat_of(policy, "Execution"))
    superseded = vote(changed, seat_of(policy, "Middleware"), superseded_at=timezone.now())
    assert superseded.superseded_at
    DecisionFactory(committee=policy, status=DecisionStatus.DRAFT, title="A draft")
    DecisionFactory(committee=policy, status=DecisionStatus.APPROVED, title="Closed")
    as_delegate = DecisionFactory(committee=board, title="For the chair")

    response = client_for(holder).get(reverse("committee:decision-list"))

    awaiting = {decision.title for decision in response.context["awaiting"]}
    assert awaiting == {waiting.title, changed.title, as_delegate.title}
    # The delegate of a later period has nothing to vote on today.
    assert list(client_for(stand_in).get(reverse("committee:decision-list")).context["awaiting"]) == []


def test_the_list_filters_and_shows_the_tally(client_for, viewer):
    policy = PolicyCommitteeFactory()
    approved = DecisionFactory(committee=policy, status=DecisionStatus.OPEN, title="Count me")
    vote(approved, seat_of(policy, "Middleware"))
    vote(approved, seat_of(policy, "Execution"), VoteChoice.REJECT)
    DecisionFactory(committee=policy, status=DecisionStatus.REJECTED, title="Gone")

    response = client_for(viewer).get(reverse("committee:decision-list"), {"status": "open"})

    assert [d.title for d in response.context["page"]] == ["Count me"]
    row = response.content.decode().split(f'data-testid="decision-row-{approved.pk}"')[1].split("</tr>")[0]
    assert '>1</span>/<span class="text-danger">1</span>' in row
    assert "of 4" in row


def test_the_propose_link_is_shown_to_the_lead_and_seat_holders_only(client_for, task_force_lead, viewer):
    holder = seat_of(PolicyCommitteeFactory(), "Middleware").holder
    url = reverse("committee:decision-list")

    assert 'data-testid="propose-decision"' in client_for(task_force_lead).get(url).content.decode()
    assert 'data-testid="propose-decision"' in client_for(holder).get(url).content.decode()
    assert 'data-testid="propose-decision"' not in client_for(viewer).get(url).content.decode()


def test_a_viewer_may_not_open_the_proposal_form(client_for, viewer):
    PolicyCommitteeFactory()
    assert client_for(viewer).get(reverse("committee:decision-create")).status_code == 403


def test_a_seat_holder_proposes_to_their_committee_only(client_for):
    policy = PolicyCommitteeFactory()
    ChangeControlBoardFactory()
    holder = seat_of(policy, "Middleware").holder

    form = client_for(holder).get(reverse("committee:decision-create")).context["form"]

    assert list(form.fields["committee"].queryset) == [policy]


def test_the_lead_drafts_a_pipeline_version_decision(client_for, task_force_lead):
    policy = PolicyCommitteeFactory()
    release = ReleaseFactory(version="v29.1.0")
    campaigns = [CampaignFactory(name="DC2 RC9"), CampaignFactory(name="DC2 RC10")]
    deadline = (timezone.now() + timedelta(days=5)).replace(second=0, microsecond=0)

    response = client_for(task_force_lead).post(
        reverse("committee:decision-create"),
        {
            "committee": policy.pk,
            "kind": DecisionKind.PIPELINE_VERSION,
            "title": "Adopt v29.1.0 for DC2",
            "proposal": "Use it.\n\nIt is good.",
            "deadline": f"{deadline:%Y-%m-%dT%H:%M}",
            "release": release.pk,
            "campaigns": [c.pk for c in campaigns],
        },
    )

    decision = Decision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == decision.get_absolute_url()
    assert decision.status == DecisionStatus.DRAFT
    assert decision.deadline == deadline
    assert decision.proposed_by == task_force_lead
    assert set(decision.campaigns.all()) == set(campaigns)


def test_a_refused_proposal_keeps_the_form_and_shows_why(client_for, task_force_lead):
    policy = PolicyCommitteeFactory()
    deadline = timezone.now() + timedelta(days=5)

    response = client_for(task_force_lead).post(
        reverse("committee:decision-create"),
        {
            "committee": policy.pk,
            "kind": DecisionKind.PIPELINE_VERSION,
            "title": "Adopt something",
            "proposal": "Typed with care.",
            "deadline": f"{deadline:%Y-%m-%dT%H:%M}",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "names the release and the campaigns" in page
    assert "Typed with care." in page
    assert not Decision.objects.exists()


def test_the_backport_select_offers_proposed_requests_only(client_for, task_force_lead):
    ChangeControlBoardFactory()
    proposed = BackportRequestFactory(rfc_id="RFC-901")
    BackportRequestFactory(rfc_id="RFC-902", status="under-review")

    form = client_for(task_force_lead).get(reverse("committee:decision-create")).context["form"]

    assert list(form.fields["backport_request"].queryset) == [proposed]


def test_the_decision_page_shows_votes_delegates_and_history(client_for, viewer):
    policy = PolicyCommitteeFactory()
    middleware = seat_of(policy, "Middleware")
    execution = seat_of(policy, "Execution")
    today = timezone.localdate()
    stand_in = UserFactory(username="standin")
    Delegation.objects.create(
        seat=execution, delegate=stand_in, named_by=execution.holder, starts_on=today, ends_on=today
    )
    decision = DecisionFactory(committee=policy, proposal="First line\nsecond line")
    vote(decision, middleware, VoteChoice.REJECT, comment="Too early", superseded_at=timezone.now())
    vote(decision, middleware, VoteChoice.APPROVE, comment="Convinced")
    vote(decision, execution, VoteChoice.ABSTAIN, cast_by=stand_in, on_behalf_of=execution.holder)

    page = client_for(viewer).get(decision.get_absolute_url()).content.decode()

    assert "First line<br>second line" in page
    assert 'id="votes-panel"' in page
    assert "<del>Reject “Too early”" in page
    assert "Convinced" in page
    assert f"cast by standin on behalf of {execution.holder.username}" in page
    assert "1 approve" in page
    assert 'data-testid="vote-form"' not in page


@pytest.mark.parametrize("rows", [3, 30])
def test_the_decision_list_runs_a_constant_number_of_queries(client_for, django_assert_num_queries, rows):
    policy = PolicyCommitteeFactory()
    holder = seat_of(policy, "Middleware").holder
    for number in range(rows):
        decision = DecisionFactory(committee=policy, release=ReleaseFactory(), title=f"Decision {number}")
        decision.campaigns.add(CampaignFactory())
        vote(decision, seat_of(policy, "Execution"))
    client = client_for(holder)

    # session, user, count, roles, may the user propose, page (+ campaigns), committees of the filter,
    # awaiting my vote (+ campaigns), awaiting my endorsement (none: the user is not on the leadership team)
    with django_assert_num_queries(11):
        response = client.get(reverse("committee:decision-list"))
    assert len(response.context["awaiting"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_the_decision_page_runs_a_constant_number_of_queries(client_for, django_assert_num_queries, rows):
    board = ChangeControlBoardFactory(areas=[f"Area {number:02}" for number in range(rows)])
    seats = list(board.seats.all())
    today = timezone.localdate()
    decision = DecisionFactory(committee=board, release=ReleaseFactory(), backport_request=BackportRequestFactory())
    decision.campaigns.add(CampaignFactory())
    for seat in seats:
        stand_in = UserFactory()
        Delegation.objects.create(seat=seat, delegate=stand_in, named_by=seat.holder, starts_on=today, ends_on=today)
        vote(decision, seat, VoteChoice.REJECT, superseded_at=timezone.now())
        vote(decision, seat, cast_by=stand_in, on_behalf_of=seat.holder)
    client = client_for(seats[0].holder)

    # session, user, decision, seats, delegations, votes, campaigns, seats held (with their
    # delegations: the filter keeps the prefetch), seats delegated, audit events, roles
    with django_assert_num_queries(12):
        response = client.get(decision.get_absolute_url())
    assert response.content.decode().count("<del>") == rows
