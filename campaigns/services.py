"""Writes of campaigns and submissions.

A submission's life: ``submission_request`` commits a ``pending`` row and
enqueues its dispatch on commit (the outbox); ``submission_dispatch`` claims it
with a conditional update (``pending -> submitting``), launches or adopts the
BPS process, and records it ``running``; ``submissions_poll`` follows running
ones and ``submission_finish`` records the end; ``submissions_sweep`` re-enqueues
rows left ``pending`` and frees ones stuck in ``submitting``. A launch that fails
transiently (``failure_is_transient``), or a dispatch that fails in a way nobody
foresaw, goes back to ``pending`` until its backoff has passed (``retry_at``), at
most ``SUBMISSION_MAX_TRIES`` launches in all.
Restarts are new attempts linked to the one they restart. Every transition
writes its audit row. Rows are locked in the one order of campaigns/models.py
(campaign -> step -> submission), through ``lock_rows``.
"""

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from campaigns import events, preflight
from campaigns.bps_config import ConfigError
from campaigns.choices import (
    ACTIVE_SUBMISSION_STATUSES,
    CAMPAIGN_TRANSITIONS,
    RESTARTABLE_SUBMISSION_STATUSES,
    SUBMISSION_TRANSITIONS,
    CampaignStatus,
    SubmissionStatus,
    WorkflowSystem,
)
from campaigns.models import Campaign, Step, Submission, lock_rows
from campaigns.workflow import RunState, StackCommandError, adapter_for
from console.errors import Conflict, InvalidInput
from console.roles import Role, require_role
from console.services import audit_record
from console.tasks import enqueue_on_commit
from console.transitions import require_transition

logger = logging.getLogger(__name__)

CAMPAIGN_EDITORS = (Role.TASK_FORCE_LEAD, Role.OPERATOR)
CAMPAIGN_FIELDS = Campaign.DEFINITION_FIELDS


def _definition(campaign: Campaign) -> dict:
    values = {name: getattr(campaign, name) for name in CAMPAIGN_FIELDS}
    values["release"] = str(campaign.release) if campaign.release_id else None
    return values


@transaction.atomic
def campaign_create(
    *,
    actor: AbstractBaseUser,
    name: str,
    steps: list[dict] | None = None,
    source: str = "system",
    **definition,
) -> Campaign:
    """Define a campaign (a draft) with its steps; one step named ``all`` when none are given."""
    require_role(actor, *CAMPAIGN_EDITORS, action="define campaigns")
    unknown = set(definition) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown campaign field(s): {', '.join(sorted(unknown))}.")
    name = name.strip()
    if not name:
        raise InvalidInput("A campaign needs a name.")
    if Campaign.objects.filter(name=name).exists():
        raise Conflict(f"A campaign named {name!r} exists already.")
    if definition.get("workflow_system", WorkflowSystem.PARSL) not in WorkflowSystem.values:
        raise InvalidInput(f"Unknown workflow system {definition['workflow_system']!r}.")
    campaign = Campaign.objects.create(name=name, owner=actor, **definition)
    _create_steps(campaign, steps or [{"name": "all"}])
    audit_record(
        actor=actor,
        action="campaign.created",
        obj=campaign,
        after={**_definition(campaign), "steps": [step.name for step in campaign.steps.all()]},
        system_actor=source,
    )
    return campaign


def _create_steps(campaign: Campaign, steps: list[dict]) -> None:
    created: dict[str, Step] = {}
    for position, spec in enumerate(steps, start=1):
        depends_on = spec.get("depends_on")
        if depends_on and depends_on not in created:
            raise InvalidInput(f"Step {spec['name']!r} depends on {depends_on!r}, which does not come before it.")
        created[spec["name"]] = Step.objects.create(
            campaign=campaign,
            name=spec["name"],
            position=position,
            pipeline_subset=spec.get("pipeline_subset", ""),
            data_query=spec.get("data_query", ""),
            depends_on=created.get(depends_on) if depends_on else None,
        )


