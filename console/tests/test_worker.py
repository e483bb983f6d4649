"""A real Celery worker process, on the configured broker, runs the console's tasks against the test database."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from console.celery import app as celery_app
from console.models import WorkerHeartbeat
from console.tasks import record_worker_heartbeat

ROOT = Path(__file__).resolve().parents[2]


def database_url_of_this_test() -> str:
    """The URL of the database this test runs on, for a process started by the test."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_queue(transactional_db):
    """A worker on a queue of its own, so that no other worker on the same broker takes the test's task."""
    celery_app.conf.task_always_eager = False
    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "--app", "console", "worker", "--pool", "solo", "--queues", queue),
            *("--without-gossip", "--without-mingle", "--without-heartbeat", "--hostname", f"{queue}@test"),
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url_of_this_test()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield queue
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
        print(output.decode(errors="replace")[-3000:])


@pytest.mark.worker
def test_a_real_worker_records_its_heartbeat(worker_queue):
    record_worker_heartbeat.apply_async(queue=worker_queue)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not WorkerHeartbeat.objects.exists():
        time.sleep(0.5)

    heartbeat = WorkerHeartbeat.objects.get()
    assert heartbeat.hostname == f"{worker_queue}@test"
