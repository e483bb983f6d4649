"""Submissions: one process per request whatever happens, followed to the end, restarted, cancelled.

These tests launch real processes through the console's launcher, but with a stand-in for the
stack's `bps` (tests/campaigns/fake_stack); test_bps_submit_end_to_end.py runs the real `bps` with Parsl.
"""

import contextlib
import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from campaigns.models import Submission
from campaigns.services import (
    submission_cancel,
    submission_dispatch,
    submission_request,
    submission_restart,
    submissions_poll,
    submissions_sweep,
)
from console.models import AuditEvent

FAILURE = {"task": "detector", "data_id": {"visit": 1, "detector": 2}, "message": "ValueError: boom"}


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return any(
        Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        for pid in os.listdir("/proc")
        if pid.isdigit() and _pgid(int(pid)) == pgid
    )


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


@pytest.fixture
def step(ready_campaign):
    return ready_campaign.steps.get()


@pytest.fixture
def end_runs():
    """Whatever a test starts is ended when it finishes."""
    started: list[int] = []
    yield started
    for pid in filter(None, started):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, 9)


@pytest.fixture
def submit(operator, step, django_capture_on_commit_callbacks):
    """Request a submission as the operator and run what is enqueued on commit (the dispatch), as in production."""

    def request(key: str = "k") -> Submission:
        with django_capture_on_commit_callbacks(execute=True):
            submission = submission_request(actor=operator, step=step, idempotency_key=key)
        submission.refresh_from_db()
        return submission

    return request


