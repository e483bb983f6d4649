"""What a ``bps submit`` with the Parsl plugin leaves in its submit directory.

Shared by ``run_status`` (polled while the run goes, so nothing here imports the
LSST stack at module level) and ``run_report``.

Layout (BPS defaults, one quantum per job)::

    SUBMIT_DIR/<run name>.qg                      predicted quantum graph (zip)
    SUBMIT_DIR/logs/pipetaskInit/pipetaskInit.stderr
    SUBMIT_DIR/logs/<label>/<visit>/<quantum id>_<label>_<visit>_<detector>.stderr
    SUBMIT_DIR/logs/finalJob/finalJob.stderr

Parsl creates a job's ``.stderr`` when the job starts, writing a
``--> executable follows <--`` header, and appends to it on each new attempt
(``bps restart``). The BPS template's command prefix makes every job end its
log with ``console-stack: exit status N``; the final job ends its log with
``console-stack: final job exit status N``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import zipfile
from pathlib import Path

__all__ = [
    "FINAL_JOB_DIR",
    "INIT_JOB_DIR",
    "GraphSummary",
    "JobLog",
    "SubmitDirError",
    "find_qgraph",
    "find_working_dir",
    "read_attempts",
    "read_final_job",
    "read_graph_summary",
    "scan_job_logs",
]

INIT_JOB_DIR = "pipetaskInit"
FINAL_JOB_DIR = "finalJob"
TAIL_BYTES = 64 * 1024

_ATTEMPT_HEADER = "--> executable follows <--"
_EXIT_RE = re.compile(r"^console-stack: exit status (\d+)\s*$", re.MULTILINE)
_FINAL_EXIT_RE = re.compile(r"^console-stack: final job exit status (\d+)\s*$", re.MULTILINE)
# Logged by pipetask at the end of every run-qbb, whatever the command prefix.
_EXECUTED_RE = re.compile(r"Executed (\d+) quanta successfully, (\d+) failed and (\d+) remain", re.MULTILINE)
_PWD_RE = re.compile(r"^PWD: (.+)$", re.MULTILINE)
_JOB_NAME_RE = re.compile(r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_")
_EXCEPTION_LINE_RE = re.compile(
    r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Failure|Interrupt|Exit)\w*)(?::\s*(?P<msg>.*))?$"
)
_LOG_ERROR_RE = re.compile(r"^(?:ERROR|FATAL|CRITICAL) \S+ \S+ .*? - (?P<msg>.*)$")
# Raised by pipetask after the task's own exception; says nothing new.
_WRAPPER_EXCEPTIONS = {"MPGraphExecutorError"}


class SubmitDirError(Exception):
    """The submit directory cannot be read (missing, or without a quantum graph)."""


@dataclasses.dataclass
class GraphSummary:
    """What run_status needs from the predicted quantum graph."""

    path: Path
    expected: dict[str, int]
    output_run: str | None
    output: str | None
    labels_by_quantum: dict[str, str]


@dataclasses.dataclass
class JobLog:
    """State of one job, from its ``.stderr`` log (the latest attempt)."""

    path: Path
    label: str
    quantum_id: str | None
    state: str  # "running", "succeeded" or "failed"
    exit_status: int | None
    attempts: int
    mtime: float
    tail: str  # a failed job's latest attempt (at most TAIL_BYTES), for its failure message; else empty

    def failure_message(self) -> str | None:
        """The exception the job died of, else how it ended, else its last log line."""
        if self.state != "failed":
            return None
        message = exception_message(self.tail)
        if message is None and self.exit_status is not None and self.exit_status > 128:
            # Killed (cancel, out of memory) before it could log an exception.
            return f"terminated by signal {self.exit_status - 128} (exit status {self.exit_status})"
        return message or last_line(self.tail)


def find_qgraph(submit_dir: Path) -> Path | None:
    """The quantum graph BPS wrote (``<run name>.qg``; ``.qgraph`` for the old format)."""
    if not submit_dir.is_dir():
        raise SubmitDirError(f"{submit_dir} is not a directory")
    for pattern in ("*.qg", "*.qgraph"):
        found = sorted(submit_dir.glob(pattern), key=lambda p: p.stat().st_mtime)
        if found:
            return found[-1]
    return None


def read_graph_summary(path: Path) -> GraphSummary:
    """Counts per task label and quantum labels, read cheaply from the graph file.

    The ``.qg`` file is a zip of zstd-compressed JSON blocks; its header holds
    the counts per task and its thin graph the quantum IDs per task. If the
    file is not in that form (another graph format version), fall back to the
    stack's reader, which costs about a second of imports.
    """
    try:
        return _read_graph_summary_fast(path)
    except (KeyError, TypeError, ValueError, zipfile.BadZipFile, ImportError):
        return _read_graph_summary_with_stack(path)


def _read_graph_summary_fast(path: Path) -> GraphSummary:
    import zstandard

    with zipfile.ZipFile(path) as archive:
        # A graph of 512 quanta or more is compressed with a dictionary the writer trained on its quanta and
        # stored beside its blocks.
        names = set(archive.namelist())
        dictionary = (
            zstandard.ZstdCompressionDict(archive.read("compression_dict")) if "compression_dict" in names else None
        )
        decompressor = zstandard.ZstdDecompressor(dictionary)
        try:
            header = json.loads(decompressor.decompress(archive.read("header.json.zst")))
            if header.get("graph_type") != "predicted" or header.get("version", 0) < 1:
                raise ValueError("not a version>=1 predicted graph")
            thin = json.loads(decompressor.decompress(archive.read("thin_graph.json.zst")))
        except zstandard.ZstdError as error:
            raise ValueError(f"cannot decompress the graph's blocks: {error}") from error
    labels = {quantum["quantum_id"]: label for label, quanta in thin["quanta"].items() for quantum in quanta}
    expected = {label: int(n) for label, n in header["n_task_quanta"].items()}
    return GraphSummary(
        path=path,
        expected=expected,
        output_run=header.get("output_run"),
        output=header.get("output"),
        labels_by_quantum=labels,
    )


def _read_graph_summary_with_stack(path: Path) -> GraphSummary:
    from lsst.pipe.base.pipeline_graph import TaskImportMode
    from lsst.pipe.base.quantum_graph import PredictedQuantumGraph

    with PredictedQuantumGraph.open(path, import_mode=TaskImportMode.DO_NOT_IMPORT) as reader:
        reader.read_thin_graph()
        graph = reader.finish()
    labels = {str(qid): label for label, quanta in graph.quanta_by_task.items() for qid in quanta.values()}
    return GraphSummary(
        path=path,
        expected={label: len(quanta) for label, quanta in graph.quanta_by_task.items()},
        output_run=graph.header.output_run,
        output=graph.header.output,
        labels_by_quantum=labels,
    )


def _read_tail(path: Path) -> tuple[str, float]:
    """The last TAIL_BYTES of a log, and when it was last written (one open for both: a run has 100,000)."""
    with open(path, "rb") as stream:
        stat = os.fstat(stream.fileno())
        if stat.st_size > TAIL_BYTES:
            stream.seek(stat.st_size - TAIL_BYTES)
        return stream.read().decode("utf-8", errors="replace"), stat.st_mtime


def _latest_attempt(text: str) -> tuple[str, int]:
    count = text.count(_ATTEMPT_HEADER)
    start = text.rfind(_ATTEMPT_HEADER)
    return (text[start:] if start >= 0 else text), count


def _job_state(attempt: str) -> tuple[str, int | None]:
    exits = _EXIT_RE.findall(attempt)
    if exits:
        status = int(exits[-1])
        return ("succeeded" if status == 0 else "failed"), status
    executed = _EXECUTED_RE.findall(attempt)
    if executed:
        _, n_failed, _ = (int(x) for x in executed[-1])
        # pipetask logs this line just before exiting; the exit status is unknown.
        return ("failed" if n_failed else "succeeded"), None
    return "running", None


def scan_job_logs(submit_dir: Path, labels_by_quantum: dict[str, str] | None = None) -> list[JobLog]:
    """Every quantum job that has started, with the state of its latest attempt."""
    logs_dir = submit_dir / "logs"
    if not logs_dir.is_dir():
        return []
    labels_by_quantum = labels_by_quantum or {}
    jobs = []
    for top in sorted(os.scandir(logs_dir), key=lambda e: e.name):
        if not top.is_dir() or top.name in (INIT_JOB_DIR, FINAL_JOB_DIR):
            continue
        for root, _dirs, files in os.walk(top.path):
            for name in files:
                if not name.endswith(".stderr"):
                    continue
                path = Path(root, name)
                match = _JOB_NAME_RE.match(name)
                quantum_id = match.group(1) if match else None
                try:
                    text, mtime = _read_tail(path)
                except FileNotFoundError:
                    continue
                attempt, count = _latest_attempt(text)
                state, status = _job_state(attempt)
                jobs.append(
                    JobLog(
                        path=path,
                        label=labels_by_quantum.get(quantum_id or "", top.name),
                        quantum_id=quantum_id,
                        state=state,
                        exit_status=status,
                        attempts=max(count, 1),
                        mtime=mtime,
                        # Only a failure's text is read again: a run of 100,000 jobs would keep 250 MB of logs.
                        tail=attempt if state == "failed" else "",
                    )
                )
    return jobs


def find_working_dir(submit_dir: Path) -> Path | None:
    """The directory bps ran in, which holds Parsl's ``runinfo`` (one folder per attempt).

    BPS records its environment in ``<run name>.env.info.yaml`` (``PWD: ...``);
    failing that, the default ``submitPath`` puts the submit dir under
    ``<working dir>/submit/``, so look upwards for a ``runinfo`` folder.
    """
    for env_file in submit_dir.glob("*.env.info.yaml"):
        try:
            text = env_file.read_text(errors="replace")
        except OSError:
            continue
        match = _PWD_RE.search(text)
        if match and (Path(match.group(1).strip()) / "runinfo").is_dir():
            return Path(match.group(1).strip())
    for parent in submit_dir.parents:
        if (parent / "runinfo").is_dir():
            return parent
    return None


def read_attempts(working_dir: Path | None) -> tuple[int, float | None]:
    """Number of Parsl attempts (submit + restarts) and when the latest began.

    Parsl adds ``runinfo/000``, ``001``, ... at each start, so the mtime of
    ``runinfo`` is the start of the latest attempt.
    """
    if working_dir is None:
        return 0, None
    runinfo = working_dir / "runinfo"
    try:
        attempts = sum(1 for entry in os.scandir(runinfo) if entry.is_dir() and entry.name.isdigit())
        return attempts, runinfo.stat().st_mtime
    except FileNotFoundError:
        return 0, None


def read_final_job(submit_dir: Path) -> dict:
    """State of the final job (which registers the outputs in the Butler).

    ``{"state": "pending"|"running"|"succeeded"|"failed", "exit_status": N|None,
    "log": path|None, "mtime": float|None}``
    """
    path = submit_dir / "logs" / FINAL_JOB_DIR / "finalJob.stderr"
    try:
        text, mtime = _read_tail(path)
    except FileNotFoundError:
        return {"state": "pending", "exit_status": None, "log": None, "mtime": None}
    exits = _FINAL_EXIT_RE.findall(text)
    if exits:
        status = int(exits[-1])
        state = "succeeded" if status == 0 else "failed"
    else:
        status, state = None, "running"
    return {"state": state, "exit_status": status, "log": str(path), "mtime": mtime}


def exception_message(attempt: str) -> str | None:
    """The last meaningful line of a failed job's log: the task's exception, if any.

    ``console_stack.tasks.InjectedFailureError: boom`` becomes
    ``InjectedFailureError: boom``; pipetask's own wrapper exception is skipped.
    Without a traceback, the last ERROR log line; else None.
    """
    lines = [line.rstrip() for line in attempt.splitlines()]
    for line in reversed(lines):
        match = _EXCEPTION_LINE_RE.match(line)
        if match:
            type_name = match.group("type").rsplit(".", 1)[-1]
            if type_name in _WRAPPER_EXCEPTIONS:
                continue
            message = match.group("msg")
            return f"{type_name}: {message}" if message else type_name
    for line in reversed(lines):
        match = _LOG_ERROR_RE.match(line)
        if match and not match.group("msg").startswith("Caught an exception"):
            return match.group("msg")
    return None


def last_line(attempt: str) -> str | None:
    """The last non-empty line of the log other than the exit-status marker."""
    for line in reversed(attempt.splitlines()):
        line = line.rstrip()
        if line and not _EXIT_RE.match(line):
            return line
    return None
