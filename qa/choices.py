from django.db import models

from committee.choices import DecisionKind, DecisionStatus


class SpecLevel(models.TextChoices):
    MINIMUM = "minimum", "Minimum"
    DESIGN = "design", "Design"
    STRETCH = "stretch", "Stretch"


class SpecOperator(models.TextChoices):
    LT = "<", "<"
    LE = "<=", "≤"
    GT = ">", ">"
    GE = ">=", "≥"


# Which statistic of a run's measurements a specification is judged on.
class SpecStatistic(models.TextChoices):
    MEDIAN = "median", "Median"
    P95 = "p95", "95th percentile"
    P05 = "p05", "5th percentile"
    MAX = "max", "Maximum"
    MIN = "min", "Minimum"
    MEAN = "mean", "Mean"


# A waiver cites a decision in effect of one of these kinds that names the campaign or its release
# (``qa.selectors.decisions_allowing_waivers``): the policy committee's say on campaign policy or on QA, which takes
# effect when the leadership team endorses it (``committee.models.Decision.in_effect``).
WAIVER_DECISION_KINDS = (DecisionKind.CAMPAIGN_POLICY, DecisionKind.QA_TOOLING)
WAIVER_DECISION_STATUSES = (DecisionStatus.ENDORSED,)


class GateState(models.TextChoices):
    """Where a step stands at the QA gate (``qa.gate.gate_state``): one state, one message, one next step."""

    ACCEPTED = "accepted", "Accepted"
    NO_RUN = "no-run", "No successful run"
    WAITING_FOR_METRICS = "waiting-for-metrics", "Waiting for metrics"
    FAILING = "failing", "Blocked by QA"
    WAIVED = "waived", "Waiver recorded"
    PASSING = "passing", "QA passes"
    NOT_APPLICABLE = "not-applicable", "No blocking specification"


GATE_STATE_COLOURS = {
    GateState.ACCEPTED: "success",
    GateState.NO_RUN: "secondary",
    GateState.WAITING_FOR_METRICS: "info",
    GateState.FAILING: "danger",
    GateState.WAIVED: "warning",
    GateState.PASSING: "primary",
    GateState.NOT_APPLICABLE: "light",
}
# The states in which the step may be accepted (``qa.services.step_accept``).
GATE_ACCEPTABLE = (GateState.PASSING, GateState.WAIVED, GateState.NOT_APPLICABLE)
