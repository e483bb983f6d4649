"""The attention list runs a constant number of queries, whatever the number of things waiting."""

from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from campaigns.choices import CampaignStatus, SubmissionStatus
from committee.choices import DecisionStatus
from committee.models import Seat
from dashboard.attention import AttentionKind, attention_items
from milestones.models import EvidenceProposal, Milestone
from tests.campaigns.factories import CampaignFactory, StepFactory, SubmissionFactory
from tests.committee.factories import (
    ChangeControlBoardFactory,
    DecisionFactory,
    LeadershipTeamFactory,
    PolicyCommitteeFactory,
)
from tests.qa.factories import succeeded_run
from tests.releases.factories import BackportRequestFactory

pytestmark = pytest.mark.django_db


def everything_waits_for(lead, rows: int) -> None:
    """``rows`` items of every kind for the lead, who sits on every committee and owns campaigns and milestones."""
    policy, board, leadership = PolicyCommitteeFactory(), ChangeControlBoardFactory(), LeadershipTeamFactory()
    for committee in (policy, board, leadership):
        Seat.objects.filter(pk=committee.seats.order_by("area").first().pk).update(holder=lead)
    today = timezone.localdate()
    for number in range(rows):
        DecisionFactory(committee=policy, title=f"Vote {number}")
        DecisionFactory(committee=policy, status=DecisionStatus.APPROVED, closed_at=timezone.now())
        DecisionFactory(committee=policy, proposed_by=lead, status=DecisionStatus.DRAFT, opened_at=None)
        BackportRequestFactory()
        failing = CampaignFactory(owner=lead, status=CampaignStatus.RUNNING)
        SubmissionFactory(step=StepFactory(campaign=failing), status=SubmissionStatus.FAILED, ended_at=timezone.now())
        succeeded_run(CampaignFactory())
        milestone = Milestone.objects.create(
            jira_key=f"PREOPS-{number + 1}", title="Late", due_date=today - timedelta(days=number + 1), owner=lead
        )
        EvidenceProposal.objects.create(
            milestone=milestone,
            kind="campaign-started",
            event="started",
            proposed_status="Done",
            observed_at=timezone.now(),
        )


@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_runs_a_constant_number_of_queries(task_force_lead, django_assert_num_queries, rows):
    everything_waits_for(task_force_lead, rows)
    lead = User.objects.get(pk=task_force_lead.pk)  # as a request reads it: no role read yet

    # roles; votes, endorsements, drafts, backports to review, failed runs, milestones; runs to accept, proposals
    with django_assert_num_queries(9):
        items = attention_items(lead, today=timezone.localdate())

    assert Counter(item.kind for item in items) == dict.fromkeys(AttentionKind, rows)
