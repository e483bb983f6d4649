"""The Slurm jobs of runs at a Slurm compute site: found, recorded and cancelled.

A run at a Slurm site (``bps_config.site_section``) runs its quanta in Parsl's pilot jobs, which ctrl_bps_parsl names
after the workflow: the same name for every run of a campaign. The console tags them with the submission instead
(``#SBATCH --comment=console-submission-N``), reads the tags with one ``squeue`` call per poll batch, records each
running submission's job ids (``Submission.batch_job_ids``, shown on its page and in the API), and ``scancel``s them
when the run is cancelled or its driver vanished: the Parsl driver does not end its pilot jobs when it is killed.

``squeue`` and ``scancel`` are the submit host's own, found on ``PATH``; ``SLURM_CONF`` comes from the environment,
which the stack's commands get as well (``stack_environment``), so ``bps`` submits to the same cluster.
"""

import os
import re
import shutil
import subprocess
import time
from datetime import datetime
from typing import NamedTuple

from campaigns.bps_config import SUBMISSION_COMMENT_PREFIX
from campaigns.choices import SiteKind
from campaigns.workflow.base import StackCommandError

SLURM_COMMAND_TIMEOUT = 30
# How long cancel waits for the cancelled jobs to leave squeue (a job completing on its nodes is still listed).
CANCEL_WAIT_SECONDS = 60
COMMENT_LINE = re.compile(rf"--comment=({re.escape(SUBMISSION_COMMENT_PREFIX)}\w+)")


def batch_jobs(env: dict[str, str] | None = None) -> dict[str, list[str]]:
    """The jobs Slurm holds (pending, running, completing), their ids by comment (``(null)`` for none), from one
    ``squeue`` call."""
    jobs: dict[str, list[str]] = {}
    for job in _listed_jobs(env):
        jobs.setdefault(job.comment, []).append(job.job_id)
    return jobs


class ListedJob(NamedTuple):
    job_id: str
    comment: str
    submitted: datetime | None  # when Slurm accepted it (in this host's time zone)


def _listed_jobs(env: dict[str, str] | None = None, *, ended_too: bool = False) -> list[ListedJob]:
    """The jobs ``squeue`` lists; ``ended_too``: with those that ended recently as well (Slurm lists them for
    ``MinJobAge``, 300 s by default)."""
    states = ["--states=all"] if ended_too else []
    listed = _slurm_command("squeue", "--noheader", "--format=%i|%V|%k", *states, env=env)
    jobs = []
    for line in listed.splitlines():
        job_id, _, rest = line.strip().partition("|")
        submitted, _, comment = rest.partition("|")
        if job_id:
            jobs.append(ListedJob(job_id, comment.strip(), _slurm_time(submitted)))
    return jobs


def _slurm_time(text: str) -> datetime | None:
    """A time squeue prints (``2026-12-04T20:30:00``, the controller's local time, here the host's)."""
    try:
        return datetime.fromisoformat(text.strip()).astimezone()
    except ValueError:
        return None


def submission_comment(submission) -> str:
    """The comment of a submission's Slurm jobs: the one in its configuration (a restart runs with the
    configuration, and the submit directory, of the attempt it restarts), else its own number's."""
    found = COMMENT_LINE.search(submission.bps_config or "")
    return found[1] if found else f"{SUBMISSION_COMMENT_PREFIX}{submission.pk}"


def at_slurm_site(submission) -> bool:
    site = submission.step.campaign.compute_site
    return site is not None and site.kind == SiteKind.SLURM


