"""The stack side's fixtures for ``bench.stack``, made in the stack's environment (``.stack-venv``):

    PYTHONPATH=. .stack-venv/bin/python -m bench.submit_dirs FOLDER --jobs 10000 --jobs 100000 \\
        --metrics 10000 --poll-runs 1000

What ``bps submit`` with the Parsl plugin leaves, at production size, without running a single quantum:

- ``FOLDER/repo``: a Butler repository (SQLite) of the demo instrument with enough visits of 10 detectors for
  the largest run (``make_demo_repo``'s instrument, visits and regions). Its ``demo_raw`` inputs are registered
  by ``butler.ingest`` (``transfer="direct"``) of one file per detector, shared by every visit: the registry
  and the datastore's records are a real repository's; only the pixels are not distinct.
- ``FOLDER/runs/jobs-N``: a run of N jobs (one quantum each, as BPS makes them), in the working directory
  BPS and Parsl leave: ``runinfo/000``, and ``submit/bench/jobs-N`` with the quantum graph
  ``bench_jobs-N.qg`` made by the **same command BPS runs** (``pipetask qgraph ... --qgraph-datastore-records``,
  console_stack/bps/demo-parsl.yaml's pipeline over the repository), the environment record
  (``*.env.info.yaml``, ``PWD:``), the pipetaskInit and final job logs, and a ``.stderr``/``.stdout`` pair per
  quantum under ``logs/<label>/<visit>/<quantum id>_<label>_<visit>_<detector>`` in the form and size the
  template's jobs write (``console-stack: exit status N`` last). One visit in ``FAIL_EVERY`` has a ``measure``
  quantum that failed (its log has the task's traceback) and so a blocked ``summarize``. Then the outputs are
  registered as the final job (``butler aggregate-graph``) leaves them: the init-outputs (configs, packages)
  written by the graph's own ``init_output_run``, every output, metadata and log dataset of a successful
  quantum registered in the RUN collection with the dataset ID the graph predicted (registry rows only: no
  tool reads their files), and the log of each failed quantum written for real (``pipetask report`` reads
  those).
- ``FOLDER/poll``: ``--poll-runs`` copies of one small run in progress (the demo's 2 visits x 4 detectors,
  18 quanta: its graph made the same way, half its jobs ended, some running, the final job not yet begun),
  one working directory each: the poll benchmark starts a process in each, as bps would be there.
- In the repository, the RUN collection ``bench/metrics``: ``--metrics`` task metadata datasets
  (``calibrate_metadata`` and ``measure_metadata`` of the first visits), each a ``TaskMetadata`` with the
  keys a real quantum writes (its resource usage and the task's values), in the butler's own JSON form,
  ingested at once (what ``butler.put`` leaves, without its transaction per dataset).

``FOLDER/manifest.json`` records what was made (and how long each part took); the command does nothing
when the manifest already describes the same request, so the fixtures are made once and reused.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

GENERATOR_VERSION = 1
DETECTORS = 10
QUANTA_PER_VISIT = 2 * DETECTORS + 1  # calibrate and measure per detector, summarize per visit
FAIL_EVERY = 50  # one visit in FAIL_EVERY has a failed measure quantum (its last detector)
INPUTS = "DemoCam/defaults"
PIPELINE = Path(__file__).resolve().parent.parent / "console_stack" / "pipelines" / "demo.yaml"
METRICS_RUN = "bench/metrics"
POLL_RUN = "bench/poll"
DAY_OBS = 20250601

log = logging.getLogger("bench.submit_dirs")


def visits_for(jobs: int) -> int:
    """The visits (of DETECTORS detectors) whose quanta make about ``jobs`` jobs."""
    return max(1, round(jobs / QUANTA_PER_VISIT))


def run_name(jobs: int) -> str:
    return f"bench/jobs-{jobs}"


def generate(folder: Path, jobs: list[int], metrics: int, poll_runs: int) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    request = {"version": GENERATOR_VERSION, "jobs": sorted(jobs), "metrics": metrics, "poll_runs": poll_runs}
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("request") == request:
            return manifest
    # Anything else there is from another request: made again from nothing.
    for entry in ("repo", "runs", "poll", "manifest.json"):
        path = folder / entry
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    timings: dict[str, float] = {}
    visits = max([visits_for(n) for n in jobs] + [-(-metrics // (2 * DETECTORS)), 2])
    repo = folder / "repo"
    timings["repository"] = _timed(make_repository, repo, visits)
    runs = {}
    for n in sorted(jobs):
        runs[str(n)] = run = {}
        timings[f"jobs-{n}"] = _timed(make_run, repo, folder / "runs" / f"jobs-{n}", n, run)
    poll: dict = {}
    if poll_runs:
        timings["poll runs"] = _timed(make_poll_runs, repo, folder / "poll", poll_runs, poll)
    timings["metrics"] = _timed(put_metrics, repo, metrics)
    manifest = {
        "request": request,
        "repo": str(repo),
        "visits": visits,
        "detectors": DETECTORS,
        "runs": runs,
        "poll": poll,
        "metrics": {"run": METRICS_RUN, "datasets": metrics},
        "seconds": {name: round(value, 1) for name, value in timings.items()},
    }
    manifest_path.write_text(json.dumps(manifest, indent=2))
    return manifest


def _timed(action, *args) -> float:
    start = time.perf_counter()
    action(*args)
    seconds = time.perf_counter() - start
    log.info("bench.submit_dirs: %s done in %.1f s", action.__name__, seconds)
    return seconds


# The repository -------------------------------------------------------------------------------------


def make_repository(root: Path, visits: int) -> None:
    """make_demo_repo's repository with ``visits`` visits of DETECTORS detectors, inputs ingested in place."""
    from lsst.daf.butler import Butler, CollectionType, DatasetRef, DatasetType, FileDataset
    from lsst.resources import ResourcePath

    from console_stack.instrument import DemoCam
    from console_stack.make_demo_repo import (
        FIRST_VISIT,
        INPUT_CHAIN,
        INPUT_RUN,
        RAW_DATASET_TYPE,
        detector_region,
        simulated_raw,
        visit_region,
    )

    config = Butler.makeRepo(ResourcePath(str(root), forceDirectory=True))
    butler = Butler.from_config(config, writeable=True, run=INPUT_RUN)
    try:
        DemoCam().register(butler.registry)
        name = DemoCam.getName()
        registry = butler.registry
        registry.insertDimensionData("day_obs", {"instrument": name, "id": DAY_OBS})
        visit_ids = [FIRST_VISIT + i for i in range(visits)]
        registry.insertDimensionData(
            "visit",
            *[
                {
                    "instrument": name,
                    "id": visit,
                    "name": f"DC{visit}",
                    "physical_filter": DemoCam.PHYSICAL_FILTER,
                    "day_obs": DAY_OBS,
                    "seq_num": i + 1,
                    "exposure_time": 30.0,
                    "target_name": "demo-field",
                    "observation_reason": "science",
                    "science_program": "campaign-console-bench",
                    "region": visit_region(i % 200),
                }
                for i, visit in enumerate(visit_ids)
            ],
        )
        registry.insertDimensionData(
            "visit_detector_region",
            *[
                {"instrument": name, "visit": visit, "detector": detector, "region": detector_region(i % 200, detector)}
                for i, visit in enumerate(visit_ids)
                for detector in range(DETECTORS)
            ],
        )
        dataset_type = DatasetType(
            RAW_DATASET_TYPE, ("instrument", "visit", "detector"), "NumpyArray", universe=butler.dimensions
        )
        registry.registerDatasetType(dataset_type)
        # One real readout per detector, put for the first visit; every other visit's is ingested in place
        # from that file: real registry rows and datastore records, without 16 MB of pixels per 500 quanta.
        shared = {}
        for detector in range(DETECTORS):
            ref = butler.put(
                simulated_raw(FIRST_VISIT, detector),
                RAW_DATASET_TYPE,
                instrument=name,
                visit=FIRST_VISIT,
                detector=detector,
            )
            shared[detector] = butler.getURI(ref)
        files = [
            FileDataset(
                path=shared[detector],
                refs=[
                    DatasetRef(
                        dataset_type,
                        registry.expandDataId(instrument=name, visit=visit, detector=detector),
                        run=INPUT_RUN,
                    )
                ],
            )
            for visit in visit_ids[1:]
            for detector in range(DETECTORS)
        ]
        for start in range(0, len(files), 20_000):
            butler.ingest(*files[start : start + 20_000], transfer="direct")
        registry.registerCollection(INPUT_CHAIN, CollectionType.CHAINED)
        registry.setCollectionChain(INPUT_CHAIN, [INPUT_RUN])
    finally:
        butler.close()


