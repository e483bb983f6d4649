"""BPS with the Parsl plugin, run on this host.

`bps submit` with Parsl blocks until the whole run ends and exits 0 even when
quanta failed, so the console launches it detached, in its own session (process
group) and working directory, through a small shell wrapper that writes
``submission-N.pid`` when it starts (and ``submission-N.try``, which try of the
submission it is) and ``submission-N.exit`` (the exit code) when it ends. A try
is launched once: a dispatch that finds it launched already (delivered twice,
or its worker killed after launching) adopts it, running or ended, but only when
``submission-N.launch`` carries the submission's launch token: files left by a
launch the database does not know (another database, the same ids) are never
adopted, and the working directory is named by the token as well. The run is
followed from those files, the log's ``Submit dir:`` line, and the
``console_stack.run_status`` / ``run_report`` entry points. A run whose process
vanished without writing its exit file (host restart, SIGKILL) is ``lost``.
A `bps` that exited before making its submit directory failed to start:
transiently or not, as ``failure_is_transient`` judges from its exit code and
the last lines it printed since it was launched.
"""

import contextlib
import fcntl
import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from campaigns.workflow.base import (
    Launch,
    RunState,
    StackCommandError,
    failure_is_transient,
    launch_mark,
    launched_here,
    run_stack_json,
    stack_command,
    stack_environment,
    stack_missing,
    submission_working_dir,
)
from campaigns.workflow.slurm import batch_jobs_cancel

PARSL_SERVICE = "lsst.ctrl.bps.parsl.ParslService"
SUBMIT_DIR_LINE = re.compile(r"^Submit dir:\s*(\S+)", re.MULTILINE)
# $0 is the marker path without suffix, $1 the try (the submission's retries so far); then the bps command.
WRAPPER = 'echo "$1" > "$0.try"; echo $$ > "$0.pid"; shift; "$@"; echo $? > "$0.exit"'
# Written to the log before each launch: what a launch printed is read from the last one on.
LAUNCH_LINE = "==> console: launching"
CANCEL_GRACE_SECONDS = 5


