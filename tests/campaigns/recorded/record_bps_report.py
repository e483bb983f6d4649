"""Produce `bps report --id` output with ctrl_bps's own formatter for constructed HTCondor run reports.

Runs in the stack environment (it imports lsst.ctrl.bps); see README.md beside it.
"""

import io
import sys
from pathlib import Path

from lsst.ctrl.bps import WmsRunReport, WmsStates
from lsst.ctrl.bps.report import display_report


def report(state, counts_by_label, expected):
    job_summary = {label: dict.fromkeys(WmsStates, 0) for label in counts_by_label}
    for label, counts in counts_by_label.items():
        for name, value in counts.items():
            job_summary[label][WmsStates[name]] = value
    totals = dict.fromkeys(WmsStates, 0)
    for counts in job_summary.values():
        for s, v in counts.items():
            totals[s] += v
    return WmsRunReport(
        wms_id="9582.0",
        global_wms_id="sdfiana012#9582.0#1732800000",
        path="/sdf/data/rubin/u/operator/submit/u/operator/dp02/step1/20261129T001500Z",
        label="step1",
        run="u/operator/dp02/step1/20261129T001500Z",
        project="dp02",
        campaign="DP0.2 reprocessing",
        payload="step1",
        operator="operator",
        run_summary=";".join(f"{label}:{n}" for label, n in expected.items()),
        state=WmsStates[state],
        jobs=[],
        total_number_jobs=sum(expected.values()),
        job_state_counts=totals,
        job_summary=job_summary,
    )


cases = {
    "running": report(
        "RUNNING",
        {
            "pipetaskInit": {"SUCCEEDED": 1},
            "isr": {"SUCCEEDED": 120, "RUNNING": 30, "PENDING": 40, "UNREADY": 10},
            "calibrate": {"UNREADY": 200},
            "finalJob": {"UNREADY": 1},
        },
        {"pipetaskInit": 1, "isr": 200, "calibrate": 200, "finalJob": 1},
    ),
    "failed": report(
        "FAILED",
        {
            "pipetaskInit": {"SUCCEEDED": 1},
            "isr": {"SUCCEEDED": 198, "FAILED": 2},
            "calibrate": {"SUCCEEDED": 196, "PRUNED": 4},
            "finalJob": {"SUCCEEDED": 1},
        },
        {"pipetaskInit": 1, "isr": 200, "calibrate": 200, "finalJob": 1},
    ),
    "succeeded": report(
        "SUCCEEDED",
        {
            "pipetaskInit": {"SUCCEEDED": 1},
            "isr": {"SUCCEEDED": 200},
            "calibrate": {"SUCCEEDED": 200},
            "finalJob": {"SUCCEEDED": 1},
        },
        {"pipetaskInit": 1, "isr": 200, "calibrate": 200, "finalJob": 1},
    ),
}
for name, run in cases.items():
    out = io.StringIO()
    display_report([run], [], is_detailed=True, file=out)
    Path(sys.argv[1], f"bps-report-htcondor-{name}.txt").write_text(out.getvalue())
print("ok")
