"""BPS with a workflow management service (HTCondor, PanDA) that runs elsewhere.

With these plugins `bps submit` returns quickly with a run id, and the state of
the run comes from `bps report --id <run id>`. No HTCondor or PanDA service can
run on the console's test machines, so the parser below is tested against
output of ctrl_bps's own report formatter, recorded in
``tests/campaigns/recorded/`` (see the README there), and the launch against the
stand-in `bps` of ``tests/campaigns/fake_stack`` printing a run id as theirs do.
"""

import fcntl
import re
import socket
import subprocess
import time
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils import timezone

from campaigns.workflow.base import (
    Launch,
    RunState,
    StackCommandError,
    failure_is_transient,
    launch_mark,
    launched_here,
    stack_command,
    stack_environment,
    stack_missing,
    submission_working_dir,
)

RUN_ID_LINE = re.compile(r"^Run Id:\s*(\S+)", re.MULTILINE)
SUBMIT_DIR_LINE = re.compile(r"^Submit dir:\s*(\S+)", re.MULTILINE)
RUN_STATE = {
    "SUCCEEDED": "succeeded",
    "FAILED": "failed",
    "DELETED": "cancelled",
}
RUNNING_JOB_STATES = ("READY", "PENDING", "RUNNING", "HELD")


class ServiceWmsAdapter:
    def __init__(self, workflow_system: str):
        self.workflow_system = workflow_system

    def _run(self, command: list[str], cwd: Path) -> str:
        try:
            result = subprocess.run(  # noqa: S603 - the stack's bps with our own arguments
                stack_command(*command),
                cwd=cwd,
                env=stack_environment(),
                capture_output=True,
                text=True,
                timeout=settings.STACK_COMMAND_TIMEOUT,
                check=False,
            )
        except FileNotFoundError as error:
            raise stack_missing(error) from None
        except subprocess.TimeoutExpired:
            raise StackCommandError(f"`{' '.join(command[:2])}` timed out.", transient=True) from None
        if result.returncode != 0:
            raise _failed(command, result.returncode, result.stderr or result.stdout)
        return result.stdout

    def submit(self, submission) -> Launch:
        working_dir = submission_working_dir(submission)
        config = working_dir / f"submission-{submission.pk}.yaml"
        return self._launch(submission, working_dir, ["bps", "submit", config.name], config=config)

    def restart(self, submission, previous) -> Launch:
        if not previous.wms_run_id:
            return self.submit(submission)
        working_dir = Path(previous.working_dir)
        return self._launch(submission, working_dir, ["bps", "restart", "--id", previous.wms_run_id])

    def _launch(self, submission, working_dir: Path, command: list[str], *, config: Path | None = None) -> Launch:
        """`bps submit` (or `restart`) at most once per submission: a dispatch delivered twice, or tried again
        after its worker died, adopts the run whose id the first one's output, kept in the working directory,
        names.

        The lock file is held for as long as `bps` runs, by `bps` itself too (it inherits the descriptor): a
        second dispatch waits for the first one's `bps` even if the worker that started it was killed, and then
        reads the run id from its output instead of submitting the workflow to the service a second time. For
        the same reason a `bps` slower than STACK_COMMAND_TIMEOUT is not killed (the service may have taken
        the workflow already): it is left to finish, and the next try adopts what it submitted. Only output
        signed with the submission's launch token is adopted: a run id left by a launch the database does not
        know (another database, the same ids) is not this submission's run.
        """
        marker = working_dir / f"submission-{submission.pk}"
        with open(marker.with_suffix(".lock"), "w") as lock:
            _lock_within(lock, settings.STACK_COMMAND_TIMEOUT, waiting_for=command)
            output_file = marker.with_suffix(".out")
            ours = launched_here(marker, submission) and output_file.exists()
            earlier = output_file.read_text() if ours else ""
            if RUN_ID_LINE.search(earlier):
                return _launch_from(earlier, working_dir)
            launch_mark(marker, submission)
            if config is not None:
                config.write_text(submission.bps_config)
            with open(output_file, "w") as output:
                try:
                    process = subprocess.Popen(  # noqa: S603 - the stack's bps with our own arguments
                        stack_command(*command),
                        cwd=working_dir,
                        env=stack_environment(),
                        stdin=subprocess.DEVNULL,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        pass_fds=(lock.fileno(),),
                        start_new_session=True,
                    )
                except FileNotFoundError as error:
                    raise stack_missing(error) from None
            try:
                returncode = process.wait(timeout=settings.STACK_COMMAND_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise StackCommandError(
                    f"`{' '.join(command[:2])}` (pid {process.pid}) is still running after "
                    f"{settings.STACK_COMMAND_TIMEOUT} s; it is left to finish, and the next try adopts the run "
                    "it submits.",
                    transient=True,
                ) from None
            printed = output_file.read_text()
            if returncode != 0:
                raise _failed(command, returncode, printed)
            return _launch_from(printed, working_dir)

    def poll(self, submission) -> RunState:
        output = self._run(["bps", "report", "--id", submission.wms_run_id], Path(submission.working_dir))
        return parse_bps_report(output)

    def cancel(self, submission) -> None:
        self._run(["bps", "cancel", "--id", submission.wms_run_id], Path(submission.working_dir))


def _lock_within(lock: IO[str], seconds: float, *, waiting_for: list[str]) -> None:
    """The lock, or a transient error once ``seconds`` have passed without it."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise StackCommandError(
                    f"An earlier `{' '.join(waiting_for[:2])}` of this submission is still running (waited "
                    f"{seconds:g} s for it); the next try adopts the run it submits.",
                    transient=True,
                ) from None
            time.sleep(0.2)


def _failed(command: list[str], returncode: int, output: str) -> StackCommandError:
    tail = "\n".join(output.strip().splitlines()[-8:])
    return StackCommandError(
        f"`{' '.join(command[:2])}` failed (exit {returncode}):\n{tail}",
        transient=failure_is_transient(returncode, tail),
    )


def _launch_from(output: str, working_dir: Path) -> Launch:
    run_id = RUN_ID_LINE.search(output)
    if not run_id:
        raise StackCommandError(f"bps printed no run id:\n{output[-1000:]}")
    submit_dir = SUBMIT_DIR_LINE.search(output)
    return Launch(
        working_dir=str(working_dir),
        host=socket.gethostname(),
        pid=None,
        started_at=timezone.now(),
        wms_run_id=run_id[1],
        submit_dir=submit_dir[1] if submit_dir else "",
    )


def parse_bps_report(text: str) -> RunState:
    """The run state and per-task counts of a single-run `bps report --id` output."""
    lines = text.splitlines()
    state = _run_state(lines)
    counts = _task_counts(lines)
    path = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("Path:")), "")
    failures = [
        {"task": label, "data_id": {}, "message": f"{c['failed']} job(s) failed; see `bps report --id` for details"}
        for label, c in counts.items()
        if c["failed"]
    ]
    return RunState(state, counts, failures, submit_dir=path)


def _run_state(lines: list[str]) -> str:
    for index, line in enumerate(lines):
        if "STATE" in line.split() and "%S" in line.split():
            for row in lines[index + 1 :]:
                tokens = row.split()
                if not tokens or set(row.strip()) <= {"-", " "}:
                    continue
                if tokens[0] in ("H", "D", "F"):
                    tokens = tokens[1:]
                return RUN_STATE.get(tokens[0], "running")
    raise StackCommandError("bps report printed no run summary")


def _task_counts(lines: list[str]) -> dict[str, dict[str, int]]:
    for index, line in enumerate(lines):
        header = line.split()
        if "EXPECTED" in header and "SUCCEEDED" in header:
            counts = {}
            for row in lines[index + 1 :]:
                tokens = row.split()
                if not tokens:
                    if counts:
                        break
                    continue
                if set(row.strip()) <= {"-", " "}:
                    continue
                if len(tokens) != len(header) + 1 or tokens[0] == "TOTAL":
                    continue
                values = dict(zip(header, (int(value) for value in tokens[1:]), strict=True))
                counts[tokens[0]] = {
                    "expected": max(values["EXPECTED"], 0),
                    "succeeded": values["SUCCEEDED"],
                    "failed": values["FAILED"],
                    "blocked": values["PRUNED"],
                    "running": sum(values[state] for state in RUNNING_JOB_STATES),
                }
            return counts
    return {}