# A run of N jobs ------------------------------------------------------------------------------------


def build_graph(repo: Path, submit_dir: Path, output_run: str, query: str) -> Path:
    """The quantum graph, made by the command BPS runs for it (ctrl_bps's ``createQuantumGraph``)."""
    qgraph = submit_dir / f"{output_run.replace('/', '_')}.qg"
    command = [
        str(Path(sys.executable).parent / "pipetask"),
        "--long-log",
        "--log-level=VERBOSE",
        "qgraph",
        "--butler-config",
        str(repo),
        "-i",
        INPUTS,
        "-o",
        output_run.rsplit("/", 1)[0],
        "--output-run",
        output_run,
        "--pipeline",
        str(PIPELINE),
        "--save-qgraph",
        str(qgraph),
        "--qgraph-datastore-records",
        "-d",
        query,
    ]
    with open(submit_dir / "quantumGraphGeneration.out", "w") as out:
        out.write(" ".join(command) + "\n\n")
        out.flush()
        subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=True)  # noqa: S603
    return qgraph


def make_run(repo: Path, working_dir: Path, jobs: int, record: dict) -> None:
    from console_stack.make_demo_repo import FIRST_VISIT

    output_run = run_name(jobs)
    submit_dir = working_dir / "submit" / output_run
    submit_dir.mkdir(parents=True)
    (working_dir / "runinfo" / "000").mkdir(parents=True)
    last_visit = FIRST_VISIT + visits_for(jobs)
    started = time.perf_counter()
    qgraph = build_graph(repo, submit_dir, output_run, f"instrument = 'DemoCam' AND visit < {last_visit}")
    record["graph_seconds"] = round(time.perf_counter() - started, 1)
    _write_run_files(working_dir, submit_dir, repo, qgraph, output_run)
    quanta = _read_quanta(qgraph)
    failed = {qid for qid, (label, data_id) in quanta.items() if _fails(label, data_id)}
    blocked = {
        qid
        for qid, (label, data_id) in quanta.items()
        if label == "summarize" and (data_id["visit"] - FIRST_VISIT) % FAIL_EVERY == 0
    }
    for qid, (label, data_id) in quanta.items():
        if qid in blocked:
            continue
        state = "failed" if qid in failed else "succeeded"
        _write_job_log(submit_dir, repo, qgraph, qid, label, data_id, state)
    _write_final_job(submit_dir, repo, qgraph)
    started = time.perf_counter()
    register_outputs(repo, qgraph, failed, blocked)
    record.update(
        {
            "working_dir": str(working_dir),
            "submit_dir": str(submit_dir),
            "qgraph": str(qgraph),
            "output_run": output_run,
            "quanta": len(quanta),
            "failed": len(failed),
            "blocked": len(blocked),
            "register_seconds": round(time.perf_counter() - started, 1),
        }
    )


