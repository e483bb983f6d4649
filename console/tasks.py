"""Background work of the base: how apps enqueue their tasks, and the worker's heartbeat."""

import logging
import socket

from celery import shared_task
from django.db import transaction

from console.services import worker_heartbeat_record


def enqueue_on_commit(task, *args, what: str, countdown: float | None = None, queue: str | None = None) -> None:
    """Enqueue ``task(*args)`` once the current transaction commits (at once outside one), on ``queue`` when given
    (a submit host's worker), else the default one.

    A broker that cannot be reached is logged, naming ``what`` was not enqueued, and the change
    stands: whatever waits on the task has its own way to catch up (the sweeper, a retry, a page).
    """

    def enqueue() -> None:
        try:
            task.apply_async(args, countdown=countdown, **({"queue": queue} if queue else {}))
        except Exception:
            logging.getLogger(task.__module__).exception("could not enqueue %s", what)

    transaction.on_commit(enqueue)


@shared_task(bind=True, name="console.tasks.record_worker_heartbeat", ignore_result=True)
def record_worker_heartbeat(self) -> None:
    worker_heartbeat_record(hostname=self.request.hostname or socket.gethostname())
