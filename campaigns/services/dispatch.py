"""The dispatch of submissions, the outbox's consumer: a committed ``pending`` submission is claimed with a
conditional update (``pending -> submitting``), its BPS process launched (or adopted), and it is recorded
``running``. A launch that fails transiently (``failure_is_transient``), or a dispatch that fails in a way nobody
foresaw, goes back to ``pending`` until its backoff has passed (``retry_at``), at most ``SUBMISSION_MAX_TRIES``
launches in all.

Before anything is launched, each dispatch (the first, and each after a backoff or a sweep) checks the release
again (``selectors.release_problems``): still approved for the campaign, still within support. When it is not, the
submission fails with the reason and nothing is launched, and its running campaign is paused with the reason. A
run already launched is not stopped; the pages flag it (``selectors.running_submissions_on_refused_release``).

``dispatch_on_commit`` is the outbox's producer: every caller reaches it through this module, so that tests
replace it in one place (``monkeypatch.setattr("campaigns.services.dispatch.dispatch_on_commit", ...)``).
"""

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, F, Value, When
from django.utils import timezone

from campaigns.choices import (
    CAMPAIGN_CLOSED_TO_SUBMISSIONS,
    CAMPAIGN_TRANSITIONS,
    LAUNCHED_SUBMISSION_STATUSES,
    CampaignStatus,
    SubmissionStatus,
)
from campaigns.models import Campaign, Submission, lock_rows, submission_queue
from campaigns.preflight import Problem
from campaigns.selectors import release_problems
from campaigns.services.lifecycle import campaign_move, campaign_move_after_submission_ended, submission_move
from campaigns.workflow import Launch, StackCommandError, WorkflowAdapter, adapter_for
from console.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)


def dispatch_on_commit(submission: Submission, *, countdown: float | None = None) -> None:
    """Enqueue the dispatch after commit; if the broker is down the row stays pending for the sweeper."""
    from campaigns.tasks import dispatch_submission_task

    what = f"submission {submission.pk}; the sweeper will"
    queue = submission_queue(submission)
    enqueue_on_commit(dispatch_submission_task, submission.pk, what=what, countdown=countdown, queue=queue)


def submission_dispatch(*, submission_id: int) -> Submission | None:
    """Launch (or adopt) the BPS process of a pending submission. Safe to run twice: only one claims it."""
    if not _submission_claim(submission_id, now=timezone.now()):
        return None  # another worker got there first, it was cancelled, or its backoff has not passed
    submission = Submission.objects.select_related("step__campaign__release", "restarts").get(pk=submission_id)
    Submission.objects.filter(pk=submission_id).update(dispatch_tries=submission.dispatch_tries + 1)
    # Approved and supported when it was requested, perhaps not any more: asked again before every launch.
    campaign = submission.step.campaign
    problems = release_problems(campaign, submission.step)
    if problems:
        return _release_refused(submission, problems)
    if submission.release_id != campaign.release_id:
        # The campaign moved to another release (onto a patch) while this one waited: it runs with the release
        # just checked, and its record says so.
        Submission.objects.filter(pk=submission.pk).update(release=campaign.release)
        submission.release = campaign.release
    adapter = adapter_for(submission.step.campaign.workflow_system)
    try:
        if submission.restarts is not None:
            launch = adapter.restart(submission, submission.restarts)
        else:
            launch = adapter.submit(submission)
    except StackCommandError as error:
        return _launch_failed(submission, transient=error.transient, message=str(error))
    except Exception as error:
        # A bug or a failure nobody foresaw: tried again with the backoff of a transient failure, so that
        # it ends failed after SUBMISSION_MAX_TRIES instead of being freed and dispatched again for good.
        logger.exception("the dispatch of submission %s failed unexpectedly", submission_id)
        message = f"The dispatch failed unexpectedly ({type(error).__name__}: {error}); the worker's log has more."
        return _launch_failed(submission, transient=True, message=message)
    return _launch_record(submission, launch, adapter)