def _fails(label: str, data_id: dict) -> bool:
    from console_stack.make_demo_repo import FIRST_VISIT

    return (
        label == "measure"
        and (data_id["visit"] - FIRST_VISIT) % FAIL_EVERY == 0
        and data_id["detector"] == DETECTORS - 1
    )


def _read_quanta(qgraph: Path) -> dict[str, tuple[str, dict]]:
    """Quantum id -> (task label, required data ID), as run_report reads them."""
    from lsst.pipe.base.pipeline_graph import TaskImportMode
    from lsst.pipe.base.quantum_graph import PredictedQuantumGraph

    with PredictedQuantumGraph.open(qgraph, import_mode=TaskImportMode.DO_NOT_IMPORT) as reader:
        reader.read_thin_graph()
        graph = reader.finish()
    return {
        str(qid): (label, dict(data_id.required))
        for label, by_data_id in graph.quanta_by_task.items()
        for data_id, qid in by_data_id.items()
    }


def _write_run_files(working_dir: Path, submit_dir: Path, repo: Path, qgraph: Path, output_run: str) -> None:
    """What BPS writes beside the graph and the jobs' logs: its environment record, the pipetaskInit log."""
    name = output_run.replace("/", "_")
    (submit_dir / f"{name}.env.info.yaml").write_text(
        f"PWD: {working_dir}\nHOME: {Path.home()}\nPATH: {os.environ.get('PATH', '')}\n"
    )
    (submit_dir / f"{name}_config.yaml").write_text(f"butlerConfig: {repo}\noutputRun: {output_run}\n")
    init = submit_dir / "logs" / "pipetaskInit"
    init.mkdir(parents=True)
    (init / "pipetaskInit.stdout").touch()
    (init / "pipetaskInit.stderr").write_text(
        f"{HEADER.format(command=f'pipetask --long-log pre-exec-init-qbb {repo} {qgraph}')}"
        "INFO 2026-12-04T17:28:58.101+00:00 lsst.ctrl.mpexec.cli.utils ()(utils.py:253) - "
        "QuantumGraph contains 0 quanta for 3 tasks\nconsole-stack: exit status 0\n"
    )


