"""QA tasks: thin, safe to run twice (the service ingests a run once)."""

from celery import shared_task

from campaigns.workflow import StackCommandError
from qa.services import submission_metrics_ingest


@shared_task(bind=True, name="qa.tasks.ingest_submission_metrics", max_retries=3)
def ingest_submission_metrics_task(self, submission_id: int) -> None:
    try:
        submission_metrics_ingest(submission_id=submission_id)
    except StackCommandError as error:
        if not error.transient:
            raise
        raise self.retry(countdown=30 * 2**self.request.retries) from error
