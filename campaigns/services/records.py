"""What other apps and the demo record about a submission without the console launching anything: a run made
outside the console (before it existed, or by hand with ``bps``), and the count of a run's measurements that QA
keeps (its stored statistics are valid while the count is the one they were computed from)."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from campaigns import permissions as may
from campaigns.choices import CampaignStatus, SubmissionStatus
from campaigns.models import Step, Submission, lock_rows
from campaigns.services.lifecycle import campaign_move, campaign_move_after_submission_ended
from console.errors import Conflict, InvalidInput
from console.services import audit_record


@transaction.atomic
def submission_record_external_run(
    *,
    actor: AbstractBaseUser,
    step: Step,
    idempotency_key: str,
    started_at: datetime,
    ended_at: datetime,
    run_collection: str,
    task_counts: dict[str, dict[str, int]],
) -> Submission:
    """Record a run of the step that succeeded outside the console, as a succeeded submission; the campaign
    moves as if the console had run it (running, then completed with its last step). Audited as recorded."""
    may.SUBMIT.check(actor)
    if ended_at < started_at:
        raise InvalidInput(f"The run cannot end ({ended_at}) before it started ({started_at}).")
    campaign, step, _ = lock_rows(campaign_id=step.campaign_id, step_id=step.pk)
    if refusal := step.submission_refusal():
        raise Conflict(refusal)
    expected = sum(counts.get("expected", 0) for counts in task_counts.values())
    succeeded = sum(counts.get("succeeded", 0) for counts in task_counts.values())
    submission = Submission.objects.create(
        step=step,
        idempotency_key=idempotency_key,
        requested_by=actor,
        release=step.campaign.release,
        status=SubmissionStatus.SUCCEEDED,
        started_at=started_at,
        ended_at=ended_at,
        last_polled_at=ended_at,
        run_collection=run_collection,
        task_counts=task_counts,
        quanta_expected=expected,
        quanta_succeeded=succeeded,
    )
    audit_record(
        actor=actor,
        action="submission.recorded",
        obj=submission,
        after={"step": step.name, "run_collection": run_collection, "ended_at": ended_at.isoformat()},
    )
    if campaign.status in (CampaignStatus.DRAFT, CampaignStatus.READY):
        campaign_move(campaign, CampaignStatus.RUNNING, actor=actor)
    campaign_move_after_submission_ended(campaign, submission)
    return submission


def submission_measurements_counted(*, submission: Submission, added: int) -> None:
    """QA stored ``added`` more measurements of the run, in the caller's transaction (``qa.ingest``)."""
    Submission.objects.filter(pk=submission.pk).update(measurement_count=F("measurement_count") + added)
