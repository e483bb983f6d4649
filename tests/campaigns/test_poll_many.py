"""The poll reads all the local runs going on this host in one stack process per batch (``run_status --many``),
and follows the others one by one as before: an ended run from its exit file and its report.

The runs' processes are real (a ``sleep`` in each working directory, as bps would be there); the stack is the
stand-in of tests/campaigns/fake_stack."""

import contextlib
import json
import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from campaigns.models import Submission
from campaigns.services import submissions_poll
from campaigns.workflow import local
from tests.campaigns.factories import CampaignFactory, StepFactory, SubmissionFactory

RUNNING_COUNTS = {"detector": {"expected": 4, "succeeded": 1, "running": 1}}  # the fake status (conftest)
EARLIER_COUNTS = {"detector": {"expected": 4, "succeeded": 3, "failed": 0}}


@pytest.fixture
def processes():
    """Processes started by a test, ended when it finishes."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def stack_calls(monkeypatch) -> list[tuple]:
    """The stack commands the adapter runs (arguments and input), run for real (the stand-in's)."""
    calls = []
    run = local.run_stack_json

    def recorded(*args, **kwargs):
        calls.append((args, kwargs.get("stdin")))
        return run(*args, **kwargs)

    monkeypatch.setattr(local, "run_stack_json", recorded)
    return calls


@pytest.fixture
def make_run(fake_stack, processes):
    """A running local submission in a working directory of its own; ``going`` starts a process there (as
    bps), otherwise its process has ended, with ``exit_code`` in its exit file."""
    campaign = CampaignFactory(status="running")

    def make(name: str, *, going: bool = True, submit_dir: bool = True, exit_code: int | None = None, **fields):
        working_dir = Path(settings.CAMPAIGN_RUNS_DIR) / name
        working_dir.mkdir(parents=True)
        if going:
            process = subprocess.Popen(["sleep", "60"], cwd=working_dir, start_new_session=True)
            processes.append(process)
        else:
            process = subprocess.Popen(["true"], cwd=working_dir)
            process.wait()
        submission = SubmissionFactory(
            step=StepFactory(campaign=campaign, name=name),
            status="running",
            working_dir=str(working_dir),
            host=socket.gethostname(),
            pid=process.pid,
            started_at=timezone.now(),
            submit_dir=str(working_dir / "submit" / "run") if submit_dir else "",
            **fields,
        )
        if exit_code is not None:
            (working_dir / f"submission-{submission.pk}.exit").write_text(f"{exit_code}\n")
        return submission

    return make


@pytest.mark.django_db
def test_one_stack_process_reads_every_run_going_here_and_ended_runs_are_followed_one_by_one(
    make_run, stack_calls, tmp_path, monkeypatch
):
    first, second = make_run("first"), make_run("second")
    unreadable = make_run("unreadable", task_counts=EARLIER_COUNTS)
    starting = make_run("starting", submit_dir=False)  # bps has not printed its submit directory yet
    ended = make_run("ended", going=False, exit_code=0)
    errors = tmp_path / "status-errors"
    errors.write_text(unreadable.submit_dir + "\n")
    monkeypatch.setenv("FAKE_STATUS_ERRORS", str(errors))

    assert submissions_poll() == {"polled": 5, "finished": 1, "errors": 0}

    statuses = [(args, stdin) for args, stdin in stack_calls if args[0] == "console_stack.run_status"]
    assert statuses == [
        (
            ("console_stack.run_status", "--many"),
            json.dumps(sorted([first.submit_dir, second.submit_dir, unreadable.submit_dir])),
        )
    ]
    assert [args[0] for args, _ in stack_calls if args[0] != "console_stack.run_status"] == ["console_stack.run_report"]
    for submission in (first, second):
        submission.refresh_from_db()
        assert (submission.status, submission.task_counts) == ("running", RUNNING_COUNTS)
        assert (submission.quanta_expected, submission.quanta_succeeded) == (4, 1)
    unreadable.refresh_from_db()
    assert (unreadable.status, unreadable.task_counts) == ("running", EARLIER_COUNTS)  # what it had
    starting.refresh_from_db()
    assert (starting.status, starting.submit_dir, starting.last_polled_at is not None) == ("running", "", True)
    ended.refresh_from_db()
    assert (ended.status, ended.quanta_succeeded) == ("succeeded", 4)  # from the fake report


@pytest.mark.django_db
def test_each_batch_reads_its_runs_in_one_stack_process_and_a_failed_one_keeps_what_they_had(
    make_run, stack_calls, monkeypatch, settings
):
    runs = [make_run(f"run{n}", task_counts=EARLIER_COUNTS) for n in range(3)]

    assert submissions_poll(batch_size=2) == {"polled": 3, "finished": 0, "errors": 0}
    assert [json.loads(stdin) for _, stdin in stack_calls] == [
        sorted(run.submit_dir for run in runs[:2]),
        [runs[2].submit_dir],
    ]
    assert {Submission.objects.get(pk=run.pk).quanta_succeeded for run in runs} == {1}

    settings.STACK_ENV_DIR = Path(settings.BASE_DIR) / "no-such-stack"  # the stack process cannot start
    assert submissions_poll() == {"polled": 3, "finished": 0, "errors": 0}
    for run in runs:
        run.refresh_from_db()
        assert (run.status, run.quanta_succeeded) == ("running", 1)  # what the last poll read
