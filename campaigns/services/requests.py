"""What people ask of submissions: a new submission of a step (``submission_request``), a restart of an attempt
(``submission_restart``), a cancellation (``submission_cancel``).

A request commits a ``pending`` row and enqueues its dispatch on commit (the outbox, ``dispatch.py``); the same
idempotency key always gives the same submission, once. Restarts are new attempts linked to the one they restart.
"""

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns import permissions as may
from campaigns import preflight
from campaigns.bps_config import ConfigError
from campaigns.choices import SUBMISSION_TRANSITIONS, CampaignStatus, SubmissionStatus
from campaigns.models import ComputeSite, ErrorRule, Step, StepGroup, Submission, lock_rows, submission_queue
from campaigns.services import dispatch
from campaigns.services.lifecycle import campaign_move, campaign_move_after_submission_cancelled, submission_move
from campaigns.workflow import StackCommandError, adapter_for
from console.errors import Conflict, InvalidInput
from console.services import audit_record
from console.tasks import enqueue_on_commit
from console.transitions import require_transition

logger = logging.getLogger(__name__)

IDEMPOTENCY_KEY_MAX_LENGTH = Submission._meta.get_field("idempotency_key").max_length


def submission_request(
    *,
    actor: AbstractBaseUser,
    step: Step,
    idempotency_key: str,
    group: StepGroup | None = None,
    requested_by_rule: ErrorRule | None = None,
    memory_factor: float = 1.0,
    automatic: bool = False,
    earlier_outputs: list[str] | None = None,
) -> Submission:
    """Ask for one submission of a step, or of one of its groups (a step split into groups is submitted group by
    group). The same key always gives the same submission, once; a key that another request used (for another
    step or group, or a restart) is refused, naming the submission it gave.

    ``requested_by_rule``: the error rule whose action asks for it (a group restarted by a campaign that runs
    automatically), recorded on the submission; ``memory_factor``: each job's memory is multiplied by it;
    ``automatic``: asked by a campaign that runs automatically (``services.automation``), as its audit row says;
    ``earlier_outputs``: the earlier steps' outputs, when the caller read them once for many groups."""
    may.SUBMIT.check(actor)
    if group is not None and group.step_id != step.pk:
        raise InvalidInput(f"The group {group.name} is not a group of the step {step.name}.")
    if not idempotency_key or len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise InvalidInput(f"An idempotency key of 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters is required.")
    existing = Submission.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _same_request(existing, step=step, group=group, restarts=None)
    try:
        return _submission_create(
            actor=actor,
            step=step,
            group=group,
            idempotency_key=idempotency_key,
            requested_by_rule=requested_by_rule,
            memory_factor=memory_factor,
            automatic=automatic,
            earlier_outputs=earlier_outputs,
        )
    except IntegrityError:
        # Another request with the same key, or for the same step or group, committed first.
        existing = Submission.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _same_request(existing, step=step, group=group, restarts=None)
        raise _step_busy(step, group) from None


def submission_restart(
    *,
    actor: AbstractBaseUser,
    submission: Submission,
    idempotency_key: str = "",
    requested_by_rule: ErrorRule | None = None,
    automatic: bool = False,
) -> Submission:
    """A new attempt that re-runs what failed (``bps restart``); both attempts stay linked.

    The same restart asked again (the same key, or none twice: a double click, a retried call) gives the same
    attempt. A key that another request used is refused, naming the submission it gave; so is an attempt that
    cannot restart (``Submission.restart_refusal``: pending, running or succeeded, or restarted already).
    """
    may.RESTART.check(actor)
    if len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise InvalidInput(f"An idempotency key has at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters.")
    key = idempotency_key or f"restart-of-{submission.pk}"
    group = submission.group
    existing = Submission.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _same_request(existing, step=submission.step, group=group, restarts=submission)
    try:
        return _submission_create(
            actor=actor,
            step=submission.step,
            group=group,
            idempotency_key=key,
            restarts=submission,
            requested_by_rule=requested_by_rule,
            automatic=automatic,
        )
    except IntegrityError:
        existing = Submission.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return _same_request(existing, step=submission.step, group=group, restarts=submission)
        raise _step_busy(submission.step, group) from None


def _same_request(
    existing: Submission, *, step: Step, group: StepGroup | None, restarts: Submission | None
) -> Submission:
    """The submission an idempotency key gave, when it is asked for again by the same request: a submission of
    the same step (and group), or the restart of the same attempt. A key reused for anything else is a conflict."""
    same_target = existing.step_id == step.pk and existing.group_id == (group.pk if group else None)
    if same_target and existing.restarts_id == (restarts.pk if restarts else None):
        return existing
    if restarts:
        asked = f"a restart of submission {restarts.pk}"
    elif group:
        asked = f"a new submission of the group {group.name} of the step {step.name}"
    else:
        asked = f"a new submission of the step {step.name}"
    raise Conflict(
        f"That idempotency key belongs to submission {existing.pk}, not to {asked}; a new request needs a new key."
    )


def _step_busy(step: Step, group: StepGroup | None = None) -> Conflict:
    """The refusal of a request that ``submission_one_active_per_step`` (or ``_per_group``) stopped: another
    submission of the step or group, requested meanwhile, is in progress (its refusal names it, unless it ended
    since)."""
    if group is not None:
        group.refresh_from_db()
        return Conflict(group.submission_refusal() or f"The group {group.name} has a submission in progress already.")
    return Conflict(step.in_progress_refusal() or f"The step {step.name} has a submission in progress already.")


