"""The QA gate's states: where a step stands, decided by one plain function (no queries).

A step's latest successful run is judged on every blocking specification that applies to it
(``qa.services.step_gate`` reads and judges; this module decides). Right after a run succeeds its
metrics are not ingested yet (``qa.tasks.ingest_submission_metrics_task`` reads them in the
background): the gate then waits for them instead of calling the run failing, until
``METRICS_INGEST_WAIT`` after the run's end, when a run still without measurements fails for want
of them (no data is no pass).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from campaigns.models import Step, Submission
from qa.choices import GATE_ACCEPTABLE, GATE_STATE_COLOURS, GateState
from qa.models import Waiver
from qa.specs import SpecResult

# The console reads a succeeded run's metrics itself, in the background, within minutes (three tries over some
# three minutes when the stack is busy); past this after the run's end, a run without any is no longer waited for.
METRICS_INGEST_WAIT = timedelta(hours=1)


def metrics_expected_until(run: Submission) -> datetime | None:
    """Until when the gate waits for the run's metrics: ``METRICS_INGEST_WAIT`` after its end, for a run whose
    output collection the console reads them from and that has none yet; None when nothing is waited for."""
    if run.measurement_count or not run.run_collection or run.ended_at is None:
        return None
    return run.ended_at + METRICS_INGEST_WAIT


def gate_state(
    *, submission: Submission | None, blocking: list[SpecResult], waiver: Waiver | None, now: datetime
) -> GateState:
    """The state of a step not accepted yet, from its latest successful run and that run's judged blocking
    specifications (every one that applies to it, passed or not)."""
    if submission is None:
        return GateState.NO_RUN
    if not blocking:
        return GateState.NOT_APPLICABLE
    if all(result.passed is True for result in blocking):
        return GateState.PASSING
    if waiver is not None:
        return GateState.WAIVED
    until = metrics_expected_until(submission)
    if until is not None and now < until:
        return GateState.WAITING_FOR_METRICS
    return GateState.FAILING


@dataclass
class StepGate:
    """One step at the QA gate: its state, the run judged, the blocking specifications judged on it, the waiver."""

    step: Step
    state: GateState
    submission: Submission | None = None
    blocking: list[SpecResult] = field(default_factory=list)
    waiver: Waiver | None = None

    @property
    def failing(self) -> list[SpecResult]:
        """The blocking specifications the run does not pass (one with nothing to judge included)."""
        return [result for result in self.blocking if result.passed is not True]

    @property
    def accepted(self) -> bool:
        return self.state == GateState.ACCEPTED

    @property
    def may_be_accepted(self) -> bool:
        return self.state in GATE_ACCEPTABLE

    @property
    def label(self) -> str:
        return GateState(self.state).label

    @property
    def colour(self) -> str:
        return GATE_STATE_COLOURS[self.state]

    @property
    def metrics_expected_until(self) -> datetime | None:
        return metrics_expected_until(self.submission) if self.submission is not None else None

    def refusal(self) -> str:
        """Why the step may not be accepted now ("" when it may), naming the run and each failing value."""
        run = f"run #{self.submission.pk}" if self.submission is not None else ""
        if self.state == GateState.NO_RUN:
            return f"The step {self.step.name} has no successful run to accept."
        if self.state == GateState.WAITING_FOR_METRICS:
            return (
                f"The metrics of {run} are not ingested yet (they are read after the run): the step can be judged, "
                "and accepted, once they are."
            )
        if self.state == GateState.FAILING:
            lines = "\n".join(f"- {result.verdict}" for result in self.failing)
            return (
                "The run fails blocking specifications; record a waiver to accept it anyway, or run the step again:\n"
                + lines
            )
        return ""