@transaction.atomic
def campaign_clone(*, actor: AbstractBaseUser, campaign: Campaign, name: str) -> Campaign:
    """A new draft campaign with the same definition and steps."""
    steps = [
        {
            "name": step.name,
            "pipeline_subset": step.pipeline_subset,
            "data_query": step.data_query,
            "depends_on": step.depends_on.name if step.depends_on_id else None,
        }
        for step in campaign.steps.select_related("depends_on")
    ]
    definition = {field: getattr(campaign, field) for field in CAMPAIGN_FIELDS}
    clone = campaign_create(actor=actor, name=name, steps=steps, **definition)
    audit_record(actor=actor, action="campaign.cloned", obj=clone, after={"from": campaign.name})
    return clone


def _campaign_move(campaign: Campaign, to: str, *, actor: AbstractBaseUser | None, reason: str = "") -> None:
    """Move a locked campaign to a new status (no-op when it is there already)."""
    if campaign.status == to:
        return
    require_transition(CAMPAIGN_TRANSITIONS, campaign, campaign.status, to)
    before = campaign.status
    campaign.status = to
    campaign.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=f"campaign.{to}",
        obj=campaign,
        before={"status": before},
        after={"status": to, **({"reason": reason} if reason else {})},
        system_actor="workflow",
    )
    if to == CampaignStatus.RUNNING:
        events.campaign_started.publish(campaign=campaign, actor=actor)


@transaction.atomic
def step_accept(*, actor: AbstractBaseUser, step: Step, submission: Submission, gate: dict | None = None) -> Step:
    """Record that a step is accepted with this successful run; the campaign is accepted with its last step.

    The QA app decides whether the run may be accepted (its gate) and calls this with what the gate found,
    which goes into the audit row; the roles are checked there too.
    """
    campaign, step, _ = lock_rows(campaign_id=step.campaign_id, step_id=step.pk)
    if step.accepted_at is not None:
        raise Conflict(f"The step {step.name} was accepted already.")
    if submission.step_id != step.pk or submission.status != SubmissionStatus.SUCCEEDED:
        raise Conflict(f"Submission {submission.pk} is not a successful run of the step {step.name}.")
    step.accepted_submission, step.accepted_at, step.accepted_by = submission, timezone.now(), actor
    step.save(update_fields=["accepted_submission", "accepted_at", "accepted_by"])
    audit_record(
        actor=actor,
        action="step.accepted",
        obj=campaign,
        after={"step": step.name, "submission": submission.pk, **(gate or {})},
    )
    events.step_accepted.publish(step=step, actor=actor)
    if campaign.status == CampaignStatus.COMPLETED and not campaign.steps.filter(accepted_at__isnull=True).exists():
        _campaign_move(campaign, CampaignStatus.ACCEPTED, actor=actor)
    return step


@transaction.atomic
def campaign_pause(*, actor: AbstractBaseUser, campaign: Campaign) -> Campaign:
    """No new submissions until resumed; runs in progress go on."""
    require_role(actor, *CAMPAIGN_EDITORS, action="pause campaigns")
    campaign = lock_rows(campaign_id=campaign.pk).campaign
    require_transition(CAMPAIGN_TRANSITIONS, campaign, campaign.status, CampaignStatus.PAUSED)
    _campaign_move(campaign, CampaignStatus.PAUSED, actor=actor)
    return campaign


@transaction.atomic
def campaign_resume(*, actor: AbstractBaseUser, campaign: Campaign) -> Campaign:
    require_role(actor, *CAMPAIGN_EDITORS, action="resume campaigns")
    campaign = lock_rows(campaign_id=campaign.pk).campaign
    if campaign.status != CampaignStatus.PAUSED:
        raise Conflict(f"{campaign} is {campaign.status}, not paused.")
    _campaign_move(campaign, CampaignStatus.RUNNING, actor=actor)
    return campaign


def _dispatch_on_commit(submission: Submission, *, countdown: float | None = None) -> None:
    """Enqueue the dispatch after commit; if the broker is down the row stays pending for the sweeper."""
    from campaigns.tasks import dispatch_submission_task

    what = f"submission {submission.pk}; the sweeper will"
    enqueue_on_commit(dispatch_submission_task, submission.pk, what=what, countdown=countdown)