@transaction.atomic
def _submission_create(
    *,
    actor: AbstractBaseUser,
    step: Step,
    idempotency_key: str,
    group: StepGroup | None = None,
    restarts: Submission | None = None,
    requested_by_rule: ErrorRule | None = None,
    memory_factor: float = 1.0,
    automatic: bool = False,
    earlier_outputs: list[str] | None = None,
) -> Submission:
    """The new submission (or restart), with the campaign and the restarted attempt locked.

    Whether the step has a submission in progress is left to the constraint ``submission_one_active_per_step``
    (an IntegrityError for the caller): a request that finds one with its own key gives that one.
    """
    campaign, _, restarts = lock_rows(campaign_id=step.campaign_id, submission_id=restarts.pk if restarts else None)
    refusal = (restarts.restart_refusal() if restarts is not None else "") or campaign.submission_refusal()
    if not refusal and restarts is None and group is None:
        refusal = step.in_progress_refusal() if step.is_split else ""
    if refusal:
        raise Conflict(refusal)
    problems = preflight.preflight_problems(campaign, step)
    if restarts is not None:
        # A restart re-runs the attempt's own graph: the previous-step check was made then. The release is asked
        # again (still approved for the campaign, still supported), as dispatch asks it again.
        problems = [problem for problem in problems if problem.check in ("config", "release")]
    if problems:
        raise Conflict("Pre-flight checks failed:\n" + "\n".join(f"- {p.message}" for p in problems))
    with transaction.atomic():
        submission = Submission.objects.create(
            step=step,
            group=group,
            # Where it runs: the restarted attempt's host (its working directory is there), else the host of the
            # campaign's compute site (None: this one).
            submit_host_id=restarts.submit_host_id if restarts else _submit_host_id(campaign),
            requested_by_rule=requested_by_rule,
            idempotency_key=idempotency_key,
            requested_by=actor,
            # A restart runs with the campaign's release now: moved onto a patch, its failed work is restarted
            # with the fix.
            release=campaign.release,
            attempt=restarts.attempt + 1 if restarts else 1,
            restarts=restarts,
        )
    try:
        submission.bps_config = (
            restarts.bps_config
            if restarts
            else preflight.render_config(
                campaign, step, submission.pk, group, memory_factor=memory_factor, earlier_outputs=earlier_outputs
            )
        )
    except ConfigError as error:
        raise InvalidInput(str(error)) from None
    submission.run_collection = (
        restarts.run_collection if restarts else preflight.output_run_for(campaign, step, submission.pk, group)
    )
    submission.save(update_fields=["bps_config", "run_collection"])
    audit_record(
        actor=actor,
        action="submission.restart-requested" if restarts else "submission.requested",
        obj=submission,
        after={
            "step": step.name,
            "attempt": submission.attempt,
            "restarts": restarts.pk if restarts else None,
            **({"group": group.name} if group else {}),
            **({"rule": requested_by_rule.name} if requested_by_rule else {}),
            **({"memory_factor": memory_factor} if memory_factor != 1.0 else {}),
            **({"automatic": True} if automatic else {}),
        },
    )
    if group is not None and group.held_at is not None:
        _group_hold_end(group, actor=actor, submission=submission)
    campaign_move(campaign, CampaignStatus.RUNNING, actor=actor)
    dispatch.dispatch_on_commit(submission)
    return submission


def _submit_host_id(campaign) -> int | None:
    if campaign.compute_site_id is None:
        return None
    return ComputeSite.objects.filter(pk=campaign.compute_site_id).values_list("submit_host_id", flat=True).first()


def _group_hold_end(group: StepGroup, *, actor: AbstractBaseUser, submission: Submission) -> None:
    """A held group runs again (restarted, or submitted afresh): its hold ends with it."""
    reason = group.held_reason
    StepGroup.objects.filter(pk=group.pk).update(held_at=None, held_reason="")
    group.held_at, group.held_reason = None, ""
    audit_record(
        actor=actor,
        action="group.hold-ended",
        obj=submission,
        before={"held": True, "reason": reason},
        after={"held": False, "group": group.name},
    )


def submission_cancel(*, actor: AbstractBaseUser, submission: Submission) -> Submission:
    """Stop a submission: a pending one is dropped, a running one has its whole process group ended."""
    may.CANCEL.check(actor)
    with transaction.atomic():
        campaign, _, locked = lock_rows(campaign_id=submission.step.campaign_id, submission_id=submission.pk)
        require_transition(SUBMISSION_TRANSITIONS, f"Submission {locked.pk}", locked.status, SubmissionStatus.CANCELLED)
        was = locked.status
        submission_move(
            locked,
            SubmissionStatus.CANCELLED,
            actor=actor,
            changes={"ended_at": timezone.now()},
            audit_after={"was": was},
        )
        campaign_move_after_submission_cancelled(campaign, locked, actor)
    if was != SubmissionStatus.PENDING and locked.working_dir and locked.submit_host_id:
        # Its run lives on a facility's submit host: that host's worker ends it.
        from campaigns.tasks import cancel_run_task

        enqueue_on_commit(
            cancel_run_task, locked.pk, what=f"the end of run {locked.pk}", queue=submission_queue(locked)
        )
    elif was != SubmissionStatus.PENDING and locked.working_dir:
        try:
            adapter_for(locked.step.campaign.workflow_system).cancel(locked)
        except StackCommandError as error:
            logger.error("cancel of submission %s: %s", locked.pk, error)
            raise Conflict(f"Submission {locked.pk} is marked cancelled, but ending its run failed: {error}") from None
    return locked