HEADER = (
    "--> executable follows <--\n"
    "trap 'echo \"console-stack: exit status $?\" >&2' EXIT\n"
    "${{CTRL_MPEXEC_DIR}}/bin/{command} \n"
    "--> end executable <--\n"
)
JOB_LINES = (
    "INFO 2026-12-04T17:29:05.034+00:00 lsst.ctrl.mpexec.cli.utils ()(utils.py:253) - "
    "QuantumGraph contains 1 quantum for 1 task\n"
    "Quanta  Tasks \n------ -------\n     1 {label}\n"
    "INFO 2026-12-04T17:29:05.176+00:00 lsst.pipe.base.single_quantum_executor ({label}:{data_id})"
    "(single_quantum_executor.py:227) - Preparing execution of quantum for label={label} dataId={data_id}.\n"
    "VERBOSE 2026-12-04T17:29:05.185+00:00 lsst.daf.butler.datastores.fileDatastore ({label}:{data_id})"
    "(fileDatastore.py:1552) - Number of datasets found in datastore FileDatastore@<butlerRoot>: 0 out of 3 "
    "datasets checked.\n"
    "INFO 2026-12-04T17:29:05.185+00:00 lsst.pipe.base.single_quantum_executor ({label}:{data_id})"
    "(single_quantum_executor.py:284) - Constructing task and executing quantum for label={label} "
    "dataId={data_id}.\n"
)
SUCCEEDED_LINES = (
    "INFO 2026-12-04T17:29:05.193+00:00 lsst.pipe.base.single_quantum_executor ({label}:{data_id})"
    "(single_quantum_executor.py:326) - Execution of task '{label}' on quantum {data_id} took 0.018 seconds\n"
    "INFO 2026-12-04T17:29:05.196+00:00 lsst.pipe.base.mp_graph_executor ()(mp_graph_executor.py:740) - "
    "Executed 1 quanta successfully, 0 failed and 0 remain out of total 1 quanta.\n"
    "console-stack: exit status 0\n"
)
FAILED_LINES = (
    "ERROR 2026-12-04T17:29:21.877+00:00 lsst.pipe.base.single_quantum_executor ({label}:{data_id})"
    "(single_quantum_executor.py:298) - Execution of task '{label}' on quantum {data_id} failed. Exception "
    "InjectedFailureError: Injected failure in {label} for detector {detector} (fail_detectors=[{detector}]).\n"
    "Traceback (most recent call last):\n"
    '  File ".../lsst/pipe/base/single_quantum_executor.py", line 577, in _run_quantum\n'
    "    task.runQuantum(butlerQC, inputRefs, outputRefs)\n"
    '  File ".../console_stack/tasks.py", line 87, in _check_failure_switch\n'
    "    raise InjectedFailureError(\n"
    "console_stack.tasks.InjectedFailureError: Injected failure in {label} for detector {detector} "
    "(fail_detectors=[{detector}]).\n"
    "INFO 2026-12-04T17:29:21.885+00:00 lsst.pipe.base.mp_graph_executor ()(mp_graph_executor.py:740) - "
    "Executed 0 quanta successfully, 1 failed and 0 remain out of total 1 quanta.\n"
    "Traceback (most recent call last):\n"
    "lsst.pipe.base.mp_graph_executor.MPGraphExecutorError: One or more tasks failed during execution.\n"
    "console-stack: exit status 1\n"
)


