"""Periodic tasks of the console itself."""

import socket

from celery import shared_task

from console.services import worker_heartbeat_record


@shared_task(bind=True, name="console.tasks.record_worker_heartbeat", ignore_result=True)
def record_worker_heartbeat(self) -> None:
    worker_heartbeat_record(hostname=self.request.hostname or socket.gethostname())
