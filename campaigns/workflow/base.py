"""The workflow adapter interface, and running the stack's commands."""

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from django.conf import settings


class StackCommandError(Exception):
    """A stack command failed; ``transient`` says whether trying again may help."""

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Launch:
    """Where and as what process a submission runs (for WMS runs: the run id)."""

    working_dir: str
    host: str
    pid: int | None
    started_at: datetime
    wms_run_id: str = ""
    submit_dir: str = ""


@dataclass(frozen=True)
class RunState:
    """What a poll found: ``running``, or the end (``succeeded``, ``failed``, ``lost``, ``cancelled``)."""

    state: str
    task_counts: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)
    submit_dir: str = ""
    run_collection: str = ""
    error: str = ""
    # For a run that ended before it submitted anything: whether launching it again may help.
    transient: bool = False


# When `bps` fails before it submitted anything, it is launched again later only on clear evidence that the
# cause was passing; anything else (a bad configuration, a missing input, a bug) fails the submission at once.
# The evidence: exit code 75, EX_TEMPFAIL in sysexits.h ("temporary failure, try again later"), or one of
# these messages in the last lines of its output (a database, Butler server or WMS service briefly away,
# a host briefly out of processes).
TRANSIENT_EXIT_CODES = frozenset({75})
TRANSIENT_MESSAGES = re.compile(
    r"connection refused|connection reset|timed out|temporary failure in name resolution"
    r"|resource temporarily unavailable",
    re.IGNORECASE,
)
TRANSIENT_EVIDENCE_LINES = 5


def failure_is_transient(exit_code: int | None, output: str) -> bool:
    """Whether a `bps` that exited with ``exit_code`` after printing ``output`` may succeed if tried again."""
    if exit_code in TRANSIENT_EXIT_CODES:
        return True
    last_lines = "\n".join(output.strip().splitlines()[-TRANSIENT_EVIDENCE_LINES:])
    return exit_code not in (None, 0) and bool(TRANSIENT_MESSAGES.search(last_lines))


class WorkflowAdapter(Protocol):
    def submit(self, submission) -> Launch: ...

    def restart(self, submission, previous) -> Launch: ...

    def poll(self, submission) -> RunState: ...

    def cancel(self, submission) -> None: ...


def stack_environment() -> dict[str, str]:
    """The environment the stack's commands expect (see console_stack/README.md)."""
    stack = str(settings.STACK_ENV_DIR)
    return {
        **os.environ,
        "PATH": f"{stack}/bin:{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": stack,
        # BPS builds job command lines as ${CTRL_MPEXEC_DIR}/bin/pipetask (an EUPS habit).
        "CTRL_MPEXEC_DIR": stack,
        "DAF_BUTLER_DIR": stack,
        "CONDOR_CONFIG": "/dev/null",
        "PYTHONPATH": str(settings.BASE_DIR),
        # The stack's Python must not pick up the console's settings.
        "DJANGO_SETTINGS_MODULE": "",
    }


def submission_working_dir(submission) -> Path:
    """Where a submission's `bps` runs and keeps its files (made if missing).

    Named by the launch token too, not only by ids: a directory left by another database that used the same
    ids (a restore, a demo made again) is never this launch's, so its files are never taken for this one's.
    """
    if not submission.launch_token:
        raise StackCommandError(f"Submission {submission.pk} has no launch token: it was not claimed for a launch.")
    working_dir = (
        Path(settings.CAMPAIGN_RUNS_DIR)
        / f"campaign-{submission.step.campaign_id}"
        / f"{submission.step.name}-submission-{submission.pk}-{submission.launch_token}"
    )
    working_dir.mkdir(parents=True, exist_ok=True)
    return working_dir


def launch_mark(marker: Path, submission) -> None:
    """Sign the launch's files (``marker`` without suffix) with its token, before anything is launched."""
    marker.with_suffix(".launch").write_text(f"{submission.launch_token}\n")


def launched_here(marker: Path, submission) -> bool:
    """Whether the files at ``marker`` are those of this submission's launch (signed with its token): only
    then may a dispatch adopt the process or run they name. Files of a launch the database does not know
    (same ids, another database) are not."""
    if not submission.launch_token:
        return False
    try:
        return marker.with_suffix(".launch").read_text().strip() == submission.launch_token
    except FileNotFoundError:
        return False


def stack_missing(error: FileNotFoundError) -> StackCommandError:
    """The error of a stack command that could not be started: its environment is not there."""
    return StackCommandError(f"The stack environment is missing ({error.filename}); run `make stack`.")


def stack_command(*args: str) -> list[str]:
    """A command run in the stack's environment, behind the configured prefix."""
    return [*settings.STACK_COMMAND_PREFIX, *args]


def run_stack_json(*args: str, cwd: Path | None = None, timeout: float | None = None, stdin: str | None = None) -> dict:
    """Run a ``console_stack`` entry point (given ``stdin`` as its input) and read the one JSON object it prints."""
    command = stack_command(str(Path(settings.STACK_ENV_DIR) / "bin" / "python"), "-m", *args)
    try:
        result = subprocess.run(  # noqa: S603 - fixed command, arguments from our own records
            command,
            cwd=cwd,
            env=stack_environment(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout or settings.STACK_COMMAND_TIMEOUT,
            check=False,
        )
    except FileNotFoundError as error:
        raise stack_missing(error) from None
    except subprocess.TimeoutExpired:
        raise StackCommandError(f"{' '.join(args[:1])} took longer than its time limit.", transient=True) from None
    if result.returncode != 0:
        last_lines = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise StackCommandError(f"{args[0]} failed (exit {result.returncode}): {last_lines}")
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        raise StackCommandError(f"{args[0]} printed no JSON: {result.stdout[-500:]!r}") from None
