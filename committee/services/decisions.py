"""A decision's lifecycle: drafted, opened for votes, closed by the vote that meets the committee's rule or by its
deadline. ``lock_decision``, ``move_decision`` and ``close_decision`` are shared with the votes and the endorsement.
"""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from campaigns.choices import CAMPAIGN_RELEASE_FIXED
from committee.choices import DECISION_TRANSITIONS, CommitteeKind, DecisionKind, DecisionStatus, NotificationKind
from committee.models import Committee, Decision, Tally
from committee.services.effects import decision_effects_apply
from committee.services.notifications import notify_on_commit
from console.errors import Conflict, InvalidInput, NotPermitted
from console.roles import Role, user_has_role
from console.services import audit_record
from console.text_limits import PROPOSAL, text_check
from console.transitions import require_transition
from releases.choices import BackportStatus
from releases.models import BackportRequest, Release
from releases.services import backport_review_start, weekly_not_for_production

# Drafting ------------------------------------------------------------------------------------------------


@transaction.atomic
def decision_create(
    *,
    actor: AbstractBaseUser,
    committee: Committee,
    kind: str,
    title: str,
    proposal: str,
    deadline: datetime,
    release: Release | None = None,
    backport_request: BackportRequest | None = None,
    campaigns: Iterable = (),
) -> Decision:
    """Draft a decision for a committee. A member of the committee or the task force lead may."""
    _check_may_propose(actor, committee)
    _check_proposal(committee=committee, kind=kind, title=title, proposal=proposal, deadline=deadline)
    campaigns = list(campaigns)
    _check_subject(
        committee=committee, kind=kind, release=release, backport_request=backport_request, campaigns=campaigns
    )
    decision = Decision.objects.create(
        committee=committee,
        kind=kind,
        title=title.strip(),
        proposal=proposal.strip(),
        deadline=deadline,
        release=release,
        backport_request=backport_request,
        proposed_by=actor,
    )
    decision.campaigns.set(campaigns)
    _audit_created(actor, decision, campaigns)
    return decision


def _check_may_propose(actor: AbstractBaseUser, committee: Committee) -> None:
    """A member of this committee, not of any (``permissions.PROPOSE``), or the task force lead."""
    if actor.is_authenticated and (
        user_has_role(actor, Role.TASK_FORCE_LEAD) or committee.seats.filter(holder=actor.pk).exists()
    ):
        return
    raise NotPermitted(f"Only a member of the {committee} or the task force lead may propose its decisions.")


def _check_proposal(*, committee: Committee, kind: str, title: str, proposal: str, deadline: datetime) -> None:
    """A known kind, put to a committee that votes, with a title, a proposal and a deadline ahead."""
    if kind not in DecisionKind.values:
        raise InvalidInput(f"Unknown decision kind {kind!r}; the kinds are {', '.join(DecisionKind.values)}.")
    if committee.kind == CommitteeKind.LEADERSHIP:
        raise InvalidInput("The leadership team endorses the policy committee's decisions; it does not vote here.")
    if not title.strip() or not proposal.strip():
        raise InvalidInput("A decision needs a title and a proposal.")
    text_check(proposal.strip(), limit=PROPOSAL, what="The proposal")
    if deadline <= timezone.now():
        raise InvalidInput(f"The deadline {deadline:%Y-%m-%d %H:%M} is in the past.")


def _check_subject(
    *,
    committee: Committee,
    kind: str,
    release: Release | None,
    backport_request: BackportRequest | None,
    campaigns: list,
) -> None:
    """A pipeline version goes to the policy committee and names its release and campaigns; so does a patch, for
    campaigns running its base or an earlier patch (``_check_patch_subject``); a backport goes to the change
    control board and names a proposed backport request."""
    if kind == DecisionKind.PATCH:
        _check_patch_subject(committee=committee, release=release, campaigns=campaigns)
    if kind == DecisionKind.PIPELINE_VERSION:
        if committee.kind != CommitteeKind.POLICY:
            raise InvalidInput("The pipeline version is decided by the policy committee.")
        if release is None or not campaigns:
            raise InvalidInput("A pipeline-version decision names the release and the campaigns it is for.")
        if release.is_weekly:
            raise Conflict(weekly_not_for_production(release))
    if kind == DecisionKind.BACKPORT:
        if committee.kind != CommitteeKind.CHANGE_CONTROL:
            raise InvalidInput("Backports are decided by the change control board.")
        if backport_request is None:
            raise InvalidInput("A backport decision names the backport request it decides.")
        if backport_request.status != BackportStatus.PROPOSED:
            raise Conflict(
                f"{backport_request.rfc_id} is {backport_request.status}; only a proposed request is reviewed."
            )