def _write_job_log(submit_dir: Path, repo: Path, qgraph: Path, qid: str, label: str, data_id: dict, state: str) -> None:
    """A job's ``.stderr`` (and empty ``.stdout``) as the template's command prefix and pipetask write them;
    ``state`` is succeeded, failed or running (started, not ended)."""
    detector = data_id.get("detector", "")
    folder = submit_dir / "logs" / label / str(data_id["visit"])
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{qid}_{label}_{data_id['visit']}_{detector}"
    shown = (
        f"{{instrument: 'DemoCam', detector: {detector}, visit: {data_id['visit']}, band: 'r', "
        f"day_obs: {DAY_OBS}, physical_filter: 'demo-r'}}"
    )
    command = f"pipetask --long-log --log-level=VERBOSE run-qbb {repo} {qgraph} --qgraph-node-id {qid}"
    text = HEADER.format(command=command) + JOB_LINES.format(label=label, data_id=shown)
    if state == "succeeded":
        text += SUCCEEDED_LINES.format(label=label, data_id=shown)
    elif state == "failed":
        text += FAILED_LINES.format(label=label, data_id=shown, detector=detector)
    (folder / f"{stem}.stderr").write_text(text)
    (folder / f"{stem}.stdout").touch()


def _write_final_job(submit_dir: Path, repo: Path, qgraph: Path) -> None:
    final = submit_dir / "logs" / "finalJob"
    final.mkdir(parents=True, exist_ok=True)
    (final / "finalJob.stdout").touch()
    (final / "finalJob.stderr").write_text(
        "+ ${DAF_BUTLER_DIR}/bin/butler --long-log --log-level=VERBOSE aggregate-graph "
        f"{qgraph} {repo} -j 1 --register-dataset-types --update-output-chain\n"
        "INFO 2026-12-04T17:30:03.974+00:00 lsst.pipe.base.quantum_graph.aggregator ()(_supervisor.py:225) - "
        "All aggregation tasks complete after 0.4s; peak memory usage ≤ 198.0 MB.\n"
        "+ echo 'console-stack: final job exit status 0'\nconsole-stack: final job exit status 0\n"
    )


def register_outputs(repo: Path, qgraph: Path, failed: set[str], blocked: set[str]) -> None:
    """The RUN collection as the final job leaves it: init-outputs written, the outputs of every successful
    quantum registered with their predicted IDs, the log of every failed quantum written."""
    from lsst.daf.butler import Butler, CollectionType
    from lsst.pipe.base.quantum_graph import PredictedQuantumGraph

    with PredictedQuantumGraph.open(qgraph) as reader:
        reader.read_execution_quanta()
        graph = reader.finish()
    output_run = graph.header.output_run
    butler = Butler.from_config(str(repo), writeable=True, run=output_run)
    try:
        for dataset_type in graph.pipeline_graph.dataset_types.values():
            butler.registry.registerDatasetType(dataset_type.dataset_type)
        butler.registry.registerDatasetType(graph.pipeline_graph.packages_dataset_type)
        butler.registry.registerRun(output_run)
        graph.init_output_run(butler)
        for label in graph.quanta_by_task:
            quanta = graph.build_execution_quanta(task_label=label)
            refs = []
            for qid, quantum in quanta.items():
                if str(qid) in blocked:
                    continue
                for dataset_refs in quantum.outputs.values():
                    for ref in dataset_refs:
                        if str(qid) in failed:
                            if ref.datasetType.name == f"{label}_log":
                                butler.put(_failure_log(label, quantum.dataId), ref)
                            continue
                        refs.append(ref.overrideStorageClass(ref.datasetType.storageClass_name))
            for start in range(0, len(refs), 50_000):
                butler.registry._importDatasets(refs[start : start + 50_000], expand=False, assume_new=True)
        chain = output_run.rsplit("/", 1)[0]
        butler.registry.registerCollection(chain, CollectionType.CHAINED)
        butler.registry.setCollectionChain(chain, [output_run, "DemoCam/raw/all"])
    finally:
        butler.close()