IDEMPOTENCY_KEY_MAX_LENGTH = Submission._meta.get_field("idempotency_key").max_length


def submission_request(*, actor: AbstractBaseUser, step: Step, idempotency_key: str) -> Submission:
    """Ask for one submission of a step. The same key always gives the same submission, once; a key that
    another request used (for another step, or a restart) is refused, naming the submission it gave."""
    require_role(actor, *CAMPAIGN_EDITORS, action="submit campaigns")
    if not idempotency_key or len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise InvalidInput(f"An idempotency key of 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters is required.")
    existing = Submission.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _same_request(existing, step=step, restarts=None)
    try:
        return _submission_create(actor=actor, step=step, idempotency_key=idempotency_key)
    except IntegrityError:
        # Another request with the same key, or for the same step, committed first.
        existing = Submission.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _same_request(existing, step=step, restarts=None)
        raise _in_progress(step) from None


def _same_request(existing: Submission, *, step: Step, restarts: Submission | None) -> Submission:
    """The submission an idempotency key gave, when it is asked for again by the same request: a submission of
    the same step, or the restart of the same attempt. A key reused for anything else is a conflict."""
    if existing.step_id == step.pk and existing.restarts_id == (restarts.pk if restarts else None):
        return existing
    asked = f"a restart of submission {restarts.pk}" if restarts else f"a new submission of the step {step.name}"
    raise Conflict(
        f"That idempotency key belongs to submission {existing.pk}, not to {asked}; a new request needs a new key."
    )


def _in_progress(step: Step) -> Conflict:
    active = Submission.objects.filter(step=step, status__in=ACTIVE_SUBMISSION_STATUSES).first()
    which = f" (submission {active.pk})" if active else ""
    return Conflict(f"The step {step.name} has a submission in progress already{which}.")


def _require_restartable(submission: Submission) -> None:
    """Only a failed, lost or cancelled attempt restarts, and only once (checked with the attempt locked)."""
    if submission.status not in RESTARTABLE_SUBMISSION_STATUSES:
        raise Conflict(
            f"Submission {submission.pk} is {submission.status}; only a failed, lost or cancelled one restarts."
        )
    restart = submission.restarted_by.first()
    if restart is not None:
        raise Conflict(f"Submission {submission.pk} was restarted already, by submission {restart.pk}.")


@transaction.atomic
def _submission_create(
    *, actor: AbstractBaseUser, step: Step, idempotency_key: str, restarts: Submission | None = None
) -> Submission:
    campaign, _, restarts = lock_rows(campaign_id=step.campaign_id, submission_id=restarts.pk if restarts else None)
    if restarts is not None:
        _require_restartable(restarts)
    if campaign.status in (CampaignStatus.PAUSED, CampaignStatus.CANCELLED, CampaignStatus.ACCEPTED):
        raise Conflict(f"{campaign} is {campaign.status}; it takes no submissions.")
    problems = preflight.preflight_problems(campaign, step)
    if restarts is not None:
        # A restart re-runs the attempt's own graph: the previous-step and release checks were made then.
        problems = [problem for problem in problems if problem.check in ("config",)]
    if problems:
        raise Conflict("Pre-flight checks failed:\n" + "\n".join(f"- {p.message}" for p in problems))
    with transaction.atomic():
        submission = Submission.objects.create(
            step=step,
            idempotency_key=idempotency_key,
            requested_by=actor,
            attempt=restarts.attempt + 1 if restarts else 1,
            restarts=restarts,
        )
    try:
        submission.bps_config = (
            restarts.bps_config if restarts else preflight.render_config(campaign, step, submission.pk)
        )
    except ConfigError as error:
        raise InvalidInput(str(error)) from None
    submission.run_collection = (
        restarts.run_collection if restarts else (preflight.output_run_for(campaign, step, submission.pk))
    )
    submission.save(update_fields=["bps_config", "run_collection"])
    audit_record(
        actor=actor,
        action="submission.restart-requested" if restarts else "submission.requested",
        obj=submission,
        after={"step": step.name, "attempt": submission.attempt, "restarts": restarts.pk if restarts else None},
    )
    _campaign_move(campaign, CampaignStatus.RUNNING, actor=actor)
    _dispatch_on_commit(submission)
    return submission


