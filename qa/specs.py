"""Judging statistics against specifications: plain functions, no queries."""

import operator as op
from dataclasses import dataclass

from qa.models import Specification

COMPARE = {"<": op.lt, "<=": op.le, ">": op.gt, ">=": op.ge}
# What a value that fails a specification's operator satisfies instead ("median 14.2 > 12.0" fails "<= 12.0").
NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}


@dataclass(frozen=True)
class SpecResult:
    spec: Specification
    value: float | None  # the statistic the spec is judged on (None: no measurement to judge)
    passed: bool | None  # None when there is nothing to judge

    @property
    def failed(self) -> bool:
        return self.passed is False

    @property
    def comparison(self) -> str:
        """The value against the threshold, with the operator it satisfies: "median 14.2 > 12.0" for a run that
        fails "median <= 12.0", "median 9.5 <= 12.0" for one that passes; "no measurements to judge" without one."""
        if self.value is None:
            return "no measurements to judge"
        operator = self.spec.operator if self.passed else NEGATED[self.spec.operator]
        return f"{self.spec.statistic} {self.value:.4g} {operator} {self.spec.threshold}"

    @property
    def verdict(self) -> str:
        """One line naming the metric (and its tag slice), the value against the threshold, and the level:
        "demo.measure.std median 14.2 > 12.0 (minimum)"; the specification itself when there is no value."""
        spec = self.spec
        if self.value is None:
            return f"{spec}: {self.comparison}"
        where = f" [{spec.tag_key}={spec.tag_value}]" if spec.tag_key else ""
        return f"{spec.metric}{where} {self.comparison} ({spec.level})"


def version_key(release) -> tuple[bool, int, int, int]:
    """Versions in order, then weekly builds in order (as the release list shows them): a weekly's (year, week)
    is not comparable with a version's numbers."""
    return (release.is_weekly, release.major, release.minor, release.patch)


def applies_to_release(spec: Specification, release) -> bool:
    """A spec restricted to a range of releases applies only to runs of a release within it, and of the same kind
    as its bounds (a range of versions says nothing of a weekly build)."""
    if spec.min_release_id is None and spec.max_release_id is None:
        return True
    if release is None:
        return False
    bounds = [spec.min_release if spec.min_release_id else None, spec.max_release if spec.max_release_id else None]
    if any(bound is not None and bound.is_weekly != release.is_weekly for bound in bounds):
        return False
    if spec.min_release_id is not None and version_key(release) < version_key(spec.min_release):
        return False
    return not (spec.max_release_id is not None and version_key(release) > version_key(spec.max_release))


def judge(spec: Specification, statistics: dict | None) -> SpecResult:
    """``statistics``: the run's statistics of the spec's metric (for its tag slice, if it has one)."""
    if not statistics or not statistics.get("count"):
        return SpecResult(spec, None, None)
    value = float(statistics[spec.statistic])
    return SpecResult(spec, value, COMPARE[spec.operator](value, spec.threshold))


def judge_runs(
    runs: list,
    specs: list[Specification],
    statistics: dict[tuple[int, int], dict],
    sliced: dict[tuple[str, str], dict[tuple[int, int], dict]],
) -> dict[int, list[SpecResult]]:
    """Every specification that applies to each run, judged on its statistics.

    ``statistics``: ``(submission_id, metric_id) -> statistics`` of every measurement; ``sliced``: the same
    for each tag slice a specification names, by ``(tag_key, tag_value)``.
    """
    results = {}
    for run in runs:
        release = run.step.campaign.release
        results[run.pk] = [
            judge(
                spec,
                (sliced[(spec.tag_key, spec.tag_value)] if spec.tag_key else statistics).get((run.pk, spec.metric_id)),
            )
            for spec in specs
            if applies_to_release(spec, release)
        ]
    return results