def _failure_log(label: str, data_id):
    """The ``<label>_log`` dataset a failed quantum writes: its log records, the exception last."""
    from lsst.daf.butler import ButlerLogRecords

    records = ButlerLogRecords.from_records([])
    message = (
        f"Execution of task '{label}' on quantum {data_id} failed. Exception InjectedFailureError: "
        f"Injected failure in {label} for detector {data_id['detector']}."
    )
    records.append(
        logging.LogRecord("lsst.pipe.base.single_quantum_executor", logging.ERROR, __file__, 298, message, None, None)
    )
    return records


# The small runs of the poll benchmark ---------------------------------------------------------------


def make_poll_runs(repo: Path, folder: Path, count: int, record: dict) -> None:
    """``count`` working directories, each a copy of one demo-sized run in progress."""
    from console_stack.make_demo_repo import FIRST_VISIT

    template = folder / "template"
    submit_dir = template / "submit" / POLL_RUN
    submit_dir.mkdir(parents=True)
    (template / "runinfo" / "000").mkdir(parents=True)
    qgraph = build_graph(
        repo, submit_dir, POLL_RUN, f"instrument = 'DemoCam' AND visit < {FIRST_VISIT + 2} AND detector < 4"
    )
    _write_run_files(template, submit_dir, repo, qgraph, POLL_RUN)
    quanta = sorted(_read_quanta(qgraph).items(), key=lambda item: (item[1][0], sorted(item[1][1].items())))
    # Half the jobs ended, a few running, the rest (and the final job) not yet started.
    for index, (qid, (label, data_id)) in enumerate(quanta):
        if index < len(quanta) // 2:
            _write_job_log(submit_dir, repo, qgraph, qid, label, data_id, "succeeded")
        elif index < len(quanta) // 2 + 2:
            _write_job_log(submit_dir, repo, qgraph, qid, label, data_id, "running")
    runs = []
    for index in range(count):
        working_dir = folder / f"run-{index:05d}"
        shutil.copytree(template, working_dir, symlinks=True)
        copied = working_dir / "submit" / POLL_RUN
        env_info = copied / f"{POLL_RUN.replace('/', '_')}.env.info.yaml"
        env_info.write_text(env_info.read_text().replace(str(template), str(working_dir)))
        runs.append({"working_dir": str(working_dir), "submit_dir": str(copied)})
    record.update({"runs": runs, "quanta": len(quanta)})


# Task metadata for read_metrics ----------------------------------------------------------------------


