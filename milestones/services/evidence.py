"""Evidence: campaign events (a campaign starts, a step is accepted, a campaign's data products are all delivered,
a release is approved) that propose a milestone's status to the task force lead, who confirms or dismisses it."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.utils import timezone

from campaigns.models import Campaign, Step
from console.errors import Conflict, InvalidInput
from console.services import audit_record
from console.transitions import require_transition
from milestones import permissions as may
from milestones.choices import (
    EVIDENCE_TARGETS,
    MILESTONE_TRANSITIONS,
    PROPOSAL_TRANSITIONS,
    ChangeOrigin,
    EvidenceKind,
    MilestoneStatus,
    ProposalState,
)
from milestones.models import EvidenceProposal, Milestone, MilestoneEvidence
from milestones.services.milestone import _apply_changes, _differences, _relation_for


@transaction.atomic
def evidence_link_create(
    *,
    actor: AbstractBaseUser,
    milestone: Milestone,
    kind: str,
    target: models.Model,
    proposed_status: str = MilestoneStatus.DONE,
) -> MilestoneEvidence:
    """When ``target`` has the event ``kind`` (a campaign starts, a step is accepted, a release is approved),
    propose ``proposed_status`` for the milestone to the task force lead."""
    may.LINK_EVIDENCE.check(actor)
    target_field = EVIDENCE_TARGETS.get(kind)
    if target_field is None:
        raise InvalidInput(f"Unknown evidence kind {kind!r}; the kinds are {', '.join(EvidenceKind.values)}.")
    expected = MilestoneEvidence._meta.get_field(target_field).related_model
    if not isinstance(target, expected):
        raise InvalidInput(f"{EvidenceKind(kind).label} needs a {expected._meta.verbose_name}, not {target!r}.")
    if proposed_status not in MilestoneStatus.values:
        raise InvalidInput(f"{proposed_status!r} is not a milestone status.")
    mini_run = _mini_run_of(target)
    if mini_run is not None:
        raise InvalidInput(
            f"{mini_run} is a mini run: it is never a milestone's evidence; link the event of a production campaign."
        )
    milestone = Milestone.objects.select_for_update(no_key=True).get(pk=milestone.pk)
    if MilestoneEvidence.objects.filter(milestone=milestone, kind=kind, **{target_field: target}).exists():
        raise Conflict(f"{milestone.jira_key} already waits for: {EvidenceKind(kind).label.lower()}, {target}.")
    evidence = MilestoneEvidence.objects.create(
        milestone=milestone, kind=kind, proposed_status=proposed_status, created_by=actor, **{target_field: target}
    )
    # The evidence is also a plain link, so that the campaign or release lists the milestone.
    linked = target.campaign if target_field == "step" else target
    _relation_for(milestone, linked).add(linked)
    audit_record(
        actor=actor,
        action="milestone.evidence-linked",
        obj=milestone,
        after={"kind": kind, target_field: str(target), "proposed_status": proposed_status},
    )
    return evidence


@transaction.atomic
def evidence_link_delete(*, actor: AbstractBaseUser, evidence: MilestoneEvidence) -> None:
    """Stop waiting for an event; proposals it made stay, to be decided."""
    may.UNLINK_EVIDENCE.check(actor)
    evidence = MilestoneEvidence.objects.select_related("milestone", "campaign", "step", "release").get(pk=evidence.pk)
    audit_record(
        actor=actor,
        action="milestone.evidence-unlinked",
        obj=evidence.milestone,
        before={"kind": evidence.kind, "target": str(evidence.target), "proposed_status": evidence.proposed_status},
    )
    evidence.delete()


def _mini_run_of(obj: models.Model):
    """The mini run the campaign or step belongs to (never a milestone's evidence), or None."""
    campaign = obj if isinstance(obj, Campaign) else obj.campaign if isinstance(obj, Step) else None
    return campaign if campaign is not None and campaign.is_mini_run else None


def _event_text(kind: str, obj: models.Model) -> str:
    if kind == EvidenceKind.CAMPAIGN_STARTED:
        return f"Campaign {obj} started"
    if kind == EvidenceKind.STEP_ACCEPTED:
        return f"Step {obj} accepted"
    if kind == EvidenceKind.DATA_PRODUCTS_DELIVERED:
        return f"Campaign {obj} delivered all its data products"
    return f"Release {obj} approved"


def on_campaign_started(*, campaign, actor: AbstractBaseUser | None) -> None:
    """Subscribed to ``campaigns.events.campaign_started``; a mini run's start proposes nothing."""
    evidence_observed(kind="campaign-started", obj=campaign, actor=actor)


def on_step_accepted(*, step, actor: AbstractBaseUser | None) -> None:
    """Subscribed to ``campaigns.events.step_accepted``."""
    evidence_observed(kind="step-accepted", obj=step, actor=actor)


def on_data_products_delivered(*, campaign) -> None:
    """Subscribed to ``campaigns.events.data_products_delivered``: counted by the system, so no one's act."""
    evidence_observed(kind="data-products", obj=campaign)


def on_release_approved(*, release, actor: AbstractBaseUser | None) -> None:
    """Subscribed to ``releases.events.release_approved``."""
    evidence_observed(kind="release-approved", obj=release, actor=actor)


def evidence_observed(*, kind: str, obj: models.Model, actor: AbstractBaseUser | None = None) -> list[EvidenceProposal]:
    """A campaign event happened: propose the linked milestones' status changes to the task force lead.

    Called by the services of campaigns, QA and releases inside their own
    transaction (so a proposal exists only if the event does). Cheap: one query
    when no milestone waits for the event. A milestone that has the status
    already, or whose link has a proposal waiting, gets no new proposal. A mini
    run's events are never evidence: they propose nothing.
    """
    target_field = EVIDENCE_TARGETS.get(kind)
    if target_field is None:
        raise ValueError(f"Unknown evidence kind {kind!r}; the kinds are {', '.join(EvidenceKind.values)}.")
    links = list(MilestoneEvidence.objects.filter(kind=kind, **{target_field: obj}).select_related("milestone"))
    if not links or _mini_run_of(obj) is not None:
        return []
    proposals = []
    with transaction.atomic():
        waiting = set(
            EvidenceProposal.objects.filter(evidence__in=links, state=ProposalState.PENDING).values_list(
                "evidence_id", flat=True
            )
        )
        event = _event_text(kind, obj)[:300]
        for link in links:
            if link.pk in waiting or link.milestone.status == link.proposed_status:
                continue
            proposal = EvidenceProposal.objects.create(
                milestone=link.milestone,
                evidence=link,
                kind=kind,
                event=event,
                proposed_status=link.proposed_status,
                observed_at=timezone.now(),
            )
            audit_record(
                actor=actor,
                action="milestone.evidence-proposed",
                obj=link.milestone,
                after={"event": event, "proposed_status": link.proposed_status, "proposal": proposal.pk},
                system_actor=kind,
            )
            proposals.append(proposal)
    return proposals


@transaction.atomic
def proposal_confirm(*, actor: AbstractBaseUser, proposal: EvidenceProposal) -> EvidenceProposal:
    """The task force lead confirms a proposal: the milestone takes the proposed status."""
    may.CONFIRM_PROPOSALS.check(actor)
    # The milestone, then its proposal: parent first, the lock order of campaigns/models.py.
    milestone = Milestone.objects.select_for_update(no_key=True).get(pk=proposal.milestone_id)
    proposal = EvidenceProposal.objects.select_for_update(no_key=True).get(pk=proposal.pk)
    require_transition(PROPOSAL_TRANSITIONS, f"Proposal #{proposal.pk}", proposal.state, ProposalState.CONFIRMED)
    if milestone.status != proposal.proposed_status:
        require_transition(MILESTONE_TRANSITIONS, milestone, milestone.status, proposal.proposed_status)
        values: dict[str, Any] = {"status": proposal.proposed_status}
        if proposal.proposed_status == MilestoneStatus.DONE and milestone.completed_date is None:
            values["completed_date"] = timezone.localdate(proposal.observed_at)
        _apply_changes(
            milestone,
            _differences(milestone, values),
            origin=ChangeOrigin.PERSON,
            actor=actor,
            source="person",
            note=f"confirmed: {proposal.event}",
        )
    return _proposal_decide(actor=actor, proposal=proposal, to=ProposalState.CONFIRMED, milestone=milestone)


@transaction.atomic
def proposal_dismiss(*, actor: AbstractBaseUser, proposal: EvidenceProposal) -> EvidenceProposal:
    """The task force lead dismisses a proposal: the milestone stays as it is."""
    may.DISMISS_PROPOSALS.check(actor)
    proposal = EvidenceProposal.objects.select_for_update(no_key=True).get(pk=proposal.pk)
    require_transition(PROPOSAL_TRANSITIONS, f"Proposal #{proposal.pk}", proposal.state, ProposalState.DISMISSED)
    return _proposal_decide(actor=actor, proposal=proposal, to=ProposalState.DISMISSED, milestone=proposal.milestone)


def _proposal_decide(
    *, actor: AbstractBaseUser, proposal: EvidenceProposal, to: str, milestone: Milestone
) -> EvidenceProposal:
    proposal.state, proposal.decided_by, proposal.decided_at = to, actor, timezone.now()
    proposal.save(update_fields=["state", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=f"milestone.evidence-{to}",
        obj=milestone,
        before={"proposal": proposal.pk, "state": ProposalState.PENDING},
        after={"proposal": proposal.pk, "state": to, "event": proposal.event, "status": proposal.proposed_status},
    )
    return proposal
