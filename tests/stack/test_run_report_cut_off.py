"""A run's report names the quanta its node or pilot job took down with it; run in the stack venv (see
test_submit_dir.py)."""

import unittest
from pathlib import Path

from console_stack._submit_dir import JobLog
from console_stack.run_report import CUT_OFF_MESSAGE, _cut_off_as_failed


def job_log(quantum_id: str, state: str, status: int | None) -> JobLog:
    return JobLog(Path(f"{quantum_id}.stderr"), "calibrate", quantum_id, state, status, 1, 0.0, "")


class CutOffQuantaTest(unittest.TestCase):
    def test_a_started_job_with_no_exit_status_counts_as_failed_with_the_reason(self):
        quanta = {
            "q1": ("calibrate", {"detector": 1}),
            "q2": ("calibrate", {"detector": 2}),
            "q3": ("calibrate", {"detector": 3}),
            "q4": ("calibrate", {"detector": 4}),
        }
        # q1 succeeded, q2 started on the node that died, q3 never started; q4 not seen by the Butler either.
        jobs = {"q1": job_log("q1", "succeeded", 0), "q2": job_log("q2", "running", None)}
        tasks = {"calibrate": {"expected": 4, "succeeded": 1, "failed": 0, "blocked": 0, "unknown": 3}}
        failures: list[dict] = []

        _cut_off_as_failed(tasks, failures, ["calibrate"], quanta, jobs)

        self.assertEqual(tasks["calibrate"], {"expected": 4, "succeeded": 1, "failed": 1, "blocked": 0, "unknown": 2})
        self.assertEqual(
            failures,
            [
                {
                    "task": "calibrate",
                    "data_id": {"detector": 2},
                    "message": CUT_OFF_MESSAGE,
                    "log": "q2.stderr",
                    "quantum_id": "q2",
                }
            ],
        )

    def test_no_more_are_counted_failed_than_the_butler_left_unknown(self):
        quanta = {"q1": ("calibrate", {"detector": 1})}
        jobs = {"q1": job_log("q1", "running", None)}
        # The Butler has its outputs: it ended, only its exit line was lost with the node.
        tasks = {"calibrate": {"expected": 1, "succeeded": 1, "failed": 0, "blocked": 0, "unknown": 0}}
        failures: list[dict] = []

        _cut_off_as_failed(tasks, failures, ["calibrate"], quanta, jobs)

        self.assertEqual((tasks["calibrate"]["failed"], failures), (0, []))


if __name__ == "__main__":
    unittest.main()
