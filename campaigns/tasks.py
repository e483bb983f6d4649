"""Campaign tasks: thin and safe to run twice; the services claim the work."""

from datetime import datetime

from celery import shared_task
from django.conf import settings

from campaigns.models import Campaign, Submission
from campaigns.services import (
    campaign_advance,
    campaigns_advance,
    submission_dispatch,
    submissions_poll,
    submissions_sweep,
)
from campaigns.services.polling import submit_host_seen, submit_hosts_to_poll
from campaigns.services.products import campaign_products_count
from campaigns.workflow import StackCommandError, adapter_for


@shared_task(name="campaigns.tasks.dispatch_submission")
def dispatch_submission_task(submission_id: int) -> None:
    # A transient failure is not retried here: the service puts the submission back to pending with the time
    # of its next try (its backoff and ceiling are kept on the row, so they survive a worker's restart).
    submission_dispatch(submission_id=submission_id)


@shared_task(name="campaigns.tasks.poll_submissions")
def poll_submissions_task() -> dict:
    """Beat's cycle: this host's running submissions, and each facility submit host's poll sent to its queue."""
    for submit_host_id, queue in submit_hosts_to_poll():
        # Dropped if its worker has not taken it before the next cycle's: a host that is away gets no backlog.
        poll_host_submissions_task.apply_async(
            (submit_host_id,), queue=queue, expires=max(settings.SUBMISSION_POLL_INTERVAL * 0.9, 5.0)
        )
    return submissions_poll()


@shared_task(bind=True, name="campaigns.tasks.poll_host_submissions")
def poll_host_submissions_task(self, submit_host_id: int) -> dict:
    """One submit host's running submissions, by its own worker (the runs' files are there); taking it says the
    host's worker is there."""
    submit_host_seen(submit_host_id=submit_host_id, worker_name=self.request.hostname or "")
    return submissions_poll(submit_host_id=submit_host_id)


@shared_task(name="campaigns.tasks.cancel_run")
def cancel_run_task(submission_id: int) -> None:
    """End a cancelled submission's run, on its submit host (``services.submission_cancel`` sent it here)."""
    submission = Submission.objects.select_related("step__campaign").get(pk=submission_id)
    adapter_for(submission.step.campaign.workflow_system).cancel(submission)


@shared_task(name="campaigns.tasks.sweep_pending_submissions")
def sweep_pending_submissions_task() -> dict:
    return submissions_sweep()


@shared_task(bind=True, name="campaigns.tasks.count_campaign_products", max_retries=3)
def count_campaign_products_task(self, campaign_id: int, requested_at: str | None = None) -> None:
    """Count a campaign's data products in the Butler (``services.products.campaign_products_count``); a stack
    command that failed transiently is tried again later."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return
    try:
        campaign_products_count(
            campaign=campaign, requested_at=datetime.fromisoformat(requested_at) if requested_at else None
        )
    except StackCommandError as error:
        if not error.transient:
            raise
        raise self.retry(countdown=30 * 2**self.request.retries) from error


@shared_task(name="campaigns.tasks.advance_campaigns")
def advance_campaigns_task() -> dict:
    return campaigns_advance()


@shared_task(name="campaigns.tasks.advance_campaign")
def advance_campaign_task(campaign_id: int) -> None:
    # Safe to run twice, and beside the cycle: each act is claimed under the campaign's lock or by a key.
    campaign_advance(campaign_id=campaign_id)
