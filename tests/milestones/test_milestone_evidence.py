"""Campaign events prove milestones: a linked event proposes a status, the task force lead confirms or dismisses it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.services import campaign_resume
from console.errors import Conflict, InvalidInput, NotPermitted
from console.models import AuditEvent
from milestones.models import EvidenceProposal, Milestone, MilestoneChange
from milestones.services import (
    evidence_link_create,
    evidence_link_delete,
    evidence_observed,
    milestone_import,
    proposal_confirm,
    proposal_dismiss,
)
from releases.services import release_approve
from tests.campaigns.factories import CampaignFactory, StepFactory
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db

TABLE = (
    "milestone\tjira_id\trubin_id\tdue_date\tlevel\tstatus\tteam\n"
    "DP0.2 Reprocessing Start\tPREOPS-158\tL2-DP-0030\t2021-09-30\t3\tTo Do\tExecution\n"
    "Pipeline release for DP0.2\tPREOPS-145\tL3-AP-0010\t2021-06-30\t3\tIn Progress\tAlgorithms and Pipelines\n"
)


@pytest.fixture
def milestones(db) -> dict[str, Milestone]:
    milestone_import(actor=None, text=TABLE)
    return {milestone.jira_key: milestone for milestone in Milestone.objects.all()}


@pytest.fixture
def paused_campaign(db):
    return CampaignFactory(name="DP0.2 reprocessing", status="paused")


def test_a_campaign_that_starts_proposes_the_linked_status_to_the_lead(
    milestones, paused_campaign, task_force_lead, operator
):
    evidence_link_create(
        actor=task_force_lead,
        milestone=milestones["PREOPS-158"],
        kind="campaign-started",
        target=paused_campaign,
        proposed_status="In Progress",
    )

    campaign_resume(actor=operator, campaign=paused_campaign)

    proposal = EvidenceProposal.objects.get()
    assert (proposal.milestone.jira_key, proposal.event, proposal.proposed_status, proposal.state) == (
        "PREOPS-158",
        "Campaign DP0.2 reprocessing started",
        "In Progress",
        "pending",
    )
    assert Milestone.objects.get(jira_key="PREOPS-158").status == "To Do"  # only proposed
    event = AuditEvent.objects.get(action="milestone.evidence-proposed")
    assert (event.actor, event.after["proposed_status"]) == (operator, "In Progress")
    assert paused_campaign.milestones.get() == milestones["PREOPS-158"]  # the evidence is a link too


def test_the_lead_confirms_and_the_milestone_takes_the_status(milestones, paused_campaign, task_force_lead, operator):
    evidence_link_create(
        actor=task_force_lead, milestone=milestones["PREOPS-158"], kind="campaign-started", target=paused_campaign
    )
    campaign_resume(actor=operator, campaign=paused_campaign)

    proposal = proposal_confirm(actor=task_force_lead, proposal=EvidenceProposal.objects.get())

    assert (proposal.state, proposal.decided_by) == ("confirmed", task_force_lead)
    milestone = Milestone.objects.get(jira_key="PREOPS-158")
    assert (milestone.status, milestone.completed_date) == ("Done", timezone.localdate())
    change = MilestoneChange.objects.get()
    assert (change.field, change.new_value, change.origin, change.actor, change.note) == (
        "status",
        "Done",
        "person",
        task_force_lead,
        "confirmed: Campaign DP0.2 reprocessing started",
    )
    with pytest.raises(Conflict, match="is confirmed; it cannot become confirmed"):
        proposal_confirm(actor=task_force_lead, proposal=proposal)


def test_the_lead_dismisses_and_the_milestone_stays(milestones, paused_campaign, task_force_lead, operator):
    evidence_link_create(
        actor=task_force_lead, milestone=milestones["PREOPS-158"], kind="campaign-started", target=paused_campaign
    )
    campaign_resume(actor=operator, campaign=paused_campaign)

    proposal = proposal_dismiss(actor=task_force_lead, proposal=EvidenceProposal.objects.get())

    assert proposal.state == "dismissed"
    assert Milestone.objects.get(jira_key="PREOPS-158").status == "To Do"
    assert AuditEvent.objects.filter(action="milestone.evidence-dismissed").count() == 1


def test_only_the_lead_decides(milestones, paused_campaign, task_force_lead, operator):
    evidence_link_create(
        actor=task_force_lead, milestone=milestones["PREOPS-158"], kind="campaign-started", target=paused_campaign
    )
    campaign_resume(actor=operator, campaign=paused_campaign)
    proposal = EvidenceProposal.objects.get()

    for decide in (proposal_confirm, proposal_dismiss):
        with pytest.raises(NotPermitted):
            decide(actor=operator, proposal=proposal)
    with pytest.raises(NotPermitted):
        evidence_link_create(
            actor=operator, milestone=milestones["PREOPS-145"], kind="campaign-started", target=paused_campaign
        )


def test_a_release_approved_for_a_campaign_proposes_its_milestone(milestones, task_force_lead):
    release = ReleaseFactory(version="v23.0.0")
    evidence_link_create(
        actor=task_force_lead, milestone=milestones["PREOPS-145"], kind="release-approved", target=release
    )

    release_approve(actor=None, release=release, source="decision #1", now=timezone.now())

    proposal = EvidenceProposal.objects.get()
    assert (proposal.milestone.jira_key, proposal.event, proposal.proposed_status) == (
        "PREOPS-145",
        "Release v23.0.0 approved",
        "Done",
    )


def test_a_step_accepted_proposes_its_milestone(milestones, task_force_lead):
    step = StepFactory(name="step3", campaign=CampaignFactory(name="DP0.2"))
    evidence_link_create(actor=task_force_lead, milestone=milestones["PREOPS-158"], kind="step-accepted", target=step)

    # As the QA service calls it when a step is accepted.
    (proposal,) = evidence_observed(kind="step-accepted", obj=step, actor=task_force_lead)

    assert proposal.event == "Step DP0.2 / step3 accepted"


def test_the_event_proposes_once_while_a_proposal_waits_and_not_at_all_when_the_status_is_there(
    milestones, task_force_lead
):
    release = ReleaseFactory(version="v23.0.0")
    evidence_link_create(
        actor=task_force_lead, milestone=milestones["PREOPS-145"], kind="release-approved", target=release
    )

    evidence_observed(kind="release-approved", obj=release)
    evidence_observed(kind="release-approved", obj=release)
    assert EvidenceProposal.objects.count() == 1

    proposal_confirm(actor=task_force_lead, proposal=EvidenceProposal.objects.get())
    assert evidence_observed(kind="release-approved", obj=release) == []  # it is Done already


def test_an_event_nobody_waits_for_costs_one_query(django_assert_num_queries):
    campaign = CampaignFactory()

    with django_assert_num_queries(1):
        assert evidence_observed(kind="campaign-started", obj=campaign) == []


def test_an_unknown_kind_of_event_is_a_programming_error():
    with pytest.raises(ValueError, match="Unknown evidence kind 'run-finished'"):
        evidence_observed(kind="run-finished", obj=None)


def test_the_target_must_match_the_kind(milestones, task_force_lead, paused_campaign):
    with pytest.raises(InvalidInput, match="Release approved needs a release"):
        evidence_link_create(
            actor=task_force_lead, milestone=milestones["PREOPS-145"], kind="release-approved", target=paused_campaign
        )


def test_a_removed_link_proposes_nothing_more(milestones, paused_campaign, task_force_lead, operator):
    evidence = evidence_link_create(
        actor=task_force_lead, milestone=milestones["PREOPS-158"], kind="campaign-started", target=paused_campaign
    )

    evidence_link_delete(actor=task_force_lead, evidence=evidence)
    campaign_resume(actor=operator, campaign=paused_campaign)

    assert not EvidenceProposal.objects.exists()


def test_the_lead_links_an_event_on_the_page_and_confirms_from_the_dashboard(
    milestones, paused_campaign, client_for, task_force_lead, operator
):
    client = client_for(task_force_lead)
    client.post(
        reverse("milestones:evidence-create", args=["PREOPS-158"]),
        {"kind": "campaign-started", "campaign": paused_campaign.pk, "proposed_status": "In Progress"},
    )
    campaign_resume(actor=operator, campaign=paused_campaign)
    proposal = EvidenceProposal.objects.get()

    card = client.get(reverse("milestones:dashboard-card")).content.decode()
    assert "Evidence to confirm" in card and "Campaign DP0.2 reprocessing started" in card
    response = client.post(
        reverse("milestones:proposal-confirm", args=[proposal.pk]), {"next": reverse("dashboard:home")}
    )

    assert response["Location"] == reverse("dashboard:home")
    assert Milestone.objects.get(jira_key="PREOPS-158").status == "In Progress"


def test_the_api_confirms_a_proposal(milestones, paused_campaign, client_for, task_force_lead, operator):
    evidence_link_create(
        actor=task_force_lead, milestone=milestones["PREOPS-158"], kind="campaign-started", target=paused_campaign
    )
    campaign_resume(actor=operator, campaign=paused_campaign)
    proposal = EvidenceProposal.objects.get()

    pending = client_for(task_force_lead).get("/api/v1/milestone-proposals/", {"state": "pending"}).json()
    refused = client_for(operator).post(f"/api/v1/milestone-proposals/{proposal.pk}/confirm/")
    confirmed = client_for(task_force_lead).post(f"/api/v1/milestone-proposals/{proposal.pk}/confirm/")

    assert [row["milestone"] for row in pending["results"]] == ["PREOPS-158"]
    assert refused.status_code == 403
    assert confirmed.status_code == 200
    assert (confirmed.json()["state"], confirmed.json()["decided_by"]) == ("confirmed", "lead")
