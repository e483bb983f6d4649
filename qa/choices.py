from django.db import models


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
