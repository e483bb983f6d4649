"""Following submissions after their launch: ``submissions_poll`` reads every running submission's state and
``submission_finish`` records the end of a run; ``submissions_sweep`` re-enqueues rows left ``pending`` and frees
ones stuck in ``submitting``."""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from campaigns import events
from campaigns.choices import SubmissionStatus
from campaigns.models import Submission, SubmitHost, lock_rows
from campaigns.services.dispatch import submission_retry_later, submissions_dispatch_waiting
from campaigns.services.lifecycle import campaign_move_after_submission_ended, submission_move
from campaigns.services.products import products_count_after_run
from campaigns.workflow import RunState, StackCommandError, adapter_for
from campaigns.workflow.slurm import batch_jobs_cancel, record_batch_job_ids

logger = logging.getLogger(__name__)


def submissions_poll(*, batch_size: int | None = None, submit_host_id: int | None = None) -> dict[str, int]:
    """One poll cycle: read the state of every running submission of a submit host (``submit_host_id``; None: the
    console's own host, whose worker runs beat's cycle); progress is written one query per batch."""
    batch_size = batch_size or settings.SUBMISSION_POLL_BATCH
    seen = {"polled": 0, "finished": 0, "errors": 0}
    # The ids first (a range of submission_poll_idx), then each batch, its steps and their campaigns by their
    # keys: every batch costs the same however many submissions run, whatever the planner believes about how
    # many do (a join of the three made it walk every step for each batch when its statistics were stale).
    running_ids = list(
        Submission.objects.filter(status=SubmissionStatus.RUNNING, submit_host_id=submit_host_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(running_ids), batch_size):
        batch = list(
            Submission.objects.prefetch_related("step__campaign__compute_site")
            .filter(pk__in=running_ids[start : start + batch_size], status=SubmissionStatus.RUNNING)
            .order_by("pk")
        )
        now = timezone.now()
        progressed = []
        read_together = _states_read_together(batch)
        for submission in batch:
            seen["polled"] += 1
            adapter = adapter_for(submission.step.campaign.workflow_system)
            try:
                state = read_together.get(submission.pk) or adapter.poll(submission)
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
        # Those that ended in this cycle too: their pilot jobs may have come and gone since the last one.
        _batch_job_ids_record(batch)
    if seen["finished"]:
        # Their slots are free: the submissions waiting for one go now, not at the next sweep.
        submissions_dispatch_waiting()
    return seen


def _states_read_together(batch: list[Submission]) -> dict[int, RunState]:
    """The states an adapter reads for many submissions in one call (``poll_many``: the local runs going on
    this host, in one stack process); the batch's other submissions are polled one by one."""
    by_system: dict[str, list[Submission]] = {}
    for submission in batch:
        by_system.setdefault(submission.step.campaign.workflow_system, []).append(submission)
    states: dict[int, RunState] = {}
    for workflow_system, submissions in by_system.items():
        poll_many = getattr(adapter_for(workflow_system), "poll_many", None)
        if poll_many is not None:
            states.update(poll_many(submissions))
    return states


def _batch_job_ids_record(polled: list[Submission]) -> None:
    """The Slurm job ids of the batch's runs at a Slurm site, from one ``squeue`` call (none without such runs);
    Slurm out of reach is logged, and the next cycle tries again."""
    try:
        record_batch_job_ids(polled)
    except StackCommandError as error:
        logger.warning("could not read the Slurm jobs of submissions %s: %s", [s.pk for s in polled], error)


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
        return submission_retry_later(campaign, submission, error=state.error, now=now)
    submission_move(
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
    campaign_move_after_submission_ended(campaign, submission)
    if submission.status == SubmissionStatus.LOST and campaign.compute_site_id is not None:
        # Its driver vanished, its pilot jobs did not: cancelled once this is recorded (a Slurm site's only).
        transaction.on_commit(partial(_batch_jobs_cancel_lost, submission.pk))
    if submission.status == SubmissionStatus.SUCCEEDED:
        # A successful run may deliver data products: a campaign that declares some has them counted.
        products_count_after_run(campaign)
        events.submission_succeeded.publish(submission=submission)
    return submission


def _batch_jobs_cancel_lost(submission_id: int) -> None:
    """A run found lost (its driver vanished) at a Slurm site: its pilot jobs are cancelled, or they would hold
    their nodes until their walltime. A failure is logged: the run is lost either way."""
    submission = (
        Submission.objects.select_related("step__campaign__compute_site")
        .filter(pk=submission_id, status=SubmissionStatus.LOST)
        .first()
    )
    if submission is None:
        return
    try:
        cancelled = batch_jobs_cancel(submission)
    except StackCommandError as error:
        logger.error("could not cancel the Slurm jobs of lost submission %s: %s", submission_id, error)
        return
    if cancelled:
        logger.info("cancelled Slurm job(s) %s of lost submission %s", ", ".join(cancelled), submission_id)


def submit_hosts_to_poll() -> list[tuple[int, str]]:
    """(id, queue) of every facility submit host: beat's cycle sends each its poll, which its worker takes even with
    nothing running, so that the console knows whether the host's worker is there (``submit_host_seen``)."""
    return list(SubmitHost.objects.order_by("pk").values_list("pk", "queue"))


def submit_host_seen(*, submit_host_id: int, worker_name: str) -> None:
    """The host's worker took its poll now: it is there (``SubmitHost.worker_away``)."""
    SubmitHost.objects.filter(pk=submit_host_id).update(worker_seen_at=timezone.now(), worker_name=worker_name)


def submissions_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Re-enqueue submissions left pending (broker down at commit) once their backoff has passed, and free
    ones stuck submitting (their worker died mid-dispatch: the next dispatch adopts a process it launched)."""
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
                submission_move(
                    locked, SubmissionStatus.PENDING, actor=None, changes={}, audit_after={"reason": "stuck"}
                )
                freed += 1
    # A dispatch lost with the broker, or one refused for want of a slot: sent again, as slots allow.
    requeued = submissions_dispatch_waiting(now=now, min_age=settings.SUBMISSION_PENDING_SWEEP_AFTER)
    return {"requeued": requeued, "freed": freed}
