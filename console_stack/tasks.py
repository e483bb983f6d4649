"""The demo pipeline's tasks: real ``lsst.pipe.base`` PipelineTasks over DemoCam data.

- ``CalibrateDetectorTask`` (label ``calibrate``, per visit+detector): reads the
  ``demo_raw`` array, subtracts its median background and applies a gain,
  writes ``demo_calexp``.
- ``MeasureDetectorTask`` (label ``measure``, per visit+detector): measures mean,
  standard deviation and the number of outliers of ``demo_calexp``, writes
  them as ``demo_detector_stats`` and into the task metadata.
- ``SummarizeVisitTask`` (label ``summarize``, per visit): gathers the
  ``demo_detector_stats`` of all detectors of a visit into ``demo_visit_summary``.

Both per-detector tasks have a failure switch for demonstrating failure and
restart (see ``FailureSwitchConfig``).
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

import lsst.pex.config as pexConfig
import numpy as np
from lsst.pipe.base import (
    InputQuantizedConnection,
    OutputQuantizedConnection,
    PipelineTask,
    PipelineTaskConfig,
    PipelineTaskConnections,
    QuantumContext,
    Struct,
)
from lsst.pipe.base import connectionTypes as cT

__all__ = [
    "CalibrateDetectorConfig",
    "CalibrateDetectorTask",
    "InjectedFailureError",
    "MeasureDetectorConfig",
    "MeasureDetectorTask",
    "SummarizeVisitConfig",
    "SummarizeVisitTask",
]


class InjectedFailureError(RuntimeError):
    """Raised on purpose by the failure switch."""


class FailureSwitchConfig(pexConfig.Config):
    """Fields that make chosen quanta fail, to demonstrate failure and restart.

    A quantum fails when its detector is in ``fail_detectors`` and either
    ``fail_marker`` is empty (the failure is permanent: restarts fail again) or
    the file ``fail_marker`` names exists when the quantum runs (remove the file,
    then ``bps restart``, and the quanta succeed). With ``fail_once`` the quantum
    that fails removes the marker itself: the next try succeeds. The config is
    frozen into the quantum graph at submission, so only the marker file can
    change the outcome of a restart.
    """

    fail_detectors = pexConfig.ListField[int](
        doc="Detector IDs whose quanta raise InjectedFailureError.",
        default=[],
    )
    fail_marker = pexConfig.Field[str](
        doc="Absolute path of a file; if set, the listed detectors fail only while it exists.",
        default="",
    )
    fail_once = pexConfig.Field[bool](
        doc="Remove fail_marker when a quantum fails by it: a fault that clears itself (as a transient one does), so "
        "that the next try succeeds.",
        default=False,
    )
    work_seconds = pexConfig.Field[float](
        doc="Seconds each quantum works before it computes (0: none): time to watch a run go, or to take a node away "
        "under it.",
        default=0.0,
    )


def _work_then_check_failure_switch(config: FailureSwitchConfig, label: str, data_id: Any) -> None:
    if config.work_seconds > 0:
        time.sleep(config.work_seconds)
    _check_failure_switch(config, label, data_id)


def _check_failure_switch(config: FailureSwitchConfig, label: str, data_id: Any) -> None:
    detector = int(data_id["detector"])
    if detector not in config.fail_detectors:
        return
    if config.fail_marker and not os.path.exists(config.fail_marker):
        return
    reason = f"marker file {config.fail_marker} exists" if config.fail_marker else "no marker file configured"
    if config.fail_marker and config.fail_once:
        with contextlib.suppress(FileNotFoundError):
            os.remove(config.fail_marker)
    raise InjectedFailureError(
        f"Injected failure in {label} for detector {detector} (fail_detectors={list(config.fail_detectors)}, {reason})."
    )


class CalibrateDetectorConnections(PipelineTaskConnections, dimensions=("instrument", "visit", "detector")):
    raw = cT.Input(
        doc="Simulated detector readout.",
        name="demo_raw",
        storageClass="NumpyArray",
        dimensions=("instrument", "visit", "detector"),
    )
    calexp = cT.Output(
        doc="Background-subtracted, gain-corrected array.",
        name="demo_calexp",
        storageClass="NumpyArray",
        dimensions=("instrument", "visit", "detector"),
    )


class CalibrateDetectorConfig(
    PipelineTaskConfig, FailureSwitchConfig, pipelineConnections=CalibrateDetectorConnections
):
    gain = pexConfig.Field[float](doc="Electrons per count.", default=1.5)


class CalibrateDetectorTask(PipelineTask):
    """Subtract the median background and apply the gain."""

    ConfigClass = CalibrateDetectorConfig
    _DefaultName = "calibrate"

    def runQuantum(
        self,
        butlerQC: QuantumContext,
        inputRefs: InputQuantizedConnection,
        outputRefs: OutputQuantizedConnection,
    ) -> None:
        _work_then_check_failure_switch(self.config, self.getName(), butlerQC.quantum.dataId)
        super().runQuantum(butlerQC, inputRefs, outputRefs)

    def run(self, raw: np.ndarray) -> Struct:
        background = float(np.median(raw))
        calexp = (raw.astype(np.float64) - background) * self.config.gain
        self.metadata["background"] = background
        self.metadata["gain"] = float(self.config.gain)
        self.log.info("Subtracted background %.3f, applied gain %.2f.", background, self.config.gain)
        return Struct(calexp=calexp)


class MeasureDetectorConnections(PipelineTaskConnections, dimensions=("instrument", "visit", "detector")):
    calexp = cT.Input(
        doc="Calibrated array to measure.",
        name="demo_calexp",
        storageClass="NumpyArray",
        dimensions=("instrument", "visit", "detector"),
    )
    stats = cT.Output(
        doc="Statistics of the calibrated array.",
        name="demo_detector_stats",
        storageClass="StructuredDataDict",
        dimensions=("instrument", "visit", "detector"),
    )


class MeasureDetectorConfig(PipelineTaskConfig, FailureSwitchConfig, pipelineConnections=MeasureDetectorConnections):
    outlier_sigma = pexConfig.Field[float](
        doc="A pixel is an outlier when further than this many robust sigmas from the median.",
        default=5.0,
    )


def detector_statistics(values: np.ndarray, outlier_sigma: float) -> dict[str, float | int]:
    """Mean, standard deviation and outlier count of an array (plain function, no I/O)."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    median = float(np.median(flat))
    robust_sigma = float(1.4826 * np.median(np.abs(flat - median)))
    n_outliers = int(np.count_nonzero(np.abs(flat - median) > outlier_sigma * robust_sigma))
    return {
        "mean": float(np.mean(flat)),
        "std": float(np.std(flat)),
        "median": median,
        "robust_sigma": robust_sigma,
        "n_pixels": int(flat.size),
        "n_outliers": n_outliers,
        "outlier_fraction": n_outliers / flat.size if flat.size else 0.0,
    }


