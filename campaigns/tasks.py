"""Campaign tasks: thin and safe to run twice; the services claim the work."""

from celery import shared_task

from campaigns.services import submission_dispatch, submissions_poll, submissions_sweep
from campaigns.workflow import StackCommandError


@shared_task(bind=True, name="campaigns.tasks.dispatch_submission", max_retries=5)
def dispatch_submission_task(self, submission_id: int) -> None:
    try:
        submission_dispatch(submission_id=submission_id)
    except StackCommandError as error:
        if not error.transient:
            raise
        # Transient (the stack command could not start, or timed out): the row is pending again.
        raise self.retry(countdown=min(300, 10 * 2**self.request.retries)) from error


@shared_task(name="campaigns.tasks.poll_submissions")
def poll_submissions_task() -> dict:
    return submissions_poll()


@shared_task(name="campaigns.tasks.sweep_pending_submissions")
def sweep_pending_submissions_task() -> dict:
    return submissions_sweep()
