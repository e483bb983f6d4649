"""Launching on a workflow service (HTCondor, PanDA): one `bps submit` per submission, whatever happens.

No HTCondor or PanDA service runs here: the stand-in `bps` (tests/campaigns/fake_stack) ends as their
plugins do, printing the id of the run it submitted (``FAKE_BPS_RUN_ID``). Every start is logged, so the
tests count the workflows that would have reached the service.
"""

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from campaigns.workflow.base import StackCommandError
from campaigns.workflow.wms import ServiceWmsAdapter
from tests.campaigns.factories import SubmissionFactory
from tests.campaigns.test_submission_services import wait_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def wms(fake_stack, monkeypatch):
    monkeypatch.setenv("FAKE_BPS_SECONDS", "0")
    monkeypatch.setenv("FAKE_BPS_RUN_ID", "9582.0")
    return ServiceWmsAdapter("htcondor")


@pytest.fixture
def submission():
    return SubmissionFactory(status="submitting", bps_config="computeSite: local\n")


def submit_in_thread(adapter, submission) -> tuple[threading.Thread, dict]:
    result = {}

    def submit():
        try:
            result["launch"] = adapter.submit(submission)
        except StackCommandError as error:
            result["error"] = error

    thread = threading.Thread(target=submit)
    thread.start()
    return thread, result


def test_the_run_id_printed_by_bps_submit_is_the_launch(wms, submission, fake_stack):
    launch = wms.submit(submission)

    assert launch.wms_run_id == "9582.0"
    assert launch.submit_dir.endswith("/submit/run")
    assert [start.split()[1] for start in fake_stack.starts()] == ["submit"]
    assert Path(launch.working_dir, f"submission-{submission.pk}.yaml").read_text() == "computeSite: local\n"


def test_a_dispatch_delivered_twice_at_once_submits_one_workflow(wms, submission, fake_stack, monkeypatch):
    monkeypatch.setenv("FAKE_BPS_SECONDS", "1")
    threads = [submit_in_thread(wms, submission) for _ in range(2)]
    for thread, _ in threads:
        thread.join(timeout=30)

    assert len(fake_stack.starts()) == 1
    assert [result["launch"].wms_run_id for _, result in threads] == ["9582.0", "9582.0"]


def test_a_worker_killed_during_bps_submit_leaves_the_run_to_the_next_dispatch(
    wms, submission, fake_stack, monkeypatch, tmp_path
):
    hold = tmp_path / "hold"
    hold.touch()
    monkeypatch.setenv("FAKE_BPS_HOLD", str(hold))
    worker = os.fork()
    if worker == 0:  # the worker: starts `bps submit`, and is killed while it runs
        try:
            wms.submit(submission)
        finally:
            os._exit(0)
    wait_for(lambda: len(fake_stack.starts()) == 1)
    os.kill(worker, signal.SIGKILL)
    os.waitpid(worker, 0)

    retry, result = submit_in_thread(wms, submission)
    time.sleep(1)
    assert retry.is_alive(), "the retry waits for the bps the killed worker started"
    hold.unlink()  # that bps submits its workflow and prints its run id
    retry.join(timeout=30)

    assert result["launch"].wms_run_id == "9582.0"
    assert len(fake_stack.starts()) == 1


def test_a_submit_that_failed_before_submitting_is_tried_afresh(wms, submission, fake_stack, monkeypatch):
    monkeypatch.setenv("FAKE_BPS_EXIT", "75")  # EX_TEMPFAIL: no run id printed

    with pytest.raises(StackCommandError, match=r"failed \(exit 75\)") as failed:
        wms.submit(submission)
    monkeypatch.setenv("FAKE_BPS_EXIT", "0")
    launch = wms.submit(submission)

    assert failed.value.transient
    assert "Submit dir:" in str(failed.value)
    assert launch.wms_run_id == "9582.0"
    assert len(fake_stack.starts()) == 2


def test_a_campaign_on_htcondor_runs_under_the_id_its_bps_submit_printed(
    operator, make_ready_campaign, wms, fake_stack, django_capture_on_commit_callbacks
):
    from campaigns.services import submission_request

    step = make_ready_campaign("DP0.2 on HTCondor", workflow_system="htcondor").steps.get()

    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_request(actor=operator, step=step, idempotency_key="k")
    submission.refresh_from_db()

    assert (submission.status, submission.wms_run_id, submission.pid) == ("running", "9582.0", None)
    assert submission.submit_dir.endswith("/submit/run")
    assert len(fake_stack.starts()) == 1


def test_a_bps_submit_slower_than_the_timeout_is_left_to_finish_and_then_adopted(
    wms, submission, fake_stack, monkeypatch, settings
):
    settings.STACK_COMMAND_TIMEOUT = 1
    monkeypatch.setenv("FAKE_BPS_SECONDS", "3")  # the service may have taken the workflow: never kill it

    with pytest.raises(StackCommandError, match=r"still running after 1 s; it is left to finish") as slow:
        wms.submit(submission)
    (output,) = Path(settings.CAMPAIGN_RUNS_DIR).glob(f"*/*/submission-{submission.pk}.out")
    wait_for(lambda: "Run Id:" in output.read_text())
    launch = wms.submit(submission)

    assert slow.value.transient
    assert launch.wms_run_id == "9582.0"
    assert len(fake_stack.starts()) == 1


def test_waiting_for_an_earlier_bps_submit_is_bounded_too(wms, submission, fake_stack, monkeypatch, tmp_path, settings):
    hold = tmp_path / "hold"
    hold.touch()
    monkeypatch.setenv("FAKE_BPS_HOLD", str(hold))
    first, _ = submit_in_thread(wms, submission)
    wait_for(lambda: len(fake_stack.starts()) == 1)
    settings.STACK_COMMAND_TIMEOUT = 1

    with pytest.raises(StackCommandError, match=r"still running \(waited 1 s for it\)") as waited:
        wms.submit(submission)
    hold.unlink()
    first.join(timeout=30)

    assert waited.value.transient
    assert wms.submit(submission).wms_run_id == "9582.0"
    assert len(fake_stack.starts()) == 1