def submission_restart(*, actor: AbstractBaseUser, submission: Submission, idempotency_key: str = "") -> Submission:
    """A new attempt that re-runs what failed (``bps restart``); both attempts stay linked.

    The same restart asked again (the same key, or none twice: a double click, a retried call) gives the same
    attempt. A key that another request used is refused, naming the submission it gave; so is an attempt that
    cannot restart (pending, running or succeeded, or restarted already).
    """
    require_role(actor, *CAMPAIGN_EDITORS, action="restart submissions")
    if len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise InvalidInput(f"An idempotency key has at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters.")
    key = idempotency_key or f"restart-of-{submission.pk}"
    existing = Submission.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _same_request(existing, step=submission.step, restarts=submission)
    try:
        return _submission_create(actor=actor, step=submission.step, idempotency_key=key, restarts=submission)
    except IntegrityError:
        existing = Submission.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return _same_request(existing, step=submission.step, restarts=submission)
        raise _in_progress(submission.step) from None


def _submission_move(
    submission: Submission, to: str, *, actor: AbstractBaseUser | None, changes: dict, audit_after: dict | None = None
) -> Submission:
    require_transition(SUBMISSION_TRANSITIONS, f"Submission {submission.pk}", submission.status, to)
    before = submission.status
    submission.status = to
    changed = {"status"}
    for name, value in changes.items():
        if name == "task_counts":
            submission.set_task_counts(value)
            changed |= {"task_counts", "quanta_expected", "quanta_succeeded", "quanta_failed"}
        else:
            setattr(submission, name, value)
            changed.add(name)
    # Only what moved: the row holds columns others write meanwhile (ingest's measurement count).
    submission.save(update_fields=sorted(changed))
    audit_record(
        actor=actor,
        action=f"submission.{to}",
        obj=submission,
        before={"status": before},
        after={"status": to, **(audit_after or {})},
        system_actor="workflow",
    )
    return submission


def _due(now: datetime) -> Q:
    """Pending submissions whose backoff after a transient failure (if any) has passed."""
    return Q(retry_at__isnull=True) | Q(retry_at__lte=now)


