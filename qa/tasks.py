"""QA tasks: thin, safe to run twice (the service ingests a run once)."""

from celery import shared_task

from campaigns.models import submission_queue
from campaigns.workflow import StackCommandError
from console.tasks import enqueue_on_commit
from qa.run_statistics import statistics_refresh_in_batches
from qa.selectors import runs_needing_statistics
from qa.services import submission_metrics_ingest


@shared_task(bind=True, name="qa.tasks.ingest_submission_metrics", max_retries=3)
def ingest_submission_metrics_task(self, submission_id: int) -> None:
    try:
        submission_metrics_ingest(submission_id=submission_id)
    except StackCommandError as error:
        if not error.transient:
            raise
        raise self.retry(countdown=30 * 2**self.request.retries) from error


@shared_task(name="qa.tasks.store_slice_statistics")
def store_slice_statistics_task(tag_key: str, tag_value: str) -> int:
    """The statistics of a tag slice a new specification names, for every run with measurements that lacks them,
    so that no page pays for computing them. Runs whose statistics are stored already are left as they are."""
    ids = list(runs_needing_statistics((tag_key, tag_value)).values_list("pk", flat=True))
    statistics_refresh_in_batches(ids, tags=[(tag_key, tag_value)])
    return len(ids)


def ingest_metrics_on_commit(*, submission) -> None:
    """Subscribed to ``campaigns.events.submission_succeeded``: the run's measurements are read once it commits."""
    enqueue_on_commit(
        ingest_submission_metrics_task,
        submission.pk,
        what=f"the QA ingest of submission {submission.pk}",
        queue=submission_queue(submission),  # its facility's Butler is read on its submit host
    )
