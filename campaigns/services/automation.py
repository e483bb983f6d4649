"""Campaigns that run automatically: the production loop.

A campaign with "run automatically" on (``campaign_automate``) is advanced by ``campaign_advance``, which beat runs
for every such campaign after each poll (``campaigns_advance``) and which the end of each of its runs enqueues:

1. Its failed runs are acted on by the rule that classified them (``Submission.error_rule``, set when the run
   ended: ``campaigns.error_rules``): retried (``bps restart``, or submitted again with more memory per job) at
   most ``max_retries`` times after ``retry_after_seconds``; the group restarted afresh; held for review; or the
   campaign failed. A failure no rule covers, and a retry or restart whose tries are spent, hold the group (the other
   groups go on; the step waits for it) until someone restarts it.
2. Its current step (the first whose work is not all done: ``steps_completed``) gets its waiting groups submitted, as
   many as the campaign's and its workflow system's free slots allow (``dispatch.free_slots``).
3. Before the first group of a step is submitted, the step before it must pass its QA gate
   (``preflight.step_gate_verdict``: waits while the gate waits for metrics), and a breakpoint on the step
   (``Step.hold_before``) must have been released: otherwise the campaign is paused with the reason, and resuming it
   (``campaign_resume``) releases the breakpoint it stopped at.

Every automatic act is the act of the person who turned the automation on (``Campaign.automation_by``: their roles
are checked at each act, as the services check them), audited with the rule or the reason that caused it
(``automatic: true``). Pausing the campaign stops all of it at once: nothing is advanced while it is not running.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from campaigns import permissions as may
from campaigns import preflight, selectors
from campaigns.choices import (
    ACTIVE_SUBMISSION_STATUSES,
    CAMPAIGN_TRANSITIONS,
    FAILED_SUBMISSION_STATUSES,
    CampaignStatus,
    ErrorAction,
    SubmissionStatus,
)
from campaigns.models import Campaign, ErrorRule, Step, StepGroup, Submission, lock_rows
from campaigns.services.dispatch import free_slots
from campaigns.services.lifecycle import advance_on_commit, breakpoint_reason, breakpoint_release, campaign_move
from campaigns.services.requests import submission_request, submission_restart
from console.errors import Conflict, InvalidInput, NotPermitted
from console.services import audit_record

logger = logging.getLogger(__name__)


@transaction.atomic
def campaign_automate(*, actor: AbstractBaseUser, campaign: Campaign, on: bool) -> Campaign:
    """Turn "run automatically" on (the acts are then ``actor``'s) or off. Turning it on starts a campaign that is
    not running (a draft, ready, failed or paused one): it is advanced at once."""
    may.AUTOMATE.check(actor)
    campaign = lock_rows(campaign_id=campaign.pk).campaign
    if on and (refusal := campaign.submission_refusal()) and campaign.status != CampaignStatus.PAUSED:
        raise Conflict(refusal)
    if campaign.run_automatically == on:
        raise Conflict(f"{campaign} runs automatically already." if on else f"{campaign} does not run automatically.")
    if on and campaign.is_archived:
        raise Conflict(f"{campaign} is archived: unarchive it before running it automatically.")
    campaign.run_automatically, campaign.automation_by = on, (actor if on else campaign.automation_by)
    campaign.save(update_fields=["run_automatically", "automation_by", "updated_at"])
    audit_record(
        actor=actor,
        action="campaign.automation-on" if on else "campaign.automation-off",
        obj=campaign,
        before={"run_automatically": not on},
        after={"run_automatically": on},
    )
    if on and campaign.status != CampaignStatus.RUNNING:
        pause_reason = selectors.campaign_pause_reason(campaign)
        campaign_move(campaign, CampaignStatus.RUNNING, actor=actor, reason="run automatically")
        breakpoint_release(campaign, actor, pause_reason=pause_reason)
    if on:
        advance_on_commit(campaign)
    return campaign


@transaction.atomic
def step_breakpoint_set(*, actor: AbstractBaseUser, step: Step, hold: bool) -> Step:
    """Put a breakpoint on a step (a campaign that runs automatically holds for review before starting it), or
    take it away."""
    may.AUTOMATE.check(actor)
    _, step, _ = lock_rows(campaign_id=step.campaign_id, step_id=step.pk)
    if step.hold_before == hold:
        raise Conflict(f"The step {step.name} {'has a breakpoint already' if hold else 'has no breakpoint'}.")
    step.hold_before, step.hold_released_at, step.hold_released_by = hold, None, None
    step.save(update_fields=["hold_before", "hold_released_at", "hold_released_by"])
    audit_record(
        actor=actor,
        action="step.breakpoint-set" if hold else "step.breakpoint-removed",
        obj=step.campaign,
        after={"step": step.name, "hold_before": hold},
    )
    return step


@dataclass
class Advance:
    """What one advance of a campaign did: for the log, the cycle's totals and the tests."""

    submitted: int = 0
    retried: int = 0
    held: int = 0
    stopped: str = ""


def campaigns_advance(*, now: datetime | None = None) -> dict[str, int]:
    """One cycle over every campaign that runs automatically and is running."""
    totals = {"campaigns": 0, "submitted": 0, "retried": 0, "held": 0, "stopped": 0}
    campaign_ids = Campaign.objects.filter(
        run_automatically=True, status=CampaignStatus.RUNNING, archived_at__isnull=True
    ).values_list("pk", flat=True)
    for campaign_id in campaign_ids:
        try:
            advance = campaign_advance(campaign_id=campaign_id, now=now)
        except Exception:
            # One campaign's trouble must not stop the others: logged, and tried again at the next cycle.
            logger.exception("the automatic advance of campaign %s failed", campaign_id)
            continue
        totals["campaigns"] += 1
        totals["submitted"] += advance.submitted
        totals["retried"] += advance.retried
        totals["held"] += advance.held
        totals["stopped"] += bool(advance.stopped)
    return totals


def campaign_advance(*, campaign_id: int, now: datetime | None = None) -> Advance:
    """Advance one campaign that runs automatically (nothing when it does not, or is not running)."""
    now = now or timezone.now()
    advance = Advance()
    campaign = Campaign.objects.select_related("automation_by", "release").get(pk=campaign_id)
    if not campaign.run_automatically or campaign.status != CampaignStatus.RUNNING or campaign.is_archived:
        return advance
    actor = campaign.automation_by
    try:
        may.AUTOMATE.check(actor)
    except NotPermitted:
        advance.stopped = f"{actor} may no longer run campaigns automatically"
        _stop(campaign, advance.stopped)
        return advance
    try:
        _act_on_failures(campaign, actor, now, advance)
        if not advance.stopped:
            _start_current_step(campaign, actor, advance)
    except (Conflict, InvalidInput, NotPermitted) as error:
        advance.stopped = str(error)
        _stop(campaign, advance.stopped)
    return advance


def _stop(campaign: Campaign, reason: str, *, to: str = CampaignStatus.PAUSED) -> None:
    """Stop the automation of a running campaign: paused (failed, for a rule that says so), with the reason."""
    with transaction.atomic():
        campaign = lock_rows(campaign_id=campaign.pk).campaign
        if campaign.status == CampaignStatus.RUNNING and to in CAMPAIGN_TRANSITIONS[campaign.status]:
            campaign_move(campaign, to, actor=None, reason=reason, automatic=True)


# Failures -----------------------------------------------------------------------------------------------


def _act_on_failures(campaign: Campaign, actor: AbstractBaseUser, now: datetime, advance: Advance) -> None:
    """Act on each ended run of the campaign not acted on yet, by its rule (oldest first): a failed or lost one,
    or one a person cancelled (held: the automation does not undo a person's act)."""
    ended = list(
        Submission.objects.filter(
            step__campaign=campaign, status__in=ACTED_ON_STATUSES, failure_handled_at__isnull=True
        ).values_list("pk", flat=True)
    )
    for submission_id in sorted(ended):
        _act_on_failure(campaign, submission_id, actor, now, advance)
        if advance.stopped:
            return


# The ends of a run the automation acts on: a failure by its rule, a cancellation by holding its group.
ACTED_ON_STATUSES = (*FAILED_SUBMISSION_STATUSES, SubmissionStatus.CANCELLED)


def _act_on_failure(
    campaign: Campaign, submission_id: int, actor: AbstractBaseUser, now: datetime, advance: Advance
) -> None:
    """One ended run, claimed under the campaign's lock (the beat cycle and a run's own advance may meet here): it
    is acted on once, while it is the newest run of its group (or step), in the transaction that marks it so."""
    with transaction.atomic():
        lock_rows(campaign_id=campaign.pk)
        failure = (
            Submission.objects.select_related("error_rule__error_type", "group", "step")
            .filter(pk=submission_id, failure_handled_at__isnull=True)
            .first()
        )
        if failure is None:
            return  # acted on meanwhile
        newest = Submission.objects.filter(step_id=failure.step_id, group_id=failure.group_id).order_by("-pk")
        if newest.values_list("pk", flat=True).first() != failure.pk:
            _mark_handled(failure, now)  # a later run (a person's restart, say) answers it already
            return
        what = f"submission {failure.pk} ({failure.group.name if failure.group else failure.step.name})"
        rule = failure.error_rule
        if failure.status == SubmissionStatus.CANCELLED:
            _hold(campaign, failure, now, advance, reason=f"{what} was cancelled; restart it to go on")
        elif rule is None:
            _hold(campaign, failure, now, advance, reason=f"no error rule covers the failure of {what}")
        elif rule.action == ErrorAction.FAIL:
            _mark_handled(failure, now)
            advance.stopped = f"the rule {rule.name} fails the campaign on {rule.error_type} ({what})"
            _stop(campaign, advance.stopped, to=CampaignStatus.FAILED)
        elif rule.action == ErrorAction.HOLD:
            reason = f"{rule.error_type}: the rule {rule.name} holds it for review"
            _hold(campaign, failure, now, advance, reason=reason)
        elif now >= (failure.ended_at or now) + timedelta(seconds=rule.retry_after_seconds):
            _try_again(campaign, failure, rule, actor, now, advance)


def _try_again(
    campaign: Campaign, failure: Submission, rule: ErrorRule, actor: AbstractBaseUser, now: datetime, advance: Advance
) -> None:
    """The rule's retry or restart of the group, while its tries last; held for review after the last."""
    tries = Submission.objects.filter(step_id=failure.step_id, group_id=failure.group_id, requested_by_rule=rule)
    tries = tries.count()
    if tries >= rule.max_retries:
        reason = f"{rule.error_type}: the rule {rule.name} tried {tries} time(s), its limit"
        _hold(campaign, failure, now, advance, reason=reason)
        return
    key = f"auto-{failure.pk}-{rule.pk}"
    if rule.action == ErrorAction.RETRY and rule.memory_multiplier is None:
        submission_restart(actor=actor, submission=failure, idempotency_key=key, requested_by_rule=rule, automatic=True)
    else:
        # A restart of the group afresh, or a retry with more memory per job (a new graph: bps restart would run
        # the old one again).
        memory = rule.memory_multiplier ** (tries + 1) if rule.action == ErrorAction.RETRY else 1.0
        submission_request(
            actor=actor,
            step=failure.step,
            group=failure.group,
            idempotency_key=key,
            requested_by_rule=rule,
            memory_factor=memory,
            automatic=True,
        )
    _mark_handled(failure, now)
    advance.retried += 1


def _mark_handled(failure: Submission, now: datetime) -> None:
    Submission.objects.filter(pk=failure.pk, failure_handled_at__isnull=True).update(failure_handled_at=now)


def _hold(campaign: Campaign, failure: Submission, now: datetime, advance: Advance, *, reason: str) -> None:
    """Hold the ended run's group for review (its step waits for it; the other groups go on); a step not split
    into groups is its own group: the campaign is paused. Releasing the hold (or resuming the campaign) lets the
    automation restart it (``_restart_released``). In the caller's transaction, with the campaign locked."""
    _mark_handled(failure, now)
    if failure.group is None:
        advance.stopped = reason
        _stop(campaign, reason)
        return
    group = StepGroup.objects.select_for_update(no_key=True).get(pk=failure.group_id)
    group.held_at, group.held_reason = now, reason[: StepGroup._meta.get_field("held_reason").max_length]
    group.save(update_fields=["held_at", "held_reason"])
    audit_record(
        actor=None,
        action="group.held",
        obj=campaign,
        after={
            "step": failure.step.name,
            "group": group.name,
            "submission": failure.pk,
            "rule": failure.error_rule.name if failure.error_rule else None,
            "reason": reason,
            "automatic": True,
        },
        system_actor="automation",
    )
    advance.held += 1


# Starting work ------------------------------------------------------------------------------------------


def _start_current_step(campaign: Campaign, actor: AbstractBaseUser, advance: Advance) -> None:
    step = campaign.current_step()
    if step is None:
        _complete(campaign)
        return
    started = step.submissions.exists()
    if not started:
        previous = campaign.steps.filter(position__lt=step.position).order_by("-position").first()
        if previous is not None:
            verdict = preflight.step_gate_verdict(previous)
            if verdict.wait:
                return
            if not verdict.proceed:
                advance.stopped = f"the step {previous.name} is held at its QA gate: {verdict.reason}"
                _stop(campaign, advance.stopped)
                return
        if step.hold_before and step.hold_released_at is None:
            advance.stopped = breakpoint_reason(step)
            _stop(campaign, advance.stopped)
            return
    slots = free_slots(campaign, counting=ACTIVE_SUBMISSION_STATUSES)
    slots -= _restart_released(step, actor, slots, advance)
    if slots <= 0:
        return
    if not step.is_split:
        if not started:
            submission_request(actor=actor, step=step, idempotency_key=f"auto-step-{step.pk}", automatic=True)
            advance.submitted += 1
        return
    waiting = list(
        StepGroup.objects.filter(step=step, held_at__isnull=True)
        .filter(~Exists(Submission.objects.filter(group=OuterRef("pk"))))
        .order_by("position")[:slots]
    )
    # Their configurations read the earlier steps' outputs: once for all of them.
    earlier_outputs = preflight.earlier_step_outputs(step) if waiting else []
    for group in waiting:
        group.step = step
        submission_request(
            actor=actor,
            step=step,
            group=group,
            idempotency_key=f"auto-group-{group.pk}",
            automatic=True,
            earlier_outputs=earlier_outputs,
        )
        advance.submitted += 1


def _restart_released(step: Step, actor: AbstractBaseUser, slots: int, advance: Advance) -> int:
    """Restart, within ``slots``, the step's groups (or the step) whose newest run ended without success, was acted
    on already and is held no longer: a person released the hold (or resumed the campaign a failure of a step not
    split paused). Returns how many were restarted."""
    released = Submission.objects.filter(
        step=step, status__in=ACTED_ON_STATUSES, failure_handled_at__isnull=False
    ).select_related("group", "step")
    if step.is_split:
        newest = Submission.objects.filter(group=OuterRef("group")).order_by("-pk").values("pk")[:1]
        released = released.filter(group__held_at__isnull=True, pk=Subquery(newest))
    else:
        released = released.filter(group__isnull=True, pk=Subquery(step.submissions.order_by("-pk").values("pk")[:1]))
    released = released.order_by("pk")
    restarted = 0
    for ended in released[: max(slots, 0)]:
        submission_restart(actor=actor, submission=ended, idempotency_key=f"auto-released-{ended.pk}", automatic=True)
        restarted += 1
    advance.retried += restarted
    return restarted


def _complete(campaign: Campaign) -> None:
    """Every step's work is done: the running campaign is completed (its last run ended while it was paused, say)."""
    with transaction.atomic():
        campaign = lock_rows(campaign_id=campaign.pk).campaign
        if campaign.status == CampaignStatus.RUNNING and campaign.current_step() is None:
            campaign_move(campaign, CampaignStatus.COMPLETED, actor=None, reason="every step is done", automatic=True)