def submission_dispatch(*, submission_id: int) -> Submission | None:
    """Launch (or adopt) the BPS process of a pending submission. Safe to run twice: only one claims it."""
    now = timezone.now()
    claimed = Submission.objects.filter(_due(now), pk=submission_id, status=SubmissionStatus.PENDING).update(
        status=SubmissionStatus.SUBMITTING,
        dispatched_at=now,
        retry_at=None,
        # The first claim draws the launch's token; a later one (a retry, a dispatch after the sweeper freed a
        # stuck one) keeps it, and with it the directory where that launch may have begun.
        launch_token=Case(When(launch_token="", then=Value(secrets.token_hex(8))), default=F("launch_token")),
    )
    if claimed != 1:
        return None  # another worker got there first, it was cancelled, or its backoff has not passed
    submission = Submission.objects.select_related("step__campaign", "restarts").get(pk=submission_id)
    Submission.objects.filter(pk=submission_id).update(dispatch_tries=submission.dispatch_tries + 1)
    adapter = adapter_for(submission.step.campaign.workflow_system)
    try:
        if submission.restarts is not None:
            launch = adapter.restart(submission, submission.restarts)
        else:
            launch = adapter.submit(submission)
    except Exception as error:
        if isinstance(error, StackCommandError):
            transient, message = error.transient, str(error)
        else:
            # A bug or a failure nobody foresaw: tried again with the backoff of a transient failure, so that
            # it ends failed after SUBMISSION_MAX_TRIES instead of being freed and dispatched again for good.
            logger.exception("the dispatch of submission %s failed unexpectedly", submission_id)
            transient = True
            message = f"The dispatch failed unexpectedly ({type(error).__name__}: {error}); the worker's log has more."
        with transaction.atomic():
            campaign, _, locked = lock_rows(campaign_id=submission.step.campaign_id, submission_id=submission_id)
            if locked.status != SubmissionStatus.SUBMITTING:
                return locked  # cancelled meanwhile, or freed by the sweeper for another dispatch
            if transient:
                return _submission_retry_later(campaign, locked, error=message, now=timezone.now())
            _submission_move(
                locked,
                SubmissionStatus.FAILED,
                actor=None,
                changes={"error": message, "ended_at": timezone.now()},
                audit_after={"error": message},
            )
            _campaign_after(campaign, locked)
        return locked
    with transaction.atomic():
        locked = lock_rows(submission_id=submission_id).submission
        if locked.status == SubmissionStatus.SUBMITTING:
            return _submission_move(
                locked,
                SubmissionStatus.RUNNING,
                actor=None,
                changes={
                    "working_dir": launch.working_dir,
                    "host": launch.host,
                    "pid": launch.pid,
                    "started_at": launch.started_at,
                    "wms_run_id": launch.wms_run_id,
                    "submit_dir": launch.submit_dir or locked.submit_dir,
                    "error": "",  # the transient error of an earlier try, if any, stays in the audit trail
                },
                audit_after={"pid": launch.pid, "host": launch.host, "working_dir": launch.working_dir},
            )
        if locked.status in (SubmissionStatus.RUNNING, SubmissionStatus.PENDING):
            # This dispatch was so slow that the sweeper freed the submission for another one, which adopts
            # (or adopted already) the process launched here.
            return locked
        # Cancelled while it was being launched: record where it ran, then end the process just started.
        locked.working_dir, locked.pid, locked.host = launch.working_dir, launch.pid, launch.host
        locked.wms_run_id = launch.wms_run_id
        locked.save(update_fields=["working_dir", "pid", "host", "wms_run_id"])
    adapter.cancel(locked)
    return locked


def submissions_poll(*, batch_size: int | None = None) -> dict[str, int]:
    """One poll cycle: read every running submission's state; progress is written one query per batch."""
    batch_size = batch_size or settings.SUBMISSION_POLL_BATCH
    seen = {"polled": 0, "finished": 0, "errors": 0}
    # The ids first (a range of submission_poll_idx), then each batch, its steps and their campaigns by their
    # keys: every batch costs the same however many submissions run, whatever the planner believes about how
    # many do (a join of the three made it walk every step for each batch when its statistics were stale).
    running_ids = list(
        Submission.objects.filter(status=SubmissionStatus.RUNNING).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(running_ids), batch_size):
        batch = list(
            Submission.objects.prefetch_related("step__campaign")
            .filter(pk__in=running_ids[start : start + batch_size], status=SubmissionStatus.RUNNING)
            .order_by("pk")
        )
        now = timezone.now()
        progressed = []
        for submission in batch:
            seen["polled"] += 1
            try:
                state = adapter_for(submission.step.campaign.workflow_system).poll(submission)
            except StackCommandError as error:
                seen["errors"] += 1
                logger.warning("could not poll submission %s: %s", submission.pk, error)
                continue
            if state.state == "running":
                submission.set_task_counts(state.task_counts or submission.task_counts)
                submission.submit_dir = state.submit_dir or submission.submit_dir
                submission.last_polled_at = now
                progressed.append(submission)
            else:
                submission_finish(submission_id=submission.pk, state=state, now=now)
                seen["finished"] += 1
        _submissions_progress_write(progressed)
    return seen


POLLED_FIELDS = ("task_counts", "quanta_expected", "quanta_succeeded", "quanta_failed", "submit_dir", "last_polled_at")


