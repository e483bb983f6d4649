"""A mini run is never a milestone's evidence (issue 15): its events propose nothing, no evidence link names it,
and the pickers and pages mark it."""

from html import unescape

import pytest
from django.urls import reverse

from campaigns.choices import CampaignKind
from campaigns.services import campaign_resume
from console.errors import InvalidInput
from milestones.choices import EvidenceKind
from milestones.forms import EvidenceLinkForm
from milestones.models import EvidenceProposal, Milestone, MilestoneEvidence
from milestones.services import evidence_link_create, evidence_observed, milestone_import, milestone_link
from tests.campaigns.factories import CampaignFactory, StepFactory

pytestmark = pytest.mark.django_db

TABLE = (
    "milestone\tjira_id\trubin_id\tdue_date\tlevel\tstatus\tteam\n"
    "DP0.2 Reprocessing Start\tPREOPS-158\tL2-DP-0030\t2021-09-30\t3\tTo Do\tExecution\n"
)


@pytest.fixture
def milestone(db) -> Milestone:
    milestone_import(actor=None, text=TABLE)
    return Milestone.objects.get()


@pytest.fixture
def mini_run(db):
    return CampaignFactory(name="DP0.2 mini", kind=CampaignKind.MINI_RUN, status="paused")


@pytest.mark.parametrize("target", ["campaign", "step"])
def test_no_evidence_link_names_a_mini_run(task_force_lead, milestone, mini_run, target):
    kind, obj = {
        "campaign": (EvidenceKind.CAMPAIGN_STARTED, mini_run),
        "step": (EvidenceKind.STEP_ACCEPTED, StepFactory(campaign=mini_run, name="all")),
    }[target]

    with pytest.raises(InvalidInput) as refused:
        evidence_link_create(actor=task_force_lead, milestone=milestone, kind=kind, target=obj)

    assert str(refused.value) == (
        "DP0.2 mini is a mini run: it is never a milestone's evidence; link the event of a production campaign."
    )
    assert not MilestoneEvidence.objects.exists()


def test_a_mini_run_that_starts_proposes_nothing(milestone, mini_run, operator, task_force_lead):
    # A link stored before the rule (the service refuses one now).
    MilestoneEvidence.objects.create(
        milestone=milestone, kind=EvidenceKind.CAMPAIGN_STARTED, campaign=mini_run, created_by=task_force_lead
    )

    campaign_resume(actor=operator, campaign=mini_run)

    assert not EvidenceProposal.objects.exists()
    assert evidence_observed(kind=EvidenceKind.CAMPAIGN_STARTED, obj=mini_run) == []


def test_a_production_campaign_that_starts_still_proposes(milestone, operator, task_force_lead):
    production = CampaignFactory(name="DP0.2", status="paused")
    evidence_link_create(
        actor=task_force_lead, milestone=milestone, kind=EvidenceKind.CAMPAIGN_STARTED, target=production
    )

    campaign_resume(actor=operator, campaign=production)

    assert EvidenceProposal.objects.get().event == "Campaign DP0.2 started"


def test_the_evidence_picker_marks_a_mini_run(mini_run):
    StepFactory(campaign=mini_run, name="all")
    CampaignFactory(name="DP0.2")

    form = EvidenceLinkForm()

    campaigns = [label for _, label in form.fields["campaign"].choices]
    steps = [label for _, label in form.fields["step"].choices]
    assert "DP0.2 mini (mini run: never evidence)" in campaigns
    assert "DP0.2" in campaigns
    assert "DP0.2 mini / all (mini run: never evidence)" in steps


def test_the_evidence_form_on_the_page_names_the_refusal(client_for, task_force_lead, milestone, mini_run):
    url = reverse("milestones:evidence-create", args=[milestone.jira_key])
    data = {"kind": "campaign-started", "campaign": mini_run.pk, "proposed_status": "Done"}

    response = client_for(task_force_lead).post(url, data, follow=True)

    assert "DP0.2 mini is a mini run: it is never a milestone's evidence" in unescape(response.content.decode())
    assert not MilestoneEvidence.objects.exists()


def test_the_milestone_page_marks_a_linked_mini_run(client_for, viewer, task_force_lead, milestone, mini_run):
    milestone_link(actor=task_force_lead, milestone=milestone, to=mini_run)

    page = client_for(viewer).get(reverse("milestones:milestone-detail", args=[milestone.jira_key]))

    assert 'data-testid="mini-run-badge"' in page.content.decode()
