"""An htmx vote swaps all it changed on the decision page: the votes and the tally, the status badge, the facts
(closed, outcome), the endorsement it now awaits and the last events; not only the header badge."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from committee.models import Vote
from tests.committee.factories import DecisionFactory, PolicyCommitteeFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_vote_that_closes_a_decision_swaps_its_facts_and_endorsement_too(client_for, task_force_lead):
    policy = PolicyCommitteeFactory()
    decision = DecisionFactory(committee=policy)
    seats = list(policy.seats.all())
    for seat in seats[:-1]:
        Vote.objects.create(decision=decision, seat=seat, choice="approve", cast_by=seat.holder, cast_at=timezone.now())
    url = reverse("committee:decision-vote", kwargs={"pk": decision.pk})

    answer = client_for(seats[-1].holder).post(url, {"choice": "approve"}, **HTMX).content.decode()

    assert answer.lstrip().startswith('<section id="votes-panel"')
    assert 'data-testid="votes-tally"' in answer
    for region in ("decision-status", "decision-facts", "decision-endorsement-area", "decision-events"):
        tag = re.search(rf'<[^>]* id="{region}"[^>]*>', answer).group(0)
        assert 'hx-swap-oob="true"' in tag, region
    facts = answer.split(' id="decision-facts"')[1].split(' id="decision-endorsement-area"')[0]
    assert "Closed" in facts and 'data-testid="decision-outcome"' in facts
    endorsement = answer.split(' id="decision-endorsement-area"')[1].split(' id="decision-events"')[0]
    assert 'data-testid="awaiting-endorsement"' in endorsement
    assert 'data-testid="endorse-form"' not in endorsement  # the voter may not endorse
    events = answer.split(' id="decision-events"')[1]
    assert "decision.voted" in events and "decision.approved" in events


def test_the_page_has_the_regions_the_vote_swaps(client_for, viewer):
    decision = DecisionFactory(committee=PolicyCommitteeFactory())

    page = client_for(viewer).get(decision.get_absolute_url()).content.decode()

    regions = ("decision-status", "decision-facts", "decision-endorsement-area", "votes-panel", "decision-events")
    for region in (f'id="{name}"' for name in regions):
        assert region in page
    assert "hx-swap-oob" not in page