@transaction.atomic
def _submission_claim(submission_id: int, *, now: datetime) -> bool:
    """Claim a pending submission whose backoff has passed for this dispatch: ``pending -> submitting``, when its
    campaign takes submissions (not paused since) and it and its workflow system have a free slot (``free_slots``);
    else it stays pending, and the dispatch cycle (``submissions_dispatch_waiting``) sends it again once a slot frees
    (or the campaign resumes).

    Claims of one campaign queue on its row, and claims of one workflow system on a lock of its own (PostgreSQL's
    advisory lock; SQLite writes one at a time anyway), so that two claims never both take the last slot."""
    target = Submission.objects.filter(pk=submission_id).values("step__campaign_id").first()
    if target is None:
        return False
    campaign = lock_rows(campaign_id=target["step__campaign_id"]).campaign
    if not campaign.takes_submissions:
        return False  # paused (or archived) since it was requested: it waits, pending, until the campaign resumes
    if campaign.workflow_system in settings.CAMPAIGN_SITE_LIMITS:
        _site_lock(campaign.workflow_system)
    if not free_slots(campaign):
        return False
    claimed = (
        Submission.objects.due_for_dispatch(now)
        .filter(pk=submission_id)
        .update(
            status=SubmissionStatus.SUBMITTING,
            dispatched_at=now,
            retry_at=None,
            # The first claim draws the launch's token; a later one (a retry, a dispatch after the sweeper freed a
            # stuck one) keeps it, and with it the directory where that launch may have begun.
            launch_token=Case(When(launch_token="", then=Value(secrets.token_hex(8))), default=F("launch_token")),
        )
    )
    return claimed == 1


def _site_lock(workflow_system: str) -> None:
    """Hold the workflow system's claim lock until the transaction ends (PostgreSQL; nothing to do on SQLite)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"campaigns.site:{workflow_system}"])


def free_slots(campaign: Campaign, *, counting: tuple[str, ...] = LAUNCHED_SUBMISSION_STATUSES) -> int:
    """How many more of the campaign's submissions may be launched now (``counting`` the launched ones), or
    requested (a campaign that runs automatically counts its pending ones too): under its own limit
    (``Campaign.max_running_groups``) and its workflow system's (``CAMPAIGN_SITE_LIMITS``); two queries at most."""
    taken = Submission.objects.filter(status__in=counting)
    free = []
    if campaign.max_running_groups is not None:
        free.append(campaign.max_running_groups - taken.filter(step__campaign_id=campaign.pk).count())
    site_limit = settings.CAMPAIGN_SITE_LIMITS.get(campaign.workflow_system)
    if site_limit is not None:
        free.append(site_limit - taken.filter(step__campaign__workflow_system=campaign.workflow_system).count())
    return max(min(free), 0) if free else UNLIMITED


# What ``free_slots`` says when neither the campaign nor its workflow system has a limit.
UNLIMITED = 1_000_000


def submissions_dispatch_waiting(*, now: datetime | None = None, min_age: float = 0.0) -> int:
    """The dispatch cycle: enqueue the dispatch of pending submissions whose backoff has passed, oldest first, as
    many as their campaigns and workflow systems have free slots; the others wait for the next cycle (a slot frees
    when a run ends). ``min_age``: only those pending for that many seconds (the sweeper's catch-up of a dispatch
    lost with the broker). Three queries, then one enqueue per dispatched submission, however many wait."""
    from campaigns.tasks import dispatch_submission_task

    now = now or timezone.now()
    launched = Submission.objects.filter(status__in=LAUNCHED_SUBMISSION_STATUSES)
    running_by_campaign = dict(
        launched.values_list("step__campaign_id").annotate(count=Count("pk")).values_list("step__campaign_id", "count")
    )
    running_by_site = dict(
        launched.values_list("step__campaign__workflow_system")
        .annotate(count=Count("pk"))
        .values_list("step__campaign__workflow_system", "count")
    )
    waiting = (
        Submission.objects.due_for_dispatch(now)
        .filter(created_at__lte=now - timedelta(seconds=min_age), step__campaign__archived_at__isnull=True)
        .exclude(step__campaign__status__in=CAMPAIGN_CLOSED_TO_SUBMISSIONS)
        .order_by("pk")
        .values_list(
            "pk",
            "step__campaign_id",
            "step__campaign__max_running_groups",
            "step__campaign__workflow_system",
            "submit_host__queue",
        )
    )
    # How long a dispatch sent again waits to be taken: until about the sweep after next.
    expires = 2 * max(settings.SUBMISSION_SWEEP_INTERVAL, 5)
    dispatched = 0
    for submission_id, campaign_id, campaign_limit, site, queue in waiting:
        site_limit = settings.CAMPAIGN_SITE_LIMITS.get(site)
        if campaign_limit is not None and running_by_campaign.get(campaign_id, 0) >= campaign_limit:
            continue
        if site_limit is not None and running_by_site.get(site, 0) >= site_limit:
            continue
        running_by_campaign[campaign_id] = running_by_campaign.get(campaign_id, 0) + 1
        running_by_site[site] = running_by_site.get(site, 0) + 1
        try:
            # Sent again by the next cycle while it waits: a copy not taken by then (its submit host's worker is
            # away) is dropped rather than left to pile up on that host's queue.
            dispatch_submission_task.apply_async(
                (submission_id,), expires=expires, **({"queue": queue} if queue else {})
            )
        except Exception:
            # The broker is away: they stay pending, for the next cycle.
            logger.exception("could not enqueue the dispatch of submission %s", submission_id)
            break
        dispatched += 1
    return dispatched


