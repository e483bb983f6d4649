"""The Jira sync: claim a run, read every milestone issue (``milestones.jira``), apply them in one transaction,
record what changed; a failure anywhere changes no milestone and is recorded as a failed run."""

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from console.errors import Conflict, DomainError
from milestones import jira
from milestones import permissions as may
from milestones.choices import ChangeOrigin, SyncStatus
from milestones.models import JiraSync
from milestones.rows import MilestoneRow
from milestones.services.milestone import _as_text, _upsert

logger = logging.getLogger(__name__)


def _abandoned_after() -> timedelta:
    # A run still "running" after the task time limit lost its worker.
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def _jira_sync_claim(*, trigger: str, actor: AbstractBaseUser | None) -> JiraSync:
    """Start a run; refuses (``Conflict``) while another one runs. Closes runs whose worker died."""
    now = timezone.now()
    with transaction.atomic():
        JiraSync.objects.filter(status=SyncStatus.RUNNING, started_at__lt=now - _abandoned_after()).update(
            status=SyncStatus.FAILED, finished_at=now, error="Abandoned: the run stopped without finishing."
        )
    try:
        with transaction.atomic():
            return JiraSync.objects.create(
                trigger=trigger,
                requested_by=actor if actor is not None and actor.is_authenticated else None,
                started_at=now,
            )
    except IntegrityError:
        running = JiraSync.objects.filter(status=SyncStatus.RUNNING).first()
        since = f" since {running.started_at:%Y-%m-%d %H:%M} UTC" if running else ""
        raise Conflict(f"A Jira sync is running already{since}.") from None


def _jira_sync_fail(sync: JiraSync, error: str, **counts: int) -> JiraSync:
    sync.status, sync.finished_at, sync.error = SyncStatus.FAILED, timezone.now(), error
    # Nothing of the run's changes was kept: neither does the returned record say any.
    sync.summary, sync.created_count, sync.updated_count, sync.unchanged_count = [], 0, 0, 0
    for name, value in counts.items():
        setattr(sync, name, value)
    JiraSync.objects.filter(pk=sync.pk, status=SyncStatus.RUNNING).update(
        status=sync.status, finished_at=sync.finished_at, error=error, **counts
    )
    logger.warning("Jira sync %s failed: %s", sync.pk, error)
    return sync


def jira_sync(
    *,
    trigger: str,
    actor: AbstractBaseUser | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> JiraSync:
    """Read every milestone issue from Jira, then apply them all in one transaction, and record the run.

    On any failure (Jira refusing, rate limiting or failing after the retries,
    an issue that cannot become a milestone, a database error) the milestones
    are left exactly as they were and the run is recorded as failed with why;
    the pages then call the data stale.
    """
    if actor is not None:
        may.SYNC.check(actor)
    if not settings.JIRA_SERVER:
        raise Conflict("Jira is not configured: JIRA_SERVER is empty.")
    sync = _jira_sync_claim(trigger=trigger, actor=actor)
    try:
        fetched = jira.fetch_milestone_rows(sleep=sleep)
    except (jira.JiraUnavailable, jira.JiraDataError) as error:
        return _jira_sync_fail(sync, str(error), retries=error.retries)
    sync.pages, sync.retries, sync.issues_seen, sync.notes = (
        fetched.pages,
        fetched.retries,
        len(fetched.rows),
        fetched.notes,
    )
    try:
        with transaction.atomic():
            _jira_sync_apply(sync, fetched.rows)
            _jira_sync_succeed(sync)
    except DomainError as error:
        return _jira_sync_fail(sync, str(error), pages=sync.pages, retries=sync.retries)
    except DatabaseError as error:
        _jira_sync_fail(sync, f"Could not save the changes: {error}", pages=sync.pages, retries=sync.retries)
        raise
    return sync


def _jira_sync_apply(sync: JiraSync, rows: list[MilestoneRow]) -> None:
    """Upsert every issue read, in the caller's transaction; the run's summary and counts say what changed."""
    summary = []
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for row in rows:
        _, action, changes = _upsert(actor=None, row=row, source="jira", origin=ChangeOrigin.JIRA, sync=sync)
        counts[action] += 1
        if action != "unchanged":
            fields = {name: [_as_text(old), _as_text(new)] for name, (old, new) in changes.items()}
            summary.append({"jira_key": row.jira_key, "action": action, "fields": fields})
    sync.summary = summary
    sync.created_count, sync.updated_count, sync.unchanged_count = (
        counts["created"],
        counts["updated"],
        counts["unchanged"],
    )


def _jira_sync_succeed(sync: JiraSync) -> None:
    """Record the run as succeeded, unless it was closed as abandoned meanwhile (``Conflict``: its changes are
    dropped with the caller's transaction)."""
    sync.status, sync.finished_at = SyncStatus.SUCCEEDED, timezone.now()
    finished = JiraSync.objects.filter(pk=sync.pk, status=SyncStatus.RUNNING).update(
        status=sync.status,
        finished_at=sync.finished_at,
        summary=sync.summary,
        notes=sync.notes,
        pages=sync.pages,
        retries=sync.retries,
        issues_seen=sync.issues_seen,
        created_count=sync.created_count,
        updated_count=sync.updated_count,
        unchanged_count=sync.unchanged_count,
    )
    if finished != 1:
        raise Conflict("The run was closed as abandoned while it ran; its changes are dropped.")