class LocalParslAdapter:
    def submit(self, submission) -> Launch:
        working_dir = submission_working_dir(submission)
        config = working_dir / f"submission-{submission.pk}.yaml"
        marker = working_dir / f"submission-{submission.pk}"
        launched = launched_here(marker, submission) and marker.with_suffix(".pid").exists()
        if not launched and output_run_exists(submission.step.campaign.butler_repo, submission.run_collection):
            raise StackCommandError(
                f"The output run collection {submission.run_collection} exists already in "
                f"{submission.step.campaign.butler_repo}; BPS would refuse to write into it."
            )
        config.write_text(submission.bps_config)
        return self._launch(submission, working_dir, ["bps", "submit", config.name])

    def restart(self, submission, previous) -> Launch:
        if not previous.submit_dir:
            # The earlier attempt died before BPS made its submit directory: start afresh.
            return self.submit(submission)
        # bps restart reads the Parsl checkpoint from ./runinfo: run it where the first attempt ran.
        working_dir = Path(previous.working_dir)
        command = ["bps", "restart", "--wms-service-class", PARSL_SERVICE, "--id", previous.submit_dir]
        launch = self._launch(submission, working_dir, command)
        return Launch(**{**launch.__dict__, "submit_dir": previous.submit_dir})

    def _launch(self, submission, working_dir: Path, command: list[str]) -> Launch:
        marker = working_dir / f"submission-{submission.pk}"
        with open(marker.with_suffix(".lock"), "w") as lock:
            # Two dispatches of one submission at once (the sweeper freed a slow one): one launches, one adopts.
            fcntl.flock(lock, fcntl.LOCK_EX)
            return self._launch_once(submission, working_dir, command, marker)

    def _launch_once(self, submission, working_dir: Path, command: list[str], marker: Path) -> Launch:
        if launched_here(marker, submission):
            existing = _read_int(marker.with_suffix(".pid"))
            this_try = _read_int(marker.with_suffix(".try")) == submission.retries
            if existing and (this_try or _is_running(existing, working_dir)):
                # A dispatch delivered twice, or a worker killed after launching: adopt, never launch twice. A
                # try that ended meanwhile is adopted too: the poller reads how it ended from its exit file.
                return Launch(str(working_dir), socket.gethostname(), existing, timezone.now())
        for suffix in (".pid", ".try", ".exit"):
            marker.with_suffix(suffix).unlink(missing_ok=True)
        launch_mark(marker, submission)
        with open(marker.with_suffix(".log"), "ab") as log:
            log.write(f"{LAUNCH_LINE} {' '.join(command)} at {timezone.now().isoformat()}\n".encode())
            log.flush()
            try:
                process = subprocess.Popen(  # noqa: S603 - our wrapper and the stack's bps
                    ["/bin/sh", "-c", WRAPPER, str(marker), str(submission.retries), *stack_command(*command)],
                    cwd=working_dir,
                    env=stack_environment(),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as error:
                raise StackCommandError(f"Could not start bps: {error}", transient=True) from None
        deadline = time.monotonic() + 5
        while not marker.with_suffix(".pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return Launch(str(working_dir), socket.gethostname(), process.pid, timezone.now())

    def poll(self, submission) -> RunState:
        working_dir = Path(submission.working_dir)
        marker = working_dir / f"submission-{submission.pk}"
        submit_dir = submission.submit_dir or _submit_dir_from_log(marker.with_suffix(".log"))
        if submission.host and submission.host != socket.gethostname():
            return RunState("running", submission.task_counts, submit_dir=submit_dir)
        if submission.pid and _is_running(submission.pid, working_dir):
            if not submit_dir:
                return RunState("running", submit_dir="")
            try:
                status = run_stack_json("console_stack.run_status", submit_dir, timeout=60)
            except StackCommandError:
                status = None
            return _running_state(submission, submit_dir, status)
        exit_code = _read_int(marker.with_suffix(".exit"))
        log_tail = _tail(marker.with_suffix(".log"))
        if not submit_dir:
            if exit_code is None:
                return RunState("lost", error="The bps process vanished before it made a submit directory.")
            return RunState(
                "failed",
                error=f"bps exited with {exit_code} before submitting:\n{log_tail}",
                transient=failure_is_transient(exit_code, log_tail),
            )
        try:
            report = run_stack_json("console_stack.run_report", submission.step.campaign.butler_repo, submit_dir)
        except StackCommandError as error:
            # No graph or no log to report from: bps failed before the run started (e.g. the graph was empty).
            state = "lost" if exit_code is None else "failed"
            return RunState(state, submission.task_counts, submit_dir=submit_dir, error=f"{error}\n{log_tail}")
        counts, failures = report.get("tasks", {}), report.get("failures", [])
        run_collection = report.get("output_run") or ""
        if exit_code is None:
            return RunState("lost", counts, failures, submit_dir, run_collection, "The bps process vanished.")
        complete = all(
            task.get("failed", 0) == 0 and task.get("blocked", 0) == 0 and task.get("succeeded") == task.get("expected")
            for task in counts.values()
        )
        if counts and complete and exit_code == 0:
            return RunState("succeeded", counts, failures, submit_dir, run_collection)
        error = "" if failures else f"bps exited with {exit_code}:\n{log_tail}"
        return RunState("failed", counts, failures, submit_dir, run_collection, error)

    def poll_many(self, submissions) -> dict[int, RunState]:
        """The states of those of ``submissions`` whose bps runs on this host now, keyed by submission id, their
        submit directories read by one stack process (``run_status --many``) instead of one each: with a
        thousand runs going, a process each (about 56 ms) would cost more than the poll interval. The others
        (their bps ended or vanished, or on another host) are left out, for ``poll`` to follow one by one from
        their exit files, as lost, or with ``run_report`` at the end."""
        states: dict[int, RunState] = {}
        going: dict[int, tuple] = {}
        for submission in submissions:
            working_dir = Path(submission.working_dir)
            if submission.host and submission.host != socket.gethostname():
                continue
            if not (submission.pid and _is_running(submission.pid, working_dir)):
                continue
            log = (working_dir / f"submission-{submission.pk}").with_suffix(".log")
            submit_dir = submission.submit_dir or _submit_dir_from_log(log)
            if submit_dir:
                going[submission.pk] = (submission, submit_dir)
            else:
                states[submission.pk] = RunState("running", submit_dir="")
        if not going:
            return states
        submit_dirs = sorted({submit_dir for _, submit_dir in going.values()})
        try:
            # A minute as for one run, and a second more for each: a run of 100,000 jobs reads in about that.
            statuses = run_stack_json(
                "console_stack.run_status",
                "--many",
                stdin=json.dumps(submit_dirs),
                timeout=60 + len(submit_dirs),
            )
        except StackCommandError:
            statuses = {}
        for pk, (submission, submit_dir) in going.items():
            status = statuses.get(submit_dir)
            states[pk] = _running_state(submission, submit_dir, None if not status or "error" in status else status)
        return states

    def cancel(self, submission) -> None:
        """End every process of the run's session (Parsl's worker pool has a process group of its own),
        then anything left working in the run's directory; leave nothing behind."""
        working_dir = Path(submission.working_dir)
        if submission.pid and _is_running(submission.pid, working_dir):
            for pid in _session_members(submission.pid):
                _signal(pid, signal.SIGTERM)
            deadline = time.monotonic() + CANCEL_GRACE_SECONDS
            while _session_members(submission.pid) and time.monotonic() < deadline:
                time.sleep(0.2)
        for pid in _session_members(submission.pid) if submission.pid else []:
            _signal(pid, signal.SIGKILL)
        for pid in _processes_working_in(working_dir):
            _signal(pid, signal.SIGKILL)
        # At a Slurm site its pilot jobs outlive the driver: scancel them, until squeue holds none (slurm.py).
        batch_jobs_cancel(submission)


def output_run_exists(repo: str, run: str) -> bool:
    """Whether the Butler repository has a collection of that name (a pre-flight check made at dispatch:
    it costs a second or two of `butler`, too slow for the request that asks for the submission)."""
    if not run:
        return False
    try:
        result = subprocess.run(  # noqa: S603 - the stack's butler with our own arguments
            stack_command("butler", "query-collections", repo, run),
            env=stack_environment(),
            capture_output=True,
            text=True,
            timeout=settings.STACK_COMMAND_TIMEOUT,
            check=False,
        )
    except FileNotFoundError as error:
        raise stack_missing(error) from None
    except subprocess.TimeoutExpired:
        raise StackCommandError("butler query-collections timed out.", transient=True) from None
    if result.returncode == 0:
        return any(line.split()[:1] == [run] for line in result.stdout.splitlines())
    if "MissingCollectionError" in result.stderr:
        return False
    tail = "\n".join(result.stderr.strip().splitlines()[-3:])
    raise StackCommandError(f"Could not query the collections of {repo}:\n{tail}")


def _running_state(submission, submit_dir: str, status: dict | None) -> RunState:
    """A going run's state from its ``run_status``; without one (the submit directory still being written, or
    a restart just begun) what we had."""
    if status is None:
        return RunState("running", submission.task_counts, submit_dir=submit_dir)
    return RunState("running", status.get("tasks", {}), submit_dir=submit_dir)


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _submit_dir_from_log(log: Path) -> str:
    try:
        match = SUBMIT_DIR_LINE.search(log.read_text(errors="replace"))
    except FileNotFoundError:
        return ""
    return match[1] if match else ""


def _tail(path: Path, lines: int = 15) -> str:
    """The last lines printed since the last launch."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    printed = text.splitlines()
    launches = [number for number, line in enumerate(printed) if line.startswith(LAUNCH_LINE)]
    since_launch = printed[launches[-1] + 1 :] if launches else printed
    return "\n".join(since_launch[-lines:])


def _proc_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _is_running(pid: int, working_dir: Path) -> bool:
    """Alive, not a zombie, and ours (its working directory is the run's: PIDs get reused after a reboot)."""
    state = _proc_state(pid)
    if state is None:
        return False
    if state == "Z":
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        return False
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd")).resolve() == working_dir.resolve()
    except OSError:
        return False


def _session_members(sid: int) -> list[int]:
    """Live processes whose session id is ``sid`` (the run's wrapper started a session of its own)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command name: state, ppid, pgrp, session, ...
        if int(fields[3]) == sid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _processes_working_in(working_dir: Path) -> list[int]:
    """Processes whose current directory is inside the run's working directory (e.g. Parsl's monitoring)."""
    root = working_dir.resolve()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = Path(os.readlink(entry / "cwd")).resolve()
        except OSError:
            continue
        if cwd == root or root in cwd.parents:
            found.append(int(entry.name))
    return found
