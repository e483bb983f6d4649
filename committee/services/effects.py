"""What a decision does beyond itself: a pipeline-version decision approves its release for its campaigns (withdrawn
if the leadership team refuses to endorse it); a backport decision concludes the backport request's review.

Run inside the decision's transaction, by the service that closes or refuses it.
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser

from committee.choices import DecisionKind, DecisionStatus
from committee.models import Decision, ReleaseApproval
from console.services import audit_record
from releases.services import backport_review_conclude, release_approval_revoke, release_approve


def decision_effects_apply(decision: Decision, *, actor: AbstractBaseUser | None, now: datetime) -> None:
    """The effects of a decision that has just closed."""
    if decision.kind == DecisionKind.PIPELINE_VERSION and decision.status == DecisionStatus.APPROVED:
        _release_approvals_grant(actor=actor, decision=decision, now=now)
    if decision.kind == DecisionKind.BACKPORT:
        approved = {DecisionStatus.APPROVED: True, DecisionStatus.REJECTED: False}.get(decision.status)
        backport_review_conclude(actor=actor, backport=decision.backport_request, decision=decision, approved=approved)


def _release_approvals_grant(*, actor: AbstractBaseUser | None, decision: Decision, now: datetime) -> None:
    """Effect of an approved pipeline-version decision: its release is approved for the campaigns it names."""
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


def release_approvals_withdraw(*, actor: AbstractBaseUser | None, decision: Decision) -> None:
    """Effect of a refused endorsement: the campaign approvals that the decision gave are withdrawn."""
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