@pytest.mark.django_db
def test_a_request_commits_a_pending_submission_and_dispatches_it_after_commit(
    operator, step, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submission = submission_request(actor=operator, step=step, idempotency_key="click-1")

    assert submission.status == "pending"
    assert submission.run_collection == f"u/operator/dp02/all/submission-{submission.pk}"
    assert f"outputRun: u/operator/dp02/all/submission-{submission.pk}" in submission.bps_config
    assert len(callbacks) == 1
    assert AuditEvent.objects.filter(action="submission.requested", object_id=str(submission.pk)).exists()
    step.campaign.refresh_from_db()
    assert step.campaign.status == "running"


@pytest.mark.django_db
def test_the_same_key_gives_the_same_submission(operator, step, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = submission_request(actor=operator, step=step, idempotency_key="double-click")
        second = submission_request(actor=operator, step=step, idempotency_key="double-click")

    assert first.pk == second.pk
    assert Submission.objects.count() == 1
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_a_second_key_for_a_step_in_progress_is_refused(operator, step, django_capture_on_commit_callbacks):
    from console.errors import Conflict

    with django_capture_on_commit_callbacks(execute=False):
        submission_request(actor=operator, step=step, idempotency_key="first")
    with pytest.raises(Conflict, match="has a submission in progress"):
        submission_request(actor=operator, step=step, idempotency_key="second")


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_and_dispatches_with_one_key_start_one_process(operator, step, fake_stack, end_runs):
    from campaigns.services import dispatch as outbox

    services_dispatch = []
    original = outbox.dispatch_on_commit
    outbox.dispatch_on_commit = lambda submission: services_dispatch.append(submission.pk)
    start = threading.Barrier(4)
    try:

        def request():
            try:
                start.wait()
                submission_request(actor=operator, step=step, idempotency_key="api-retry")
            finally:
                close_old_connections()
                connection.close()

        threads = [threading.Thread(target=request) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        outbox.dispatch_on_commit = original
    submission = Submission.objects.get()

    dispatch_start = threading.Barrier(3)

    def dispatch():
        try:
            dispatch_start.wait()
            submission_dispatch(submission_id=submission.pk)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=dispatch) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    submission.refresh_from_db()
    end_runs.append(submission.pid)
    assert submission.status == "running"
    wait_for(lambda: len(fake_stack.starts()) >= 1)
    time.sleep(0.5)
    assert len(fake_stack.starts()) == 1
    assert len(services_dispatch) == 1


@pytest.mark.django_db
def test_a_worker_that_died_after_launching_is_not_launched_again(submit, fake_stack, end_runs):
    submission = submit()
    end_runs.append(submission.pid)
    first_pid = submission.pid
    # As if the worker died after starting the process and before recording it.
    Submission.objects.filter(pk=submission.pk).update(
        status="submitting", pid=None, dispatched_at=timezone.now() - timedelta(minutes=5)
    )

    assert submissions_sweep(now=timezone.now() + timedelta(minutes=1)) == {"requeued": 1, "freed": 1}

    submission.refresh_from_db()
    assert submission.status == "running"
    assert submission.pid == first_pid
    assert len(fake_stack.starts()) == 1


@pytest.mark.django_db
def test_a_submission_left_pending_when_the_broker_was_down_is_swept_into_a_run(
    submit, fake_stack, end_runs, monkeypatch
):
    from kombu.exceptions import OperationalError

    from campaigns import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as broker:
        broker.setattr(tasks.dispatch_submission_task, "apply_async", broker_down)
        submission = submit()
    assert submission.status == "pending"
    assert fake_stack.starts() == []

    submissions_sweep(now=timezone.now() + timedelta(minutes=1))

    submission.refresh_from_db()
    end_runs.append(submission.pid)
    assert submission.status == "running"
    wait_for(lambda: len(fake_stack.starts()) == 1)


@pytest.mark.django_db
def test_the_poller_follows_a_run_to_its_end(submit, fake_stack, end_runs, monkeypatch):
    monkeypatch.setenv("FAKE_BPS_SECONDS", "2")
    submission = submit()
    end_runs.append(submission.pid)

    wait_for(lambda: "Submit dir:" in Path(submission.working_dir, f"submission-{submission.pk}.log").read_text())
    assert submissions_poll() == {"polled": 1, "finished": 0, "errors": 0}
    submission.refresh_from_db()
    assert submission.status == "running"
    assert submission.submit_dir.endswith("submit/run")
    assert (submission.quanta_expected, submission.quanta_succeeded) == (4, 1)

    wait_for(lambda: Path(submission.working_dir, f"submission-{submission.pk}.exit").exists())
    submissions_poll()

    submission.refresh_from_db()
    assert submission.status == "succeeded"
    assert (submission.quanta_expected, submission.quanta_succeeded, submission.quanta_failed) == (4, 4, 0)
    submission.step.campaign.refresh_from_db()
    assert submission.step.campaign.status == "completed"


@pytest.mark.django_db
def test_failed_quanta_make_a_failed_submission_whatever_the_exit_code(submit, fake_stack, end_runs, monkeypatch):
    import json

    monkeypatch.setenv("FAKE_BPS_SECONDS", "0")
    fake_stack.report_file.write_text(
        json.dumps(
            {
                "tasks": {"detector": {"expected": 4, "succeeded": 3, "failed": 1, "blocked": 1}},
                "failures": [
                    {"task": "detector", "data_id": {"visit": 1, "detector": 2}, "message": "ValueError: boom"}
                ],
            }
        )
    )
    submission = submit()
    end_runs.append(submission.pid)
    wait_for(lambda: Path(submission.working_dir, f"submission-{submission.pk}.exit").exists())

    submissions_poll()

    submission.refresh_from_db()
    assert submission.status == "failed"
    assert submission.failures == [
        {"task": "detector", "data_id": {"visit": 1, "detector": 2}, "message": "ValueError: boom"}
    ]
    submission.step.campaign.refresh_from_db()
    assert submission.step.campaign.status == "failed"


@pytest.mark.django_db
def test_a_run_whose_process_vanished_is_lost_and_can_be_restarted_in_its_directory(
    operator, submit, fake_stack, end_runs, django_capture_on_commit_callbacks
):
    submission = submit()
    wait_for(lambda: "Submit dir:" in Path(submission.working_dir, f"submission-{submission.pk}.log").read_text())
    os.killpg(submission.pid, 9)  # as if the host rebooted: no exit file is written
    wait_for(lambda: not group_alive(submission.pid))

    submissions_poll()
    submission.refresh_from_db()
    assert submission.status == "lost"

    with django_capture_on_commit_callbacks(execute=True):
        restart = submission_restart(actor=operator, submission=submission)
    restart.refresh_from_db()
    end_runs.append(restart.pid)

    assert (restart.attempt, restart.restarts_id, restart.status) == (2, submission.pk, "running")
    assert restart.working_dir == submission.working_dir
    wait_for(lambda: len(fake_stack.starts()) == 2)
    assert fake_stack.starts()[1].split()[1:4] == ["restart", "--wms-service-class", "lsst.ctrl.bps.parsl.ParslService"]
    assert submission_restart(actor=operator, submission=submission).pk == restart.pk


@pytest.mark.django_db
def test_cancel_ends_the_whole_process_group(operator, submit, fake_stack):
    submission = submit()
    wait_for(lambda: len(fake_stack.starts()) == 1)
    assert group_alive(submission.pid)

    cancelled = submission_cancel(actor=operator, submission=submission)

    assert cancelled.status == "cancelled"
    wait_for(lambda: not group_alive(submission.pid), timeout=15)
    submissions_poll()
    submission.refresh_from_db()
    assert submission.status == "cancelled"


@pytest.mark.django_db
def test_a_viewer_cannot_submit(viewer, step):
    from console.errors import NotPermitted

    with pytest.raises(NotPermitted, match="submit campaigns"):
        submission_request(actor=viewer, step=step, idempotency_key="k")

    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_a_submission_cancelled_while_it_was_being_launched_leaves_no_process(
    operator, step, fake_stack, django_capture_on_commit_callbacks, monkeypatch
):
    from campaigns.workflow.local import LocalParslAdapter

    with django_capture_on_commit_callbacks(execute=False):
        submission = submission_request(actor=operator, step=step, idempotency_key="k")
    launch = LocalParslAdapter.submit

    def launch_then_cancel(self, launching):
        started = launch(self, launching)
        submission_cancel(actor=operator, submission=Submission.objects.get(pk=launching.pk))
        return started

    monkeypatch.setattr(LocalParslAdapter, "submit", launch_then_cancel)
    submission_dispatch(submission_id=submission.pk)

    submission.refresh_from_db()
    assert submission.status == "cancelled"
    assert submission.pid is not None
    wait_for(lambda: not group_alive(submission.pid), timeout=15)
    submission.step.campaign.refresh_from_db()
    assert submission.step.campaign.status == "paused"


@pytest.mark.django_db
def test_an_output_run_that_exists_already_fails_the_submission_before_bps_starts(
    operator, step, fake_stack, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=False):
        submission = submission_request(actor=operator, step=step, idempotency_key="k")
    monkeypatch.setenv("FAKE_EXISTING_RUN", submission.run_collection)

    submission_dispatch(submission_id=submission.pk)

    submission.refresh_from_db()
    assert submission.status == "failed"
    assert submission.error.startswith(f"The output run collection {submission.run_collection} exists already")
    assert fake_stack.starts() == []


@pytest.mark.django_db
def test_a_dispatch_that_crashes_unexpectedly_is_tried_again_and_then_fails_with_the_error(
    operator, step, fake_stack, django_capture_on_commit_callbacks, monkeypatch, settings
):
    from campaigns.workflow.local import LocalParslAdapter

    settings.SUBMISSION_MAX_TRIES = 2
    with django_capture_on_commit_callbacks(execute=False):
        submission = submission_request(actor=operator, step=step, idempotency_key="k")

    def crash(self, launching):
        raise KeyError("bps_config")

    monkeypatch.setattr(LocalParslAdapter, "submit", crash)
    with django_capture_on_commit_callbacks(execute=False):
        submission_dispatch(submission_id=submission.pk)

    submission.refresh_from_db()
    assert (submission.status, submission.retries) == ("pending", 1)
    assert submission.retry_at > timezone.now()
    assert submission.error.startswith("The dispatch failed unexpectedly (KeyError: 'bps_config')")

    Submission.objects.filter(pk=submission.pk).update(retry_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=False):
        submission_dispatch(submission_id=submission.pk)

    submission.refresh_from_db()
    assert submission.status == "failed"
    assert submission.error.endswith("Gave up after 2 tries.")
    assert submission.pid is None


class ProgressAdapter:
    """A stand-in workflow system whose runs report, per submission, as many succeeded quanta as its id; when
    it polls ``cancel_after`` it cancels the next submission of the batch, as an operator may meanwhile."""

    def __init__(self, cancel_after: Submission):
        self.cancel_after = cancel_after

    def poll(self, submission):
        from campaigns.workflow.base import RunState

        if submission.pk == self.cancel_after.pk:
            Submission.objects.filter(pk=submission.pk + 1).update(status="cancelled")
        counts = {"detector": {"expected": 1000, "succeeded": submission.pk, "failed": submission.pk % 3}}
        return RunState("running", task_counts=counts, submit_dir=f"/runs/{submission.pk}/submit")


@pytest.mark.django_db
def test_the_poll_writes_each_running_submissions_own_progress_batch_by_batch(monkeypatch):
    from tests.campaigns.factories import SubmissionFactory

    running = [SubmissionFactory(status="running") for _ in range(5)]
    cancelled_meanwhile = running[3]  # read in the second batch with running[2], cancelled once that is polled
    assert cancelled_meanwhile.pk == running[2].pk + 1
    written_later = running[4]  # by a poll cycle that overlapped this one and read its progress later
    later = timezone.now() + timedelta(seconds=5)
    Submission.objects.filter(pk=written_later.pk).update(last_polled_at=later, quanta_succeeded=7)
    adapter = ProgressAdapter(cancel_after=running[2])
    monkeypatch.setattr("campaigns.services.polling.adapter_for", lambda system: adapter)
    before = timezone.now()

    assert submissions_poll(batch_size=2) == {"polled": 5, "finished": 0, "errors": 0}

    for submission in running:
        submission.refresh_from_db()
        if submission is cancelled_meanwhile:
            assert (submission.status, submission.task_counts, submission.quanta_succeeded) == ("cancelled", {}, 0)
            assert submission.last_polled_at is None
            continue
        if submission is written_later:
            assert (submission.last_polled_at, submission.quanta_succeeded) == (later, 7)
            continue
        assert submission.task_counts == {
            "detector": {"expected": 1000, "succeeded": submission.pk, "failed": submission.pk % 3}
        }
        assert (submission.quanta_expected, submission.quanta_succeeded, submission.quanta_failed) == (
            1000,
            submission.pk,
            submission.pk % 3,
        )
        assert submission.submit_dir == f"/runs/{submission.pk}/submit"
        assert submission.last_polled_at >= before
        assert submission.status == "running"
