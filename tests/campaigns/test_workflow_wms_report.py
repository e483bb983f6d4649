"""Following HTCondor/PanDA runs from `bps report` output.

No HTCondor or PanDA service runs here: these tests read output recorded with ctrl_bps's own
report formatter (tests/campaigns/recorded/README.md says how).
"""

from pathlib import Path

import pytest

from campaigns.workflow.base import StackCommandError
from campaigns.workflow.wms import _launch_from, parse_bps_report

RECORDED = Path(__file__).parent / "recorded"


def recorded(name: str) -> str:
    return (RECORDED / name).read_text()


def test_a_running_run_reports_its_progress_per_task():
    state = parse_bps_report(recorded("bps-report-htcondor-running.txt"))

    assert state.state == "running"
    assert state.task_counts["isr"] == {"expected": 200, "succeeded": 120, "failed": 0, "blocked": 0, "running": 70}
    assert state.task_counts["calibrate"] == {"expected": 200, "succeeded": 0, "failed": 0, "blocked": 0, "running": 0}
    assert list(state.task_counts) == ["pipetaskInit", "isr", "calibrate", "finalJob"]
    assert state.submit_dir == "/sdf/data/rubin/u/operator/submit/u/operator/dp02/step1/20261129T001500Z"


def test_a_failed_run_reports_failed_and_pruned_jobs():
    state = parse_bps_report(recorded("bps-report-htcondor-failed.txt"))

    assert state.state == "failed"
    assert state.task_counts["isr"]["failed"] == 2
    assert state.task_counts["calibrate"]["blocked"] == 4
    assert [failure["task"] for failure in state.failures] == ["isr"]


def test_a_succeeded_run_is_succeeded():
    state = parse_bps_report(recorded("bps-report-htcondor-succeeded.txt"))

    assert state.state == "succeeded"
    assert sum(counts["succeeded"] for counts in state.task_counts.values()) == 402


def test_output_without_a_summary_is_an_error_not_a_guess():
    with pytest.raises(StackCommandError, match="no run summary"):
        parse_bps_report("lsst.ctrl.bps.report WARNING: no runs found\n")


def test_the_run_id_comes_from_the_submit_output(tmp_path):
    launch = _launch_from(recorded("bps-submit-htcondor.txt"), tmp_path)

    assert launch.wms_run_id == "9582.0"
    assert launch.submit_dir.endswith("/step1/20261129T001500Z")
    assert launch.pid is None