def record_batch_job_ids(submissions: list, env: dict[str, str] | None = None) -> int:
    """Record the Slurm job ids of those of ``submissions`` that ran at a Slurm site (one ``squeue`` call for
    all of them, none when there are none), the jobs that ended recently included: a pilot job that started and
    ended between two polls (a short run, or a submit host whose worker was away) is on the record too. The ids
    found join those recorded before. Returns how many submissions got new ids."""
    at_slurm = [submission for submission in submissions if at_slurm_site(submission)]
    if not at_slurm:
        return 0
    listed = _listed_jobs(env, ended_too=True)
    recorded = 0
    for submission in at_slurm:
        comment = submission_comment(submission)
        # Its own jobs only: not those of the attempt a restart restarts (the same comment), submitted before it was
        # dispatched. Slurm's times are to the second, and a pilot job is submitted seconds after the dispatch (bps
        # builds its graph first): one submitted within the second of the dispatch is not its own.
        since = submission.dispatched_at.replace(microsecond=0) if submission.dispatched_at else None
        found = [
            job.job_id
            for job in listed
            if job.comment == comment and (since is None or job.submitted is None or job.submitted > since)
        ]
        new = [job_id for job_id in found if job_id not in submission.batch_job_ids]
        if not new:
            continue
        submission.batch_job_ids = [*submission.batch_job_ids, *sorted(new, key=_job_id_order)]
        type(submission).objects.filter(pk=submission.pk).update(batch_job_ids=submission.batch_job_ids)
        recorded += 1
    return recorded


def batch_jobs_cancel(submission, env: dict[str, str] | None = None) -> list[str]:
    """``scancel`` the Slurm jobs of a submission at a Slurm site (those tagged with its comment, and those
    recorded in ``batch_job_ids`` that Slurm still holds), then wait until ``squeue`` lists none of them. Nothing
    for a submission at another site. Returns the job ids cancelled."""
    if not at_slurm_site(submission):
        return []
    jobs = batch_jobs(env)
    comment = submission_comment(submission)
    # A recorded id that Slurm now holds for another submission was reused (a cluster started afresh): not ours.
    others = {
        job_id
        for tag, ids in jobs.items()
        if tag != comment and tag.startswith(SUBMISSION_COMMENT_PREFIX)
        for job_id in ids
    }
    held = {job_id for ids in jobs.values() for job_id in ids}
    ours = set(jobs.get(comment, [])) | ((set(submission.batch_job_ids) & held) - others)
    if not ours:
        return []
    to_cancel = sorted(ours, key=_job_id_order)
    try:
        _slurm_command("scancel", *to_cancel, env=env)
    except StackCommandError as error:
        # scancel fails for a job that ended meanwhile, yet cancels the others: squeue says what is left.
        scancel_error = f" ({error})"
    else:
        scancel_error = ""
    deadline = time.monotonic() + CANCEL_WAIT_SECONDS
    while True:
        left = ours & {job_id for ids in batch_jobs(env).values() for job_id in ids}
        if not left:
            return to_cancel
        if time.monotonic() > deadline:
            raise StackCommandError(
                f"Slurm still holds job(s) {', '.join(sorted(left, key=_job_id_order))} of submission "
                f"{submission.pk} {CANCEL_WAIT_SECONDS} s after scancel{scancel_error}.",
                transient=True,
            )
        time.sleep(0.5)


def _slurm_command(name: str, *args: str, env: dict[str, str] | None = None) -> str:
    """The output of a Slurm client command found on ``PATH``; a missing command or a failure is a
    ``StackCommandError`` with what it printed."""
    env = dict(os.environ if env is None else env)
    binary = shutil.which(name, path=env.get("PATH"))
    if binary is None:
        raise StackCommandError(f"No {name} on PATH: this host has no Slurm client to reach the compute site.")
    try:
        result = subprocess.run(  # noqa: S603 - a Slurm client with our own arguments
            [binary, *args], env=env, capture_output=True, text=True, timeout=SLURM_COMMAND_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise StackCommandError(f"{name} took longer than {SLURM_COMMAND_TIMEOUT} s.", transient=True) from None
    if result.returncode != 0:
        printed = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise StackCommandError(f"{name} failed (exit {result.returncode}): {printed}", transient=True)
    return result.stdout


def _job_id_order(job_id: str) -> tuple[int, str]:
    """Numeric order of job ids (``123``, an array's ``123_4``)."""
    number = re.match(r"\d+", job_id)
    return (int(number[0]) if number else 0, job_id)