def put_metrics(repo: Path, count: int) -> None:
    """``count`` metadata datasets in METRICS_RUN: the calibrate and measure quanta of the first visits.

    Each is a TaskMetadata written as the butler writes it (its JSON), all ingested in one go
    (``transfer="move"``: the files end where ``butler.put`` would put them, with the same records); one
    ``butler.put`` each costs 25 ms of registry transactions, minutes for 10,000.
    """
    from lsst.daf.butler import Butler, DatasetRef, FileDataset
    from lsst.pipe.base import TaskMetadata

    from console_stack.make_demo_repo import FIRST_VISIT

    butler = Butler.from_config(str(repo), writeable=True, run=METRICS_RUN)
    staging = repo.parent / "metrics-staging"
    staging.mkdir(exist_ok=True)
    try:
        registry = butler.registry
        registry.registerRun(METRICS_RUN)
        dataset_types = {label: registry.getDatasetType(f"{label}_metadata") for label in ("calibrate", "measure")}
        files = []
        for index in range(count):
            visit_index, rest = divmod(index, 2 * DETECTORS)
            detector, kind = divmod(rest, 2)
            label = ("calibrate", "measure")[kind]
            data_id = registry.expandDataId(instrument="DemoCam", visit=FIRST_VISIT + visit_index, detector=detector)
            path = staging / f"{label}-{visit_index}-{detector}.json"
            path.write_text(TaskMetadata.model_validate(_metadata(label, visit_index, detector)).model_dump_json())
            files.append(FileDataset(path=str(path), refs=[DatasetRef(dataset_types[label], data_id, run=METRICS_RUN)]))
        butler.ingest(*files, transfer="move")
        # As read back by the butler, the first one is the TaskMetadata it was made from.
        first = files[0].refs[0]
        label = first.datasetType.name.removesuffix("_metadata")
        expected = TaskMetadata.model_validate(_metadata(label, 0, 0))
        if butler.get(first).model_dump() != expected.model_dump():
            raise SystemExit("bench.submit_dirs: the ingested metadata does not read back as written")
    finally:
        butler.close()
        shutil.rmtree(staging, ignore_errors=True)


def _metadata(label: str, visit_index: int, detector: int) -> dict:
    """What a quantum of ``label`` writes into its metadata (the shape of a real one, values varied)."""
    seed = visit_index * DETECTORS + detector
    start = 1_796_405_000 + seed * 0.02
    own = (
        {"background": 1000.0 + detector, "gain": 1.0}
        if label == "calibrate"
        else {
            "mean": 0.03 + seed % 7 / 100,
            "std": 23.6 + detector,
            "median": 0.0,
            "robust_sigma": 17.1 + detector / 10,
            "n_pixels": 4096,
            "n_outliers": 3 + seed % 11,
            "outlier_fraction": (3 + seed % 11) / 4096,
        }
    )
    usage = {}
    for offset, phase in enumerate(("prep", "init", "start", "end")):
        cpu = 1.6 + offset * 0.01
        usage.update(
            {
                f"{phase}Utc": [_utc(start + offset * 0.01)],
                f"{phase}CpuTime": [cpu],
                f"{phase}UserTime": [cpu * 0.9],
                f"{phase}SystemTime": [cpu * 0.1],
                f"{phase}MaxResidentSetSize": [197_074_944 + offset * 4096],
                f"{phase}MinorPageFaults": [32_204 + offset],
                f"{phase}MajorPageFaults": [0],
                f"{phase}BlockInputs": [0],
                f"{phase}BlockOutputs": [8],
                f"{phase}VoluntaryContextSwitches": [2 + offset],
                f"{phase}InvoluntaryContextSwitches": [338 + offset],
            }
        )
    return {
        "scalars": {},
        "arrays": {},
        "metadata": {
            label: {"scalars": own, "arrays": {}, "metadata": {}},
            "quantum": {
                "scalars": {"__version__": 1, "nodeName": "bench", "caveats": 0},
                "arrays": {**usage, "outputs": ["01a2421a-0510-7583-a60b-83c11b921cb9"]},
                "metadata": {
                    "butler_metrics": {
                        "scalars": {"time_in_put": 0.015, "time_in_get": 0.0025, "n_get": 1, "n_put": 1},
                        "arrays": {},
                        "metadata": {},
                    }
                },
            },
            "job": {"scalars": {"qg_read_time": 0.0179, "qg_size": 1}, "arrays": {}, "metadata": {}},
        },
    }


def _utc(seconds: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, tz=UTC).isoformat()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.submit_dirs", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--jobs", type=int, action="append", default=[], help="a run of this many jobs (repeatable)")
    parser.add_argument("--metrics", type=int, default=0, help="task metadata datasets in bench/metrics")
    parser.add_argument("--poll-runs", type=int, default=0, help="copies of a small run in progress")
    args = parser.parse_args(argv)
    if not args.jobs:
        parser.error("give at least one --jobs")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("lsst").setLevel(logging.WARNING)
    manifest = generate(args.folder.resolve(), args.jobs, args.metrics, args.poll_runs)
    json.dump(manifest["seconds"], sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