class MeasureDetectorTask(PipelineTask):
    """Measure mean, standard deviation and outliers; record them as metrics."""

    ConfigClass = MeasureDetectorConfig
    _DefaultName = "measure"

    def runQuantum(
        self,
        butlerQC: QuantumContext,
        inputRefs: InputQuantizedConnection,
        outputRefs: OutputQuantizedConnection,
    ) -> None:
        _work_then_check_failure_switch(self.config, self.getName(), butlerQC.quantum.dataId)
        super().runQuantum(butlerQC, inputRefs, outputRefs)

    def run(self, calexp: np.ndarray) -> Struct:
        stats = detector_statistics(calexp, self.config.outlier_sigma)
        for key, value in stats.items():
            self.metadata[key] = value
        self.log.info(
            "mean=%.3f std=%.3f outliers=%d of %d.", stats["mean"], stats["std"], stats["n_outliers"], stats["n_pixels"]
        )
        return Struct(stats=stats)


class SummarizeVisitConnections(PipelineTaskConnections, dimensions=("instrument", "visit")):
    stats = cT.Input(
        doc="Per-detector statistics of the visit.",
        name="demo_detector_stats",
        storageClass="StructuredDataDict",
        dimensions=("instrument", "visit", "detector"),
        multiple=True,
    )
    summary = cT.Output(
        doc="Visit-level summary of the per-detector statistics.",
        name="demo_visit_summary",
        storageClass="StructuredDataDict",
        dimensions=("instrument", "visit"),
    )


class SummarizeVisitConfig(PipelineTaskConfig, pipelineConnections=SummarizeVisitConnections):
    """The summary has no options of its own: it gathers every detector of a visit."""


class SummarizeVisitTask(PipelineTask):
    """Gather the per-detector statistics of a visit."""

    ConfigClass = SummarizeVisitConfig
    _DefaultName = "summarize"

    def runQuantum(
        self,
        butlerQC: QuantumContext,
        inputRefs: InputQuantizedConnection,
        outputRefs: OutputQuantizedConnection,
    ) -> None:
        detectors = [int(ref.dataId["detector"]) for ref in inputRefs.stats]
        stats = butlerQC.get(inputRefs.stats)
        butlerQC.put(self.run(stats=stats, detectors=detectors), outputRefs)

    def run(self, stats: list[dict[str, Any]], detectors: list[int] | None = None) -> Struct:
        if detectors is None:
            detectors = list(range(len(stats)))
        by_detector = dict(zip(detectors, stats, strict=True))
        means = np.array([s["mean"] for s in stats], dtype=np.float64)
        worst = max(by_detector, key=lambda d: by_detector[d]["outlier_fraction"])
        summary = {
            "n_detectors": len(stats),
            "detectors": sorted(detectors),
            "mean_of_means": float(means.mean()),
            "std_of_means": float(means.std()),
            "n_outliers": int(sum(s["n_outliers"] for s in stats)),
            "n_pixels": int(sum(s["n_pixels"] for s in stats)),
            "worst_detector": int(worst),
            "worst_outlier_fraction": float(by_detector[worst]["outlier_fraction"]),
        }
        for key in ("n_detectors", "mean_of_means", "std_of_means", "n_outliers", "worst_detector"):
            self.metadata[key] = summary[key]
        self.log.info("Visit summary over %d detectors: %d outliers.", len(stats), summary["n_outliers"])
        return Struct(summary=summary)