def _release_refused(submission: Submission, problems: list[Problem]) -> Submission:
    """The release no longer passes its checks: the submission fails with the reason, nothing is launched, and its
    running campaign is paused with the reason (runs in progress go on)."""
    message = "Not launched: " + " ".join(problem.message for problem in problems)
    with transaction.atomic():
        campaign, _, locked = lock_rows(campaign_id=submission.step.campaign_id, submission_id=submission.pk)
        if locked.status != SubmissionStatus.SUBMITTING:
            return locked  # cancelled meanwhile, or freed by the sweeper for another dispatch
        submission_move(
            locked,
            SubmissionStatus.FAILED,
            actor=None,
            changes={"error": message, "ended_at": timezone.now()},
            audit_after={"error": message, "check": "release"},
        )
        # A paused campaign stays paused; a failed or completed one is not paused (the transition table).
        if campaign.status != CampaignStatus.PAUSED and CampaignStatus.PAUSED in CAMPAIGN_TRANSITIONS[campaign.status]:
            campaign_move(campaign, CampaignStatus.PAUSED, actor=None, reason=message)
    return locked


def _launch_failed(submission: Submission, *, transient: bool, message: str) -> Submission:
    """Record a launch that raised: tried again later when the failure is transient, else failed."""
    with transaction.atomic():
        campaign, _, locked = lock_rows(campaign_id=submission.step.campaign_id, submission_id=submission.pk)
        if locked.status != SubmissionStatus.SUBMITTING:
            return locked  # cancelled meanwhile, or freed by the sweeper for another dispatch
        if transient:
            return submission_retry_later(campaign, locked, error=message, now=timezone.now())
        submission_move(
            locked,
            SubmissionStatus.FAILED,
            actor=None,
            changes={"error": message, "ended_at": timezone.now()},
            audit_after={"error": message},
        )
        campaign_move_after_submission_ended(campaign, locked)
    return locked


def _launch_record(submission: Submission, launch: Launch, adapter: WorkflowAdapter) -> Submission:
    """Record the launched process: the submission is running, unless it was cancelled or freed meanwhile."""
    with transaction.atomic():
        locked = lock_rows(submission_id=submission.pk).submission
        if locked.status == SubmissionStatus.SUBMITTING:
            return submission_move(
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


def _retry_delay(retries: int) -> timedelta:
    """SUBMISSION_RETRY_BACKOFF, twice as long after each retry, at most SUBMISSION_RETRY_MAX_DELAY."""
    return timedelta(seconds=min(settings.SUBMISSION_RETRY_MAX_DELAY, settings.SUBMISSION_RETRY_BACKOFF * 2**retries))


def submission_retry_later(campaign: Campaign, locked: Submission, *, error: str, now: datetime) -> Submission:
    """A launch failed transiently: pending again until its backoff has passed, or failed after the last try.
    The campaign and the submission are locked."""
    tries = locked.retries + 1
    if tries >= settings.SUBMISSION_MAX_TRIES:
        error = f"{error}\nGave up after {tries} tries."
        submission_move(
            locked,
            SubmissionStatus.FAILED,
            actor=None,
            changes={"error": error, "ended_at": now},
            audit_after={"error": error, "tries": tries},
        )
        campaign_move_after_submission_ended(campaign, locked)
        return locked
    delay = _retry_delay(locked.retries)
    submission_move(
        locked,
        SubmissionStatus.PENDING,
        actor=None,
        changes={"error": error, "retries": tries, "retry_at": now + delay, "pid": None},
        audit_after={"error": error, "tries": tries, "retry_at": (now + delay).isoformat()},
    )
    dispatch_on_commit(locked, countdown=delay.total_seconds())
    return locked
