"""A real Celery worker process, on the configured broker, runs the console's tasks against the test database."""

import pytest

from console.models import WorkerHeartbeat
from console.tasks import record_worker_heartbeat
from project.celery import app as celery_app
from tests.support.processes import Console, wait_until


@pytest.fixture
def console(transactional_db, tmp_path):
    celery_app.conf.task_always_eager = False
    started = Console(tmp_path / "console")
    try:
        yield started
    finally:
        started.close()


@pytest.mark.worker
def test_a_real_worker_records_its_heartbeat(console):
    console.start("worker")
    # The worker announces itself when it is ready; the task below must write a heartbeat of its own.
    WorkerHeartbeat.objects.all().delete()

    record_worker_heartbeat.apply_async(queue=console.queue)

    heartbeat = wait_until(WorkerHeartbeat.objects.first, timeout=60, what="the worker's heartbeat")
    assert heartbeat.hostname == f"worker@{console.queue}"
