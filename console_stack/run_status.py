"""Live status of a BPS (Parsl) run, from its submit directory; cheap enough to poll.

    python -m console_stack.run_status SUBMIT_DIR
    python -m console_stack.run_status --many < SUBMIT_DIRS.json

Prints one JSON object (format in console_stack/README.md) and exits 0; exits 2
with a message on stderr when SUBMIT_DIR is not a directory. With ``--many`` it
reads a JSON list of submit directories on stdin and prints one JSON object
keyed by each directory as given: its status, or ``{"error": message}`` for one
that cannot be read; the poller reads all the runs of a host in one process
this way instead of starting one per run. Reads only files:
the quantum graph's header for the expected counts and the jobs' ``.stderr``
logs for their state. Imports nothing from the LSST stack unless the graph file
is in an unexpected format.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ._submit_dir import (
    SubmitDirError,
    find_qgraph,
    find_working_dir,
    read_attempts,
    read_final_job,
    read_graph_summary,
    scan_job_logs,
)

__all__ = ["run_status", "run_statuses"]


def run_status(submit_dir: Path) -> dict:
    """The status document for one submit directory."""
    submit_dir = submit_dir.resolve()
    qgraph = find_qgraph(submit_dir)
    final_job = read_final_job(submit_dir)
    working_dir = find_working_dir(submit_dir)
    attempts, attempt_started = read_attempts(working_dir)
    common = {
        "submit_dir": str(submit_dir),
        "working_dir": str(working_dir) if working_dir else None,
        "attempts": attempts,
    }
    if qgraph is None:
        # bps is still building the quantum graph (or failed to).
        return {
            **common,
            "qgraph": None,
            "output_run": None,
            "phase": "building_graph",
            "finished": False,
            "final_job": final_job["state"],
            "tasks": {},
        }
    graph = read_graph_summary(qgraph)
    tasks, newest_job_log = _task_counts(submit_dir, graph)
    phase, finished = _phase(final_job, newest_job_log, attempt_started)
    return {
        **common,
        "qgraph": str(qgraph),
        "output_run": graph.output_run,
        "phase": phase,
        "finished": finished,
        "final_job": final_job["state"] if phase != "running" else "pending",
        "tasks": tasks,
    }


def _task_counts(submit_dir: Path, graph) -> tuple[dict[str, dict[str, int]], float]:
    """Per task label the quanta expected, succeeded, failed, running and pending, from the job logs; and the
    time the newest job log was written (0 when none)."""
    tasks = {
        label: {"expected": n, "succeeded": 0, "failed": 0, "running": 0, "pending": n}
        for label, n in graph.expected.items()
    }
    newest_job_log = 0.0
    for job in scan_job_logs(submit_dir, graph.labels_by_quantum):
        counts = tasks.get(job.label)
        if counts is None:
            continue
        counts[job.state] += 1
        counts["pending"] -= 1
        newest_job_log = max(newest_job_log, job.mtime)
    for counts in tasks.values():
        counts["pending"] = max(counts["pending"], 0)
    return tasks, newest_job_log


def _phase(final_job: dict, newest_job_log: float, attempt_started: float | None) -> tuple[str, bool]:
    """The run's phase (running, finishing, finished) and whether it has finished."""
    # A restart runs jobs, then the final job again, after an earlier final
    # job: that final job counts only if it is newer than the latest attempt's
    # start and than every job log.
    final_is_current = final_job["mtime"] is not None and final_job["mtime"] >= max(
        newest_job_log, attempt_started or 0.0
    )
    final_ended = final_is_current and final_job["state"] in ("succeeded", "failed")
    if final_ended:
        phase = "finished"
    elif final_is_current and final_job["state"] == "running":
        phase = "finishing"
    else:
        phase = "running"
    return phase, final_ended


def run_statuses(submit_dirs: list[str]) -> dict[str, dict]:
    """The status of each submit directory, keyed as given; ``{"error": ...}`` for one that cannot be read
    (not a directory yet, or a graph still being written), which leaves the others read."""
    statuses = {}
    for submit_dir in submit_dirs:
        try:
            statuses[submit_dir] = run_status(Path(submit_dir))
        except SubmitDirError as error:
            statuses[submit_dir] = {"error": str(error)}
        except Exception as error:  # noqa: BLE001 - one unreadable run must not hide the others
            statuses[submit_dir] = {"error": f"{type(error).__name__}: {error}"}
    return statuses


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--many"]:
        try:
            submit_dirs = json.load(sys.stdin)
        except json.JSONDecodeError as error:
            print(f"run_status --many: stdin is not JSON: {error}", file=sys.stderr)
            return 2
        if not isinstance(submit_dirs, list) or not all(isinstance(path, str) for path in submit_dirs):
            print("run_status --many: stdin must be a JSON list of submit directories", file=sys.stderr)
            return 2
        json.dump(run_statuses(submit_dirs), sys.stdout)
        sys.stdout.write("\n")
        return 0
    if len(args) != 1 or args[0].startswith("-"):
        print(
            "usage: python -m console_stack.run_status SUBMIT_DIR\n"
            "       python -m console_stack.run_status --many < SUBMIT_DIRS.json",
            file=sys.stderr,
        )
        return 2
    try:
        status = run_status(Path(args[0]))
    except SubmitDirError as error:
        print(f"run_status: {error}", file=sys.stderr)
        return 2
    json.dump(status, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
