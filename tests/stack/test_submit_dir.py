"""Reading job logs and graph headers; run in the stack venv:

    PYTHONPATH=. .stack-venv/bin/python -m unittest discover -s tests/stack -t .

(Not collected by the Django test suite: it needs the stack venv's packages.)
The real proof of these modules is a `bps submit` run, see console_stack/README.md.
"""

import json
import tempfile
import unittest
import zipfile
from pathlib import Path

import zstandard

from console_stack._submit_dir import JobLog, _job_state, _latest_attempt
from console_stack.run_status import run_status

QID = "01a224ab-3514-71af-896f-e901a5be8b4b"
HEADER = "--> executable follows <--\ntrap ... EXIT\npipetask run-qbb ...\n--> end executable <--\n"
FAILED = (
    HEADER
    + 'Traceback (most recent call last):\n  File "x.py", line 1\n'
    + "console_stack.tasks.InjectedFailureError: Injected failure in measure for detector 2.\n"
    + "INFO 2026-11-29T00:12:03.689+00:00 lsst.pipe.base.mp_graph_executor ()(x.py:740) - "
    + "Executed 0 quanta successfully, 1 failed and 0 remain out of total 1 quanta.\n"
    + "Traceback (most recent call last):\n"
    + "lsst.pipe.base.mp_graph_executor.MPGraphExecutorError: One or more tasks failed during execution.\n"
    + "console-stack: exit status 1\n"
)
SUCCEEDED = HEADER + "INFO ... - Executed 1 quanta successfully, 0 failed and 0 remain out of total 1 quanta.\n"


def job(text: str) -> JobLog:
    attempt, attempts = _latest_attempt(text)
    state, status = _job_state(attempt)
    return JobLog(Path("x.stderr"), "measure", QID, state, status, attempts, 0.0, attempt)


class JobLogTest(unittest.TestCase):
    def test_it_reads_the_task_exception_of_a_failed_job(self):
        failed = job(FAILED)
        self.assertEqual((failed.state, failed.exit_status), ("failed", 1))
        self.assertEqual(failed.failure_message(), "InjectedFailureError: Injected failure in measure for detector 2.")

    def test_it_takes_the_latest_attempt_after_a_restart(self):
        restarted = job(FAILED + SUCCEEDED + "console-stack: exit status 0\n")
        self.assertEqual((restarted.state, restarted.attempts), ("succeeded", 2))
        self.assertEqual(job(FAILED + HEADER).state, "running")

    def test_it_falls_back_to_the_pipetask_summary_line_without_the_marker(self):
        self.assertEqual(job(SUCCEEDED).state, "succeeded")

    def test_it_names_the_signal_of_a_killed_job(self):
        killed = job(HEADER + "INFO 2026-11-29T00:12:03 x - started\nconsole-stack: exit status 143\n")
        self.assertEqual(killed.failure_message(), "terminated by signal 15 (exit status 143)")


class RunStatusTest(unittest.TestCase):
    def test_it_counts_jobs_by_label_against_the_graph(self):
        with tempfile.TemporaryDirectory() as tmp:
            submit = Path(tmp, "submit", "demo", "run1")
            logs = submit / "logs" / "measure" / "1001"
            logs.mkdir(parents=True)
            compress = zstandard.ZstdCompressor().compress
            header = {
                "version": 1,
                "graph_type": "predicted",
                "output_run": "demo/run1",
                "n_task_quanta": {"measure": 3},
            }
            thin = {"quanta": {"measure": [{"quantum_id": QID, "data_coordinate": []}]}}
            with zipfile.ZipFile(submit / "demo_run1.qg", "w") as archive:
                archive.writestr("header.json.zst", compress(json.dumps(header).encode()))
                archive.writestr("thin_graph.json.zst", compress(json.dumps(thin).encode()))
            (logs / f"{QID}_measure_1001_2.stderr").write_text(FAILED)
            status = run_status(submit)
        self.assertEqual(status["phase"], "running")
        self.assertEqual(
            status["tasks"], {"measure": {"expected": 3, "succeeded": 0, "failed": 1, "running": 0, "pending": 2}}
        )

    def test_it_reads_a_graph_compressed_with_its_own_dictionary(self):
        # The graph writer trains a dictionary for a graph of 512 quanta or more and stores it beside
        # the blocks: without it every block fails to decompress ("Dictionary mismatch").
        samples = [json.dumps({"quantum_id": f"{n:08x}-3514-71af-896f-e901a5be8b4b"}).encode() for n in range(2000)]
        dictionary = zstandard.train_dictionary(4096, samples)
        compress = zstandard.ZstdCompressor(dict_data=dictionary).compress
        with tempfile.TemporaryDirectory() as tmp:
            submit = Path(tmp, "submit", "demo", "run1")
            logs = submit / "logs" / "measure" / "1001"
            logs.mkdir(parents=True)
            header = {
                "version": 1,
                "graph_type": "predicted",
                "output_run": "demo/run1",
                "n_task_quanta": {"measure": 2},
            }
            thin = {"quanta": {"measure": [{"quantum_id": QID, "data_coordinate": []}]}}
            with zipfile.ZipFile(submit / "demo_run1.qg", "w") as archive:
                archive.writestr("header.json.zst", compress(json.dumps(header).encode()))
                archive.writestr("compression_dict", dictionary.as_bytes())
                archive.writestr("thin_graph.json.zst", compress(json.dumps(thin).encode()))
            (logs / f"{QID}_measure_1001_2.stderr").write_text(FAILED)
            status = run_status(submit)
        self.assertEqual(
            status["tasks"], {"measure": {"expected": 2, "succeeded": 0, "failed": 1, "running": 0, "pending": 1}}
        )


if __name__ == "__main__":
    unittest.main()
