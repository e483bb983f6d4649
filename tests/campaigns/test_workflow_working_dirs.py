"""Each launch runs in a directory of its own, named by its launch token, and adopts only what it launched.

Files left by another database that used the same ids (a restore, a demo made again) are never taken for a
submission's: their process is not adopted, their run id not followed; the submission launches.
"""

import contextlib
import os
import subprocess
from pathlib import Path

import pytest

from campaigns.models import Submission
from campaigns.services import submission_dispatch, submission_request, submissions_poll
from campaigns.workflow.base import submission_working_dir
from campaigns.workflow.wms import ServiceWmsAdapter
from tests.campaigns.factories import SubmissionFactory
from tests.campaigns.test_submission_services import group_alive
from tests.support.processes import wait_until

pytestmark = pytest.mark.django_db


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def leave_a_dead_launch(directory: Path, submission_id: int, *, signed_by: str | None = None) -> int:
    """The files of a launch of submission ``submission_id`` whose process is gone (try 0, no exit file)."""
    directory.mkdir(parents=True, exist_ok=True)
    marker = directory / f"submission-{submission_id}"
    pid = dead_pid()
    marker.with_suffix(".pid").write_text(f"{pid}\n")
    marker.with_suffix(".try").write_text("0\n")
    marker.with_suffix(".log").write_text(f"Submit dir: {directory}/submit/run\n")
    if signed_by is not None:
        marker.with_suffix(".launch").write_text(f"{signed_by}\n")
    return pid


@pytest.fixture
def end_runs():
    """Whatever a test starts is ended when it finishes."""
    started: list[int] = []
    yield started
    for pid in filter(None, started):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, 9)


@pytest.fixture
def pending(operator, ready_campaign, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return submission_request(actor=operator, step=ready_campaign.steps.get(), idempotency_key="k")


def test_it_launches_a_submission_whose_ids_a_directory_left_by_another_database_used(
    pending, fake_stack, end_runs, settings
):
    # Where the console ran a submission with these ids before its database was made again (the old layout).
    stale = Path(settings.CAMPAIGN_RUNS_DIR) / f"campaign-{pending.step.campaign_id}" / f"all-submission-{pending.pk}"
    stale_pid = leave_a_dead_launch(stale, pending.pk)

    submission_dispatch(submission_id=pending.pk)

    pending.refresh_from_db()
    end_runs.append(pending.pid)
    assert pending.status == "running"
    assert pending.pid != stale_pid and group_alive(pending.pid)
    assert Path(pending.working_dir) != stale
    assert Path(pending.working_dir).name == f"all-submission-{pending.pk}-{pending.launch_token}"
    assert submissions_poll()["finished"] == 0
    pending.refresh_from_db()
    assert pending.status == "running"
    assert len(fake_stack.starts()) == 1


def test_it_adopts_nothing_in_its_directory_that_its_launch_did_not_sign(pending, fake_stack, end_runs):
    Submission.objects.filter(pk=pending.pk).update(launch_token="0123456789abcdef")
    pending.refresh_from_db()
    directory = submission_working_dir(pending)
    stale_pid = leave_a_dead_launch(directory, pending.pk, signed_by="fedcba9876543210")

    submission_dispatch(submission_id=pending.pk)

    pending.refresh_from_db()
    end_runs.append(pending.pid)
    assert (pending.status, pending.launch_token) == ("running", "0123456789abcdef")
    assert pending.pid != stale_pid and group_alive(pending.pid)
    # The new process writes its start line once it runs: on a loaded machine, a moment after the launch.
    wait_until(lambda: fake_stack.starts(), timeout=10, what="the launched bps to start")
    assert len(fake_stack.starts()) == 1
    assert (directory / f"submission-{pending.pk}.launch").read_text() == "0123456789abcdef\n"


def test_the_first_claim_draws_the_launch_token_and_a_later_claim_keeps_it(pending, fake_stack, end_runs):
    assert pending.launch_token == ""

    submission_dispatch(submission_id=pending.pk)
    pending.refresh_from_db()
    end_runs.append(pending.pid)
    first_token, first_pid = pending.launch_token, pending.pid
    # As if the worker died after launching: the sweeper frees it, and the next dispatch adopts the launch.
    Submission.objects.filter(pk=pending.pk).update(status="pending", pid=None)
    submission_dispatch(submission_id=pending.pk)

    pending.refresh_from_db()
    assert len(first_token) == 16
    assert (pending.launch_token, pending.pid) == (first_token, first_pid)
    assert len(fake_stack.starts()) == 1


def test_it_does_not_follow_a_run_id_left_by_another_launch(fake_stack, monkeypatch):
    monkeypatch.setenv("FAKE_BPS_SECONDS", "0")
    monkeypatch.setenv("FAKE_BPS_RUN_ID", "9582.0")
    submission = SubmissionFactory(status="submitting", bps_config="computeSite: local\n")
    output = submission_working_dir(submission) / f"submission-{submission.pk}.out"
    output.write_text("Submit dir: /elsewhere/submit/run\nRun Id: 1234.0\n")  # signed by no launch

    launch = ServiceWmsAdapter("htcondor").submit(submission)

    assert launch.wms_run_id == "9582.0"
    assert len(fake_stack.starts()) == 1
