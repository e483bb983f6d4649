"""The stack side at production size (issue 18): the console's own stack commands against what a person would
otherwise run on the same data, and the real poll cycle of local runs.

The fixtures are made once by ``bench.submit_dirs`` in the stack's environment (its docstring says how) into
``$CONSOLE_DATA_DIR/bench/stack-<scale>`` and reused while they match the request. Then, each stack command run
as the console runs it (a subprocess in the stack's environment) and measured in **CPU time**, its own and its
children's (``getrusage(RUSAGE_CHILDREN)`` around the call), besides the wall clock:

1. ``run_status`` (median of 3 calls after one untimed) and ``run_report`` (one call) of a finished run of
   10,000 and 100,000 jobs (scale 1; ``round(n * scale)``, at least 100 and 1,000), and ``pipetask report
   --force-v2`` on the same run, graph and repository (one call): what a person would run for the same counts.
   Targets: run_status at least 10x less CPU than pipetask report; run_status and run_report within 1.5x of
   linear from the smaller run.
2. The poll cycle (``campaigns.services.submissions_poll``) with the **real** ``LocalParslAdapter`` over 100 and
   1,000 runs going on this host (scale 1; 10 and 100 below scale 0.1): each a working directory with a live
   process in it (a ``sleep``, where bps would be: the adapter checks the process and its working directory)
   and a demo-sized submit directory in progress. Everything of the cycle is measured: the database reads and
   writes, the process checks and the stack processes (``run_status --many``, one per batch of
   ``SUBMISSION_POLL_BATCH``). Median of 3 cycles after one untimed. For contrast, the smaller set polled one
   run at a time (``LocalParslAdapter.poll``: a stack process each, the poll before ``poll_many``). Targets:
   within 1.5x of linear, and the larger cycle under half the poll interval (``SUBMISSION_POLL_INTERVAL``).
   The history's running submissions are set aside (``pending``) for the cycles and put back after.
3. ``read_metrics`` of 10,000 task metadata datasets (scale 1; at least 100) against a plain loop of
   ``butler.get`` of the same datasets (``bench.metadata_reads``), both as subprocesses; alternated, the median
   of 3 each (1 below scale 0.1). Target: read_metrics at most 2x the loop.
"""

import json
import os
import resource
import socket
import statistics
import subprocess
import time
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bench.db import log
from campaigns.choices import CampaignStatus, SubmissionStatus, WorkflowSystem
from campaigns.models import Campaign, Step, Submission
from campaigns.workflow import local
from campaigns.workflow.base import stack_environment

FIXTURE = "bench: stack poll fixture"
STATUS_CALLS = 3


def plan(scale: float) -> dict:
    """The sizes at ``scale`` (1 is the full size)."""
    poll_factor = 1.0 if scale >= 0.1 else 0.1
    return {
        "jobs": [max(100, round(10_000 * scale)), max(1_000, round(100_000 * scale))],
        "metrics": max(100, round(10_000 * scale)),
        "poll_runs": [round(100 * poll_factor), round(1_000 * poll_factor)],
        "metrics_repeats": 3 if scale >= 0.1 else 1,
    }


