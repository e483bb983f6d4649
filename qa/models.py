"""QA: metrics, their specifications, the measurements of every run, and waivers of the QA gate."""

from django.conf import settings
from django.db import models

from qa.choices import SpecLevel, SpecOperator, SpecStatistic


class Metric(models.Model):
    """A named quantity measured on runs, e.g. ``demo.measure.mean`` or ``resources.measure.max_rss``."""

    name = models.CharField(max_length=200, unique=True, help_text="package.metric")
    unit = models.CharField(max_length=30, blank=True, help_text="astropy-style: mmag, mas, s, MB, count")
    description = models.TextField(blank=True)
    higher_is_better = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Specification(models.Model):
    """A threshold a metric's statistic must meet at a level, optionally for one tag value or some releases."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="specifications")
    level = models.CharField(max_length=20, choices=SpecLevel.choices)
    statistic = models.CharField(max_length=10, choices=SpecStatistic.choices, default=SpecStatistic.MEDIAN)
    operator = models.CharField(max_length=2, choices=SpecOperator.choices)
    threshold = models.FloatField()
    tag_key = models.CharField(max_length=50, blank=True, help_text="e.g. band")
    tag_value = models.CharField(max_length=100, blank=True, help_text="e.g. r")
    min_release = models.ForeignKey(
        "releases.Release", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    max_release = models.ForeignKey(
        "releases.Release", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    blocking = models.BooleanField(default=False, help_text="failing it blocks the acceptance of a step")

    class Meta:
        ordering = ["metric__name", "level"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(tag_key="") & models.Q(tag_value=""))
                | (~models.Q(tag_key="") & ~models.Q(tag_value="")),
                name="spec_tag_key_and_value_together",
            ),
        ]

    def __str__(self) -> str:
        where = f" [{self.tag_key}={self.tag_value}]" if self.tag_key else ""
        return f"{self.metric} {self.statistic} {self.operator} {self.threshold} ({self.level}{where})"


class Measurement(models.Model):
    """One value of one metric for one data slice (tags) of one run.

    Millions of rows per campaign: no per-row foreign-key validation on write
    (ingest checks in bulk), compact columns, and indexes for the per-run reads.
    """

    id = models.BigAutoField(primary_key=True)
    submission = models.ForeignKey("campaigns.Submission", on_delete=models.CASCADE, related_name="measurements")
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="measurements")
    value = models.FloatField()
    tags = models.JSONField(default=dict)
    measured_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["submission", "metric"], name="measurement_run_metric_idx")]

    def __str__(self) -> str:
        return f"{self.metric_id}={self.value} {self.tags}"


class RunStatistics(models.Model):
    """The statistics of one run's measurements, stored: all of them, or one tag slice (``band=r``).

    Valid while ``measurements`` equals the run's ``measurement_count``: ingest adds to that count,
    which makes every statistics of the run computed before stale (``qa.run_statistics``).
    """

    submission = models.ForeignKey("campaigns.Submission", on_delete=models.CASCADE, related_name="statistics")
    tag_key = models.CharField(max_length=50, blank=True, help_text="empty: every measurement of the run")
    tag_value = models.CharField(max_length=100, blank=True)
    measurements = models.PositiveBigIntegerField(help_text="the run's measurement count they were computed from")
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "tag_key", "tag_value"], name="run_statistics_slice_unique")
        ]

    def __str__(self) -> str:
        where = f" [{self.tag_key}={self.tag_value}]" if self.tag_key else ""
        return f"Statistics of run #{self.submission_id}{where}"


class MetricStatistics(models.Model):
    """One metric's statistics in a run (or a tag slice of it): what every QA page and the gate read."""

    id = models.BigAutoField(primary_key=True)
    run_statistics = models.ForeignKey(RunStatistics, on_delete=models.CASCADE, related_name="metrics")
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="+")
    count = models.PositiveBigIntegerField()
    mean = models.FloatField()
    min = models.FloatField()
    p05 = models.FloatField()
    median = models.FloatField()
    p95 = models.FloatField()
    max = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run_statistics", "metric"], name="metric_statistics_unique")]

    def __str__(self) -> str:
        return f"{self.metric_id} in {self.run_statistics_id}: median {self.median}"


class Waiver(models.Model):
    """Permission to accept a step whose run fails blocking specifications: who, why, by which decision."""

    step = models.ForeignKey("campaigns.Step", on_delete=models.CASCADE, related_name="waivers")
    submission = models.ForeignKey("campaigns.Submission", on_delete=models.CASCADE, related_name="waivers")
    reason = models.TextField()
    decision = models.ForeignKey("committee.Decision", on_delete=models.PROTECT, related_name="waivers")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Waiver for {self.step} (decision #{self.decision_id})"
