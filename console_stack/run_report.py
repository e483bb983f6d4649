"""Outcome of a finished BPS (Parsl) run: counts per task and the first failures.

    python -m console_stack.run_report REPO SUBMIT_DIR

Prints one JSON object (format in console_stack/README.md) and exits 0; exits 1
with a message on stderr when it cannot report (no quantum graph in SUBMIT_DIR,
repository unreadable), 2 on a usage error.

Counts come from the Butler (``QuantumProvenanceGraph``, as ``pipetask report
--force-v2``) when the run's output RUN collection exists, i.e. once the final
job has registered the outputs; otherwise (the run was cancelled or its final
job failed) from the job logs and the graph. Failure messages and log paths come
from the job logs in both cases.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

from ._submit_dir import SubmitDirError, find_qgraph, read_final_job, scan_job_logs

__all__ = ["MAX_FAILURES", "ReportError", "run_report"]

MAX_FAILURES = 20


class ReportError(Exception):
    """The run cannot be reported on."""


def _data_id_key(label: str, data_id: dict[str, Any]) -> tuple:
    return (label, tuple(sorted(data_id.items())))


def _message_from_butler(messages: list[str]) -> str | None:
    # "Execution of task 'x' on quantum {...} failed. Exception FooError: boom"
    for message in reversed(messages):
        _head, sep, tail = message.partition(" failed. Exception ")
        if sep:
            return tail
    return messages[-1] if messages else None


def run_report(repo: str, submit_dir: Path) -> dict:
    """The report document for one run."""
    submit_dir = submit_dir.resolve()
    qgraph_path = find_qgraph(submit_dir)
    if qgraph_path is None:
        raise ReportError(f"no quantum graph (*.qg) in {submit_dir}: the submission did not get that far")

    graph = _read_quantum_graph(qgraph_path)
    labels, quanta, quantum_by_data_id = _index_quanta(graph)
    jobs = {
        job.quantum_id: job
        for job in scan_job_logs(submit_dir, {qid: label for qid, (label, _) in quanta.items()})
        if job.quantum_id
    }
    output_run = graph.header.output_run

    with _open_butler(repo) as butler:
        run_registered = _run_is_registered(butler, output_run)
        if run_registered:
            tasks, failures = _report_from_butler(butler, qgraph_path, labels, quantum_by_data_id, jobs)
        else:
            tasks, failures = _report_from_logs(graph, labels, quanta, jobs)

    _cut_off_as_failed(tasks, failures, labels, quanta, jobs)
    final_job = read_final_job(submit_dir)
    return {
        "submit_dir": str(submit_dir),
        "qgraph": str(qgraph_path),
        "repo": repo,
        "output_run": output_run if run_registered else None,
        "planned_output_run": output_run,
        "source": "butler" if run_registered else "logs",
        "final_job": {"state": final_job["state"], "log": final_job["log"]},
        "tasks": tasks,
        "n_failures": len(failures),
        "failures": failures[:MAX_FAILURES],
    }


def _read_quantum_graph(qgraph_path: Path):
    """The run's predicted quantum graph, read without importing the pipeline's tasks."""
    from lsst.pipe.base.pipeline_graph import TaskImportMode
    from lsst.pipe.base.quantum_graph import PredictedQuantumGraph

    with PredictedQuantumGraph.open(qgraph_path, import_mode=TaskImportMode.DO_NOT_IMPORT) as reader:
        reader.read_thin_graph()
        return reader.finish()


def _index_quanta(graph) -> tuple[list[str], dict[str, tuple[str, dict[str, Any]]], dict[tuple, str]]:
    """The task labels in graph order; quantum id -> (label, data id); (label, data id) key -> quantum id."""
    labels = list(graph.quanta_by_task)
    quanta: dict[str, tuple[str, dict[str, Any]]] = {}
    quantum_by_data_id: dict[tuple, str] = {}
    for label, by_data_id in graph.quanta_by_task.items():
        for data_coordinate, quantum_id in by_data_id.items():
            data_id = dict(data_coordinate.required)
            quanta[str(quantum_id)] = (label, data_id)
            quantum_by_data_id[_data_id_key(label, data_id)] = str(quantum_id)
    return labels, quanta, quantum_by_data_id


def _open_butler(repo: str):
    """The repository, read-only; a ReportError when it cannot be opened."""
    from lsst.daf.butler import Butler

    try:
        return Butler.from_config(repo, writeable=False)
    except Exception as error:  # any reason the repository cannot be opened
        raise ReportError(f"cannot open the Butler repository {repo}: {error}") from error


def _run_is_registered(butler, output_run: str) -> bool:
    """Whether the run's output RUN collection exists, i.e. the final job registered the outputs."""
    from lsst.daf.butler import MissingCollectionError

    try:
        butler.collections.get_info(output_run)
    except MissingCollectionError:
        return False
    return True