def benchmark_stack(scale: float) -> dict:
    sizes = plan(scale)
    folder = Path(os.environ.get("CONSOLE_DATA_DIR") or settings.BASE_DIR / "data") / "bench" / f"stack-{scale:g}"
    started = time.perf_counter()
    manifest = _fixtures(folder, sizes)
    generated_s = time.perf_counter() - started
    result = {"plan": sizes, "fixtures": str(folder), "generation_seconds": round(generated_s, 1)}
    result["generator_seconds"] = manifest["seconds"]
    result["runs"] = [_run_figures(manifest, run) for run in (manifest["runs"][str(n)] for n in sizes["jobs"])]
    result["poll"] = _poll_figures(manifest, sizes["poll_runs"])
    result["metrics"] = _metrics_figures(manifest, sizes["metrics_repeats"])
    result["children_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    return result


def _fixtures(folder: Path, sizes: dict) -> dict:
    command = [_stack_python(), "-m", "bench.submit_dirs", str(folder), "--metrics", str(sizes["metrics"])]
    command += ["--poll-runs", str(max(sizes["poll_runs"]))]
    for jobs in sizes["jobs"]:
        command += ["--jobs", str(jobs)]
    log(f"bench.stack: fixtures in {folder} (made once, then reused) ...")
    subprocess.run(command, env=stack_environment(), check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    return json.loads((folder / "manifest.json").read_text())


def _stack_python() -> str:
    return str(Path(settings.STACK_ENV_DIR) / "bin" / "python")


def cpu_call(command: list[str], stdin: str | None = None) -> dict:
    """Run a stack command as the console does; its CPU time (its own and its children's) and wall clock."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    finished = subprocess.run(  # noqa: S603 - the stack's own commands
        command, input=stdin, env=stack_environment(), capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if finished.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} exited {finished.returncode}: {finished.stderr[-1500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cpu": cpu, "wall": wall, "stdout": finished.stdout}


# 1. A run's status and report, and pipetask report --------------------------------------------------------


def _run_figures(manifest: dict, run: dict) -> dict:
    python, repo = _stack_python(), manifest["repo"]
    log(f"bench.stack: run_status, run_report and pipetask report of {run['quanta']:,} jobs ...")
    status_command = [python, "-m", "console_stack.run_status", run["submit_dir"]]
    cpu_call(status_command)  # untimed: the poller reads a going run's logs every interval, from the page cache
    statuses = [cpu_call(status_command) for _ in range(STATUS_CALLS)]
    counts = json.loads(statuses[0]["stdout"])["tasks"]
    report = cpu_call([python, "-m", "console_stack.run_report", repo, run["submit_dir"]])
    reported = json.loads(report["stdout"])
    pipetask_command = str(Path(settings.STACK_ENV_DIR) / "bin" / "pipetask")
    pipetask = cpu_call([pipetask_command, "report", "--force-v2", repo, run["qgraph"]])
    # The figures count only if the commands saw the run as it is.
    expected = sum(task["expected"] for task in counts.values())
    failed = sum(task["failed"] for task in reported["tasks"].values())
    blocked = sum(task["blocked"] for task in reported["tasks"].values())
    same = expected == run["quanta"] and (failed, blocked) == (run["failed"], run["blocked"])
    return {
        "jobs": run["quanta"],
        "failed": run["failed"],
        "status_cpu": statistics.median(call["cpu"] for call in statuses),
        "status_wall": statistics.median(call["wall"] for call in statuses),
        "report_cpu": report["cpu"],
        "report_wall": report["wall"],
        "report_source": reported["source"],
        "pipetask_cpu": pipetask["cpu"],
        "pipetask_wall": pipetask["wall"],
        "counts_match": same,
    }


# 2. The poll cycle ----------------------------------------------------------------------------------------


def _poll_figures(manifest: dict, sizes: list[int]) -> dict:
    from django.contrib.auth.models import User

    from campaigns.services import submissions_poll

    runs = manifest["poll"]["runs"]
    set_aside = list(Submission.objects.filter(status=SubmissionStatus.RUNNING).values_list("pk", flat=True))
    operator = User.objects.get(username="operator1")
    campaign = Campaign.objects.create(
        name=FIXTURE, status=CampaignStatus.RUNNING, workflow_system=WorkflowSystem.PARSL, owner=operator
    )
    processes: list[subprocess.Popen] = []
    cycles = []
    one_by_one = None
    Submission.objects.filter(pk__in=set_aside).update(status=SubmissionStatus.PENDING)
    try:
        for size in sizes:
            log(f"bench.stack: the poll cycle over {size:,} local runs ...")
            _grow(campaign, operator, runs[len(processes) : size], processes)
            submissions_poll()  # untimed: the first cycle over the new runs pays what only a first one does
            timings = [_cycle(submissions_poll) for _ in range(3)]
            fixture = Submission.objects.filter(step__campaign=campaign)
            followed = fixture.filter(status=SubmissionStatus.RUNNING, quanta_expected=manifest["poll"]["quanta"])
            cycles.append(
                {
                    "running": size,
                    "followed": followed.count(),
                    "median": statistics.median(t["wall"] for t in timings),
                    "cpu": statistics.median(t["cpu"] for t in timings),
                    "stack_processes": timings[0]["stack_processes"],
                    "polled": timings[0]["seen"]["polled"],
                }
            )
            if one_by_one is None:
                one_by_one = _one_by_one(list(fixture.select_related("step__campaign")))
    finally:
        for process in processes:
            process.kill()
        for process in processes:
            process.wait()
        with transaction.atomic():
            Submission.objects.filter(step__campaign=campaign).delete()
            Step.objects.filter(campaign=campaign).delete()
            campaign.delete()
            Submission.objects.filter(pk__in=set_aside).update(status=SubmissionStatus.RUNNING)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) campaigns_submission, campaigns_step, campaigns_campaign")
    return {
        "cycles": cycles,
        "one_by_one": one_by_one,
        "interval": settings.SUBMISSION_POLL_INTERVAL,
        "batch": settings.SUBMISSION_POLL_BATCH,
    }


def _grow(campaign: Campaign, operator, runs: list[dict], processes: list) -> None:
    """A running submission per run, one step each, with a live process in its working directory."""
    have = Step.objects.filter(campaign=campaign).count()
    now = timezone.now()
    host = socket.gethostname()
    with transaction.atomic():
        steps = Step.objects.bulk_create(
            [Step(campaign=campaign, name=f"stack-poll-{have + n}", position=have + n + 1) for n in range(len(runs))]
        )
        submissions = []
        for step, run in zip(steps, runs, strict=True):
            # Where bps would be: the adapter follows a run while its process lives in the run's working directory.
            process = subprocess.Popen(["sleep", "3600"], cwd=run["working_dir"])  # noqa: S607
            processes.append(process)
            submissions.append(
                Submission(
                    step=step,
                    idempotency_key=f"bench-stack-poll-{step.pk}",
                    status=SubmissionStatus.RUNNING,
                    requested_by=operator,
                    dispatched_at=now,
                    started_at=now,
                    working_dir=run["working_dir"],
                    submit_dir=run["submit_dir"],
                    host=host,
                    pid=process.pid,
                    launch_token=f"bench{step.pk:011d}",
                )
            )
        Submission.objects.bulk_create(submissions, batch_size=2_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE campaigns_submission, campaigns_step")


def _cycle(poll) -> dict:
    """One poll cycle: wall clock, CPU time of this process and of the stack processes it started."""
    calls = []
    run_stack_json = local.run_stack_json

    def counted(*args, **kwargs):
        calls.append(args[0])
        return run_stack_json(*args, **kwargs)

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time()
    start = time.perf_counter()
    with mock.patch.object(local, "run_stack_json", counted):
        seen = poll()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu + (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    return {"wall": wall, "cpu": cpu, "stack_processes": len(calls), "seen": seen}


def _one_by_one(submissions: list[Submission]) -> dict:
    """The stack side of the poll before poll_many: ``LocalParslAdapter.poll`` for each run, a process each."""
    adapter = local.LocalParslAdapter()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time()
    start = time.perf_counter()
    states = [adapter.poll(submission) for submission in submissions]
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu + (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    return {"runs": len(states), "wall": wall, "cpu": cpu, "running": sum(s.state == "running" for s in states)}


# 3. Metrics from task metadata --------------------------------------------------------------------------------


def _metrics_figures(manifest: dict, repeats: int) -> dict:
    python, repo, run = _stack_python(), manifest["repo"], manifest["metrics"]["run"]
    log(f"bench.stack: read_metrics of {manifest['metrics']['datasets']:,} metadata datasets ...")
    console, loop = [], []
    for _ in range(repeats):
        loop.append(cpu_call([python, "-m", "bench.metadata_reads", repo, run]))
        console.append(cpu_call([python, "-m", "console_stack.read_metrics", repo, run]))
    return {
        "datasets": manifest["metrics"]["datasets"],
        "read": int(loop[0]["stdout"].strip()),
        "rows": console[0]["stdout"].count("\n"),
        "console_cpu": statistics.median(call["cpu"] for call in console),
        "console_wall": statistics.median(call["wall"] for call in console),
        "loop_cpu": statistics.median(call["cpu"] for call in loop),
        "loop_wall": statistics.median(call["wall"] for call in loop),
    }
