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
