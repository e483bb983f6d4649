"""What a decision does beyond itself, applied when it takes effect: a pipeline-version decision approves its
release for its campaigns; a patch decision approves its patch for its campaigns and moves them onto it; a backport
decision concludes the backport request's review.

A decision takes effect when it is approved and needs no endorsement (the change control board's, at its close) or
when the leadership team endorses it (the policy committee's: ``Decision.needs_endorsement``). A policy committee
decision approved by its votes has not taken effect yet (``Decision.awaits_endorsement``), and one whose
endorsement is refused never did: nothing is approved for a campaign meanwhile.

Run inside the decision's transaction, by the service that closes or endorses it.
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser

from campaigns.services import campaign_release_change
from committee.choices import DecisionKind, DecisionStatus
from committee.models import Decision, ReleaseApproval
from console.services import audit_record
from releases.services import backport_review_conclude, release_approval_revoke, release_approve

# How a backport decision's close concludes its request's review: approved, rejected, or back to proposed.
BACKPORT_OUTCOMES = {DecisionStatus.APPROVED: True, DecisionStatus.REJECTED: False, DecisionStatus.EXPIRED: None}


def decision_effects_apply(decision: Decision, *, actor: AbstractBaseUser | None, now: datetime) -> None:
    """The effects of the transition a decision has just made: its close, or its endorsement."""
    if decision.kind == DecisionKind.PIPELINE_VERSION and decision.in_effect:
        _release_approvals_grant(actor=actor, decision=decision, now=now)
    if decision.kind == DecisionKind.PATCH and decision.in_effect:
        _release_approvals_grant(actor=actor, decision=decision, now=now)
        _campaigns_move_onto_patch(actor=actor, decision=decision)
    # The change control board's decisions are not endorsed: its close concludes the review, however it closed.
    if decision.kind == DecisionKind.BACKPORT and decision.status in BACKPORT_OUTCOMES:
        backport_review_conclude(
            actor=actor,
            backport=decision.backport_request,
            decision=decision,
            approved=BACKPORT_OUTCOMES[decision.status],
        )


def _release_approvals_grant(*, actor: AbstractBaseUser | None, decision: Decision, now: datetime) -> None:
    """Effect of a pipeline-version (or patch) decision in effect: its release is approved for the campaigns it
    names."""
    source = f"decision #{decision.pk}"
    release = release_approve(actor=actor, release=decision.release, source=source, now=now)
    for campaign in decision.campaigns.all():
        _, created = ReleaseApproval.objects.get_or_create(
            release=release, campaign=campaign, defaults={"decision": decision, "approved_at": now}
        )
        if created:
            audit_record(
                actor=actor,
                action="release.approved-for-campaign",
                obj=release,
                after={"campaign": campaign.name, "decision": decision.pk},
                system_actor=source,
            )


def _campaigns_move_onto_patch(*, actor: AbstractBaseUser | None, decision: Decision) -> None:
    """Effect of a patch decision in effect, once its patch is approved for its campaigns: each campaign still running
    the patch's base or an earlier patch moves onto it (``campaign_release_change``, with the decision as its
    source). A campaign on the patch already, or moved meanwhile onto a later patch or another release, is left
    alone."""
    source = f"decision #{decision.pk}"
    # A release change records a person: the one whose act brought the decision into effect.
    changed_by = actor or decision.endorsed_by or decision.recorded_by or decision.proposed_by
    for campaign in decision.campaigns.select_related("release"):
        if decision.release.supersedes(campaign.release):
            campaign_release_change(
                actor=changed_by,
                campaign=campaign,
                release=decision.release,
                reason=f"{decision.title} ({source})",
                source=source,
            )


def release_approvals_withdraw(*, actor: AbstractBaseUser | None, decision: Decision) -> None:
    """A refused endorsement of a decision that closed before endorsement was required for it to take effect:
    the campaign approvals given at its close are withdrawn. A decision approved since gave none (it never took
    effect), so for it there is nothing to withdraw."""
    source = f"decision #{decision.pk}"
    for approval in ReleaseApproval.objects.select_related("release", "campaign").filter(decision=decision):
        audit_record(
            actor=actor,
            action="release.approval-withdrawn",
            obj=approval.release,
            before={"campaign": approval.campaign.name, "decision": decision.pk},
            system_actor=source,
        )
        approval.delete()
        if not ReleaseApproval.objects.filter(release=approval.release).exists():
            release_approval_revoke(actor=actor, release=approval.release, source=source)