def _report_from_butler(butler, qgraph_path: Path, labels, quantum_by_data_id, jobs) -> tuple[dict, list]:
    """Counts from the Butler's provenance (as ``pipetask report --force-v2``); messages from the job logs."""
    from lsst.pipe.base.quantum_provenance_graph import QuantumProvenanceGraph

    provenance = QuantumProvenanceGraph(butler, [qgraph_path], read_caveats="lazy", use_qbb=True)
    summary = provenance.to_summary(butler, do_store_logs=True)
    tasks = {}
    failures: list[dict[str, Any]] = []
    for label in labels:
        task = summary.tasks.get(label)
        if task is None:
            continue
        tasks[label] = {
            "expected": task.n_expected,
            "succeeded": task.n_successful,
            "failed": task.n_failed,
            "blocked": task.n_blocked,
            "unknown": task.n_unknown + task.n_wonky,
        }
        for failed in task.failed_quanta:
            data_id = dict(failed.data_id)
            quantum_id = quantum_by_data_id.get(_data_id_key(label, data_id))
            job = jobs.get(quantum_id)
            failures.append(
                {
                    "task": label,
                    "data_id": data_id,
                    "message": (job.failure_message() if job else None) or _message_from_butler(failed.messages),
                    "log": str(job.path) if job else None,
                    "quantum_id": quantum_id,
                }
            )
    failures.sort(key=lambda f: (labels.index(f["task"]), sorted(f["data_id"].items())))
    return tasks, failures


# Why a quantum whose job started but never wrote its exit status, in a run that has ended, did not run to the end.
CUT_OFF_MESSAGE = (
    "Its job stopped without an exit status: the node or the pilot job running it was lost (a node failure, a "
    "pilot job killed or requeued)."
)


def _cut_off_as_failed(tasks: dict, failures: list, labels, quanta, jobs) -> None:
    """Quanta whose job started and never ended (no exit status in its log) in a run that has ended were cut off:
    its node died, or its pilot job was killed. The Butler knows nothing of them ("unknown"): they count as failed,
    with ``CUT_OFF_MESSAGE``, so that the run's failures name them and a restart runs them again."""
    cut_off: dict[str, list[str]] = {}
    for quantum_id, (label, _) in quanta.items():
        job = jobs.get(quantum_id)
        if job is not None and job.state == "running" and label in tasks:
            cut_off.setdefault(label, []).append(quantum_id)
    for label, quantum_ids in cut_off.items():
        counts = tasks[label]
        moved = min(len(quantum_ids), counts.get("unknown", 0))
        counts["unknown"] -= moved
        counts["failed"] = counts.get("failed", 0) + moved
        for quantum_id in quantum_ids[:moved]:
            failures.append(
                {
                    "task": label,
                    "data_id": quanta[quantum_id][1],
                    "message": CUT_OFF_MESSAGE,
                    "log": str(jobs[quantum_id].path),
                    "quantum_id": quantum_id,
                }
            )
    failures.sort(key=lambda f: (labels.index(f["task"]), sorted(f["data_id"].items())))


def _report_from_logs(graph, labels, quanta, jobs) -> tuple[dict, list]:
    """Counts when the outputs were never registered: from the job logs alone."""
    import networkx

    xgraph = graph.quantum_only_xgraph
    tasks = {label: {"expected": 0, "succeeded": 0, "failed": 0, "blocked": 0, "unknown": 0} for label in labels}
    failed_ids = [qid for qid, job in jobs.items() if job.state == "failed" and qid in quanta]
    blocked: set[str] = set()
    for quantum_id in failed_ids:
        node = next((n for n in xgraph.nodes if str(n) == quantum_id), None)
        if node is not None:
            blocked.update(str(d) for d in networkx.descendants(xgraph, node))
    failures = []
    for quantum_id, (label, data_id) in quanta.items():
        counts = tasks[label]
        counts["expected"] += 1
        job = jobs.get(quantum_id)
        if job is not None and job.state == "succeeded":
            counts["succeeded"] += 1
        elif job is not None and job.state == "failed":
            counts["failed"] += 1
            failures.append(
                {
                    "task": label,
                    "data_id": data_id,
                    "message": job.failure_message(),
                    "log": str(job.path),
                    "quantum_id": quantum_id,
                }
            )
        elif quantum_id in blocked:
            counts["blocked"] += 1
        else:
            # Never started, or started and cut off (the run was cancelled).
            counts["unknown"] += 1
    failures.sort(key=lambda f: (labels.index(f["task"]), sorted(f["data_id"].items())))
    return tasks, failures


def main(argv: list[str] | None = None) -> int:
    # The stack warns on every start that it cannot find EUPS; that is expected here.
    logging.getLogger("lsst.utils.packages").setLevel(logging.ERROR)
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or any(a.startswith("-") for a in args):
        print("usage: python -m console_stack.run_report REPO SUBMIT_DIR", file=sys.stderr)
        return 2
    try:
        report = run_report(args[0], Path(args[1]))
    except (ReportError, SubmitDirError) as error:
        print(f"run_report: {error}", file=sys.stderr)
        return 1
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
