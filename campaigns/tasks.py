"""Campaign tasks: thin and safe to run twice; the services claim the work."""

from celery import shared_task

from campaigns.services import submission_dispatch, submissions_poll, submissions_sweep


@shared_task(name="campaigns.tasks.dispatch_submission")
def dispatch_submission_task(submission_id: int) -> None:
    # A transient failure is not retried here: the service puts the submission back to pending with the time
    # of its next try (its backoff and ceiling are kept on the row, so they survive a worker's restart).
    submission_dispatch(submission_id=submission_id)


@shared_task(name="campaigns.tasks.poll_submissions")
def poll_submissions_task() -> dict:
    return submissions_poll()


@shared_task(name="campaigns.tasks.sweep_pending_submissions")
def sweep_pending_submissions_task() -> dict:
    return submissions_sweep()