def _check_patch_subject(*, committee: Committee, release: Release | None, campaigns: list) -> None:
    """A patch decision (the policy committee's) names a patch and campaigns that may move onto it: each runs the
    patch's base or an earlier patch of it (``Release.supersedes``) and is not closed (accepted or cancelled)."""
    if committee.kind != CommitteeKind.POLICY:
        raise InvalidInput("Moving campaigns onto a patch is decided by the policy committee.")
    if release is None or not campaigns:
        raise InvalidInput("A patch decision names the patch and the campaigns it moves onto it.")
    if not release.is_patch:
        raise InvalidInput(
            f"{release} is not a patch (it has no base release): a pipeline-version decision approves it for campaigns."
        )
    problems = []
    for campaign in campaigns:
        if campaign.release_id == release.pk:
            problems.append(f"{campaign.name} runs {release} already.")
        elif not release.supersedes(campaign.release):
            problems.append(
                f"{campaign.name} runs {campaign.release or 'no release'}, not {release.base_release} or an earlier "
                "patch of it."
            )
        elif campaign.status in CAMPAIGN_RELEASE_FIXED:
            problems.append(f"{campaign.name} is {campaign.status}; it keeps the release it ran with.")
    if problems:
        base = release.base_release
        raise InvalidInput(
            f"A patch decision for {release} moves campaigns running {base} onto it: " + " ".join(problems)
        )


def _audit_created(actor: AbstractBaseUser, decision: Decision, campaigns: list) -> None:
    audit_record(
        actor=actor,
        action="decision.created",
        obj=decision,
        after={
            "committee": decision.committee.name,
            "kind": decision.kind,
            "release": str(decision.release) if decision.release else None,
            "backport_request": decision.backport_request.rfc_id if decision.backport_request else None,
            "campaigns": [campaign.name for campaign in campaigns],
            "deadline": decision.deadline.isoformat(),
        },
    )


# Transitions ----------------------------------------------------------------------------------------------


def lock_decision(decision: Decision) -> Decision:
    """The decision's row, locked until the end of the transaction, with its committee."""
    return Decision.objects.select_for_update(no_key=True, of=("self",)).select_related("committee").get(pk=decision.pk)


def move_decision(decision: Decision, to: str) -> dict:
    """Set the status of a locked decision if ``DECISION_TRANSITIONS`` allows it; returns the audit's "before"."""
    require_transition(DECISION_TRANSITIONS, f"Decision #{decision.pk}", decision.status, to)
    before = {"status": decision.status}
    decision.status = to
    return before


@transaction.atomic
def decision_open(*, actor: AbstractBaseUser, decision: Decision) -> Decision:
    """Put a draft to the vote; a backport under decision goes under review."""
    decision = lock_decision(decision)
    # The proposer of this decision, not of any (``permissions.OPEN``).
    if decision.proposed_by_id != actor.pk and not user_has_role(actor, Role.TASK_FORCE_LEAD):
        raise NotPermitted("Only the proposer or the task force lead may open a decision.")
    before = move_decision(decision, DecisionStatus.OPEN)
    if decision.deadline <= timezone.now():
        raise Conflict(f"The deadline {decision.deadline:%Y-%m-%d %H:%M} has passed; set a new one first.")
    decision.opened_at = timezone.now()
    decision.save(update_fields=["status", "opened_at"])
    if decision.kind == DecisionKind.BACKPORT:
        backport_review_start(actor=actor, backport=decision.backport_request, decision=decision)
    audit_record(actor=actor, action="decision.opened", obj=decision, before=before, after={"status": decision.status})
    notify_on_commit(decision, NotificationKind.OPENED)
    return decision


def close_decision(decision: Decision, *, actor: AbstractBaseUser | None, tally: Tally, now: datetime) -> Decision:
    """Close a locked open decision by its tally (``Tally.outcome``) and apply the effects of its close: an approved
    decision of the policy committee takes effect only when the leadership team endorses it (``services.effects``)."""
    to = tally.outcome
    before = move_decision(decision, to)
    decision.closed_at = now
    decision.outcome_summary = tally.summary()
    decision.save(update_fields=["status", "closed_at", "outcome_summary"])
    audit_record(
        actor=actor,
        action=f"decision.{to}",
        obj=decision,
        before=before,
        after={"status": to, "tally": tally.summary()},
        system_actor="deadline",
    )
    decision_effects_apply(decision, actor=actor, now=now)
    notify_on_commit(decision, NotificationKind.CLOSED)
    return decision


def decisions_close_expired(*, now: datetime | None = None) -> list[int]:
    """Close every open decision past its deadline, one transaction each; returns their ids."""
    now = now or timezone.now()
    closed = []
    for decision_id in Decision.objects.filter(status=DecisionStatus.OPEN, deadline__lte=now).values_list(
        "id", flat=True
    ):
        with transaction.atomic():
            decision = Decision.objects.select_for_update(no_key=True, skip_locked=True).filter(pk=decision_id).first()
            # Another worker or a last vote got there first.
            if decision is None or decision.status != DecisionStatus.OPEN:
                continue
            close_decision(decision, actor=None, tally=decision.tally(), now=now)
            closed.append(decision_id)
    return closed