def _submissions_progress_write(submissions: list[Submission]) -> None:
    """The polled progress of a batch of running submissions in one UPDATE ... FROM (VALUES ...).

    Django's bulk_update builds a CASE expression of one WHEN per row for each field, which cost the poll
    three times its reading and parsing. A submission that stopped running since the batch was read is left
    as it is, and so is one a later poll cycle (overlapping this one) wrote already. VALUES names its columns
    column1, column2, ... in PostgreSQL and SQLite alike; PostgreSQL is told their types (a column of NULLs
    would be text), SQLite needs none.
    """
    if not submissions:
        return
    fields = [Submission._meta.get_field(name) for name in POLLED_FIELDS]
    quote = connection.ops.quote_name
    table = quote(Submission._meta.db_table)
    typed = connection.vendor == "postgresql"
    value = {
        field.name: f"v.column{n}" + (f"::{field.cast_db_type(connection)}" if typed else "")
        for n, field in enumerate(fields, start=2)
    }
    assignments = ", ".join(f"{quote(field.column)} = {value[field.name]}" for field in fields)
    row = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    params = []
    for submission in submissions:
        params.append(submission.pk)
        params.extend(field.get_db_prep_save(getattr(submission, field.attname), connection) for field in fields)
    values = ", ".join([row] * len(submissions))
    polled_at = f"{table}.{quote('last_polled_at')}"
    sql = (
        f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS v"  # noqa: S608 - names from the model, values are parameters
        f" WHERE {table}.{quote('id')} = v.column1 AND {table}.{quote('status')} = %s"
        f" AND ({polled_at} IS NULL OR {polled_at} < {value['last_polled_at']})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, SubmissionStatus.RUNNING])


@transaction.atomic
def submission_finish(*, submission_id: int, state: RunState, now: datetime) -> Submission | None:
    """Record the end of a run as the poller found it."""
    campaign_id = Submission.objects.filter(pk=submission_id).values_list("step__campaign_id", flat=True).get()
    campaign, _, submission = lock_rows(campaign_id=campaign_id, submission_id=submission_id)
    if submission.status != SubmissionStatus.RUNNING:
        return None  # cancelled meanwhile
    if state.state == SubmissionStatus.FAILED and state.transient:
        return _submission_retry_later(campaign, submission, error=state.error, now=now)
    _submission_move(
        submission,
        state.state,
        actor=None,
        changes={
            "task_counts": state.task_counts or submission.task_counts,
            "failures": state.failures[:20],
            "submit_dir": state.submit_dir or submission.submit_dir,
            "run_collection": state.run_collection or submission.run_collection,
            "error": state.error,
            "ended_at": now,
            "last_polled_at": now,
        },
        audit_after={
            "expected": submission.quanta_expected,
            "failed": sum(int(c.get("failed", 0) or 0) for c in state.task_counts.values()),
        },
    )
    _campaign_after(campaign, submission)
    if submission.status == SubmissionStatus.SUCCEEDED:
        events.submission_succeeded.publish(submission=submission)
    return submission


def _retry_delay(retries: int) -> timedelta:
    """SUBMISSION_RETRY_BACKOFF, twice as long after each retry, at most SUBMISSION_RETRY_MAX_DELAY."""
    return timedelta(seconds=min(settings.SUBMISSION_RETRY_MAX_DELAY, settings.SUBMISSION_RETRY_BACKOFF * 2**retries))


def _submission_retry_later(campaign: Campaign, locked: Submission, *, error: str, now: datetime) -> Submission:
    """A launch failed transiently: pending again until its backoff has passed, or failed after the last try.
    The campaign and the submission are locked."""
    tries = locked.retries + 1
    if tries >= settings.SUBMISSION_MAX_TRIES:
        error = f"{error}\nGave up after {tries} tries."
        _submission_move(
            locked,
            SubmissionStatus.FAILED,
            actor=None,
            changes={"error": error, "ended_at": now},
            audit_after={"error": error, "tries": tries},
        )
        _campaign_after(campaign, locked)
        return locked
    delay = _retry_delay(locked.retries)
    _submission_move(
        locked,
        SubmissionStatus.PENDING,
        actor=None,
        changes={"error": error, "retries": tries, "retry_at": now + delay, "pid": None},
        audit_after={"error": error, "tries": tries, "retry_at": (now + delay).isoformat()},
    )
    _dispatch_on_commit(locked, countdown=delay.total_seconds())
    return locked


def _campaign_after(campaign: Campaign, submission: Submission) -> None:
    """A finished submission moves its (locked) campaign: completed when every step succeeded, failed on a
    failure."""
    if campaign.status != CampaignStatus.RUNNING:
        return
    if submission.status == SubmissionStatus.SUCCEEDED:
        steps_done = set(
            Submission.objects.filter(step__campaign=campaign, status=SubmissionStatus.SUCCEEDED).values_list(
                "step_id", flat=True
            )
        )
        if steps_done >= set(campaign.steps.values_list("pk", flat=True)):
            _campaign_move(campaign, CampaignStatus.COMPLETED, actor=None)
    elif submission.status in (SubmissionStatus.FAILED, SubmissionStatus.LOST):
        _campaign_move(
            campaign, CampaignStatus.FAILED, actor=None, reason=f"submission {submission.pk} {submission.status}"
        )


def submission_cancel(*, actor: AbstractBaseUser, submission: Submission) -> Submission:
    """Stop a submission: a pending one is dropped, a running one has its whole process group ended."""
    require_role(actor, *CAMPAIGN_EDITORS, action="cancel submissions")
    with transaction.atomic():
        campaign, _, locked = lock_rows(campaign_id=submission.step.campaign_id, submission_id=submission.pk)
        require_transition(SUBMISSION_TRANSITIONS, f"Submission {locked.pk}", locked.status, SubmissionStatus.CANCELLED)
        was = locked.status
        _submission_move(
            locked,
            SubmissionStatus.CANCELLED,
            actor=actor,
            changes={"ended_at": timezone.now()},
            audit_after={"was": was},
        )
        _campaign_after_cancel(campaign, locked, actor)
    if was != SubmissionStatus.PENDING and locked.working_dir:
        try:
            adapter_for(locked.step.campaign.workflow_system).cancel(locked)
        except StackCommandError as error:
            logger.error("cancel of submission %s: %s", locked.pk, error)
            raise Conflict(f"Submission {locked.pk} is marked cancelled, but ending its run failed: {error}") from None
    return locked


def _campaign_after_cancel(campaign: Campaign, submission: Submission, actor: AbstractBaseUser) -> None:
    """With nothing left running, a running (locked) campaign is completed (every step done) or paused for a
    decision."""
    if campaign.status != CampaignStatus.RUNNING:
        return
    if Submission.objects.filter(step__campaign=campaign, status__in=ACTIVE_SUBMISSION_STATUSES).exists():
        return
    done = set(
        Submission.objects.filter(step__campaign=campaign, status=SubmissionStatus.SUCCEEDED).values_list(
            "step_id", flat=True
        )
    )
    if done >= set(campaign.steps.values_list("pk", flat=True)):
        _campaign_move(campaign, CampaignStatus.COMPLETED, actor=actor)
    else:
        _campaign_move(campaign, CampaignStatus.PAUSED, actor=actor, reason=f"submission {submission.pk} cancelled")


def submissions_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Re-enqueue submissions left pending (broker down at commit) once their backoff has passed, and free
    ones stuck submitting (their worker died mid-dispatch: the next dispatch adopts a process it launched)."""
    from campaigns.tasks import dispatch_submission_task

    now = now or timezone.now()
    stuck = Submission.objects.filter(
        status=SubmissionStatus.SUBMITTING,
        dispatched_at__lt=now - timedelta(seconds=settings.SUBMISSION_STUCK_AFTER),
    )
    freed = 0
    for submission_id in stuck.values_list("pk", flat=True):
        with transaction.atomic():
            locked = lock_rows(submission_id=submission_id).submission
            if locked.status == SubmissionStatus.SUBMITTING:
                # Dispatch adopts the process if the worker died after launching it.
                _submission_move(
                    locked, SubmissionStatus.PENDING, actor=None, changes={}, audit_after={"reason": "stuck"}
                )
                freed += 1
    pending = list(
        Submission.objects.filter(
            _due(now),
            status=SubmissionStatus.PENDING,
            created_at__lt=now - timedelta(seconds=settings.SUBMISSION_PENDING_SWEEP_AFTER),
        ).values_list("pk", flat=True)
    )
    for submission_id in pending:
        dispatch_submission_task.delay(submission_id)
    return {"requeued": len(pending), "freed": freed}
