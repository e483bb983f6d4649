"""Two runs compared: the change of each metric's statistics from run A to run B, the specifications that
changed state, and what differs between the runs' definitions. Plain functions on what the selectors read.

How large a change is: B minus A in units of a scale that stays meaningful when A's value is near zero (a
fraction of a metric whose mean is about 0 is any size at all: a "-189 %" change of a value of 0.003). The scale of
a metric (``change_scale``) is, in this order:

- ``threshold``: the threshold of its specification (blocking first, then minimum, design, stretch; the whole
  run's before a tag slice's; the median's before another statistic's): a change of 5 % is 5 % of what the
  specification allows;
- ``spread``: the spread of its values in run A (95th minus 5th percentile; run B's when A has none);
- ``magnitude``: A's own value (the relative change), when the metric has neither.

The tolerance of the page (and of the dashboard's regressions) applies to that scaled change of the median.
"""

from dataclasses import dataclass

from campaigns.models import Campaign, Submission
from campaigns.selectors import campaign_diff
from console.diff import diff_lines, diff_text
from qa.models import Metric, Specification
from qa.specs import SpecResult
from qa.statistics import figure_text
from releases.models import BackportRequest

# The statistics whose change is shown.
COMPARED = ("median", "p05", "p95")


@dataclass(frozen=True)
class SpecChange:
    spec: Specification
    before: bool
    after: bool

    @property
    def worse(self) -> bool:
        return self.before and not self.after

    def __str__(self) -> str:
        words = {True: "pass", False: "fail"}
        return (
            f"{self.spec.level} {self.spec.statistic} {self.spec.operator} {self.spec.threshold:g}"
            + (f" [{self.spec.tag_key}={self.spec.tag_value}]" if self.spec.tag_key else "")
            + f": {words[self.before]} → {words[self.after]}"
        )


def change_from_a_to_b(a, b, scale: float | None = None) -> dict:
    """A statistic in run A and in run B, and its change from A to B: ``{"a", "b", "abs", "rel", "scaled"}``.

    ``abs`` is B minus A; ``rel`` that as a fraction of A's magnitude, ``scaled`` as a fraction of ``scale``
    (``change_scale``); None where a run lacks the statistic, ``rel`` also where A is 0.
    """
    a = None if a is None else float(a)
    b = None if b is None else float(b)
    absolute = b - a if a is not None and b is not None else None
    relative = absolute / abs(a) if absolute is not None and a != 0 else None
    scaled = absolute / scale if absolute is not None and scale else None
    return {"a": a, "b": b, "abs": absolute, "rel": relative, "scaled": scaled}


@dataclass(frozen=True)
class ChangeScale:
    """What a metric's changes are measured in: ``value``, and which scale it is (``basis``: threshold, spread,
    magnitude) described for the page (``label``)."""

    value: float
    basis: str
    label: str

    @property
    def short(self) -> str:
        return {"threshold": "of threshold", "spread": "of spread", "magnitude": "of A"}[self.basis]


SCALE_BASES = {
    "threshold": "the threshold of its specification",
    "spread": "the spread of its values in A (95th minus 5th percentile)",
    "magnitude": "A's value (relative change)",
}
LEVEL_ORDER = {"minimum": 0, "design": 1, "stretch": 2}


def change_scale(specs: list[Specification], a: dict | None, b: dict | None) -> ChangeScale | None:
    """The scale of a metric's change from A to B (see the module's docstring); None when it has none (no
    specification with a threshold other than 0, no spread, A's median 0 or missing)."""
    with_threshold = [spec for spec in specs if spec.threshold]
    if with_threshold:
        spec = min(
            with_threshold,
            key=lambda spec: (
                not spec.blocking,
                LEVEL_ORDER.get(spec.level, 3),
                bool(spec.tag_key),
                spec.statistic != "median",
            ),
        )
        where = f" [{spec.tag_key}={spec.tag_value}]" if spec.tag_key else ""
        return ChangeScale(
            abs(spec.threshold),
            "threshold",
            f"the threshold {spec.threshold:g} of {spec.statistic} {spec.operator} {spec.threshold:g} "
            f"({spec.level}{where})",
        )
    for run, name in ((a, "A"), (b, "B")):
        spread = float(run["p95"]) - float(run["p05"]) if run else 0.0
        if spread > 0:
            return ChangeScale(spread, "spread", f"the spread of its values in {name}, {figure_text(spread)}")
    if a and float(a["median"]):
        return ChangeScale(abs(float(a["median"])), "magnitude", f"A's median, {figure_text(a['median'])}")
    return None


def _percent(fraction: float | None) -> str:
    return "—" if fraction is None else f"{100 * fraction:+.2f} %"


def compare_rows(
    metrics: dict[int, Metric],
    statistics: dict[tuple[int, int], dict],
    a_id: int,
    b_id: int,
    results: dict[int, list[SpecResult]],
    tolerance: float,
) -> list[dict]:
    """Per metric of either run: the change of median, p05 and p95 from A to B, and why it is flagged.

    Flagged when a specification judged on both runs changes state, or when the median moves by more
    than ``tolerance`` (a fraction) of the metric's scale (``change_scale``: its specification's
    threshold, else its spread, else A's median). ``worse`` follows the metric's direction.
    """
    passed_a = {result.spec.pk: result for result in results.get(a_id, [])}
    passed_b = {result.spec.pk: result for result in results.get(b_id, [])}
    specs_of: dict[int, dict[int, Specification]] = {}  # metric -> specifications that apply to either run
    for result in [*passed_a.values(), *passed_b.values()]:
        specs_of.setdefault(result.spec.metric_id, {})[result.spec.pk] = result.spec
    judged_on_both: dict[int, list[tuple[SpecResult, SpecResult]]] = {}  # metric -> (A's, B's), by spec
    for spec_id in sorted(set(passed_a) & set(passed_b)):
        before, after = passed_a[spec_id], passed_b[spec_id]
        judged_on_both.setdefault(before.spec.metric_id, []).append((before, after))
    rows = []
    for metric in sorted(metrics.values(), key=lambda metric: metric.name):
        a, b = statistics.get((a_id, metric.pk)), statistics.get((b_id, metric.pk))
        if a is None and b is None:
            continue
        scale = change_scale(list(specs_of.get(metric.pk, {}).values()), a, b)
        changes = {stat: change_from_a_to_b(a and a[stat], b and b[stat], scale and scale.value) for stat in COMPARED}
        spec_changes = [
            SpecChange(before.spec, before.passed, after.passed)
            for before, after in judged_on_both.get(metric.pk, [])
            if before.passed is not None and after.passed is not None and before.passed != after.passed
        ]
        scaled = changes["median"]["scaled"]
        beyond = scaled is not None and abs(scaled) > tolerance
        worse_median = scaled is not None and scaled != 0 and ((scaled < 0) == metric.higher_is_better)
        rows.append(
            {
                "metric": metric,
                "name": metric.name,
                "unit": metric.unit,
                "count_a": a["count"] if a else 0,
                "count_b": b["count"] if b else 0,
                **{f"{stat}_{part}": value for stat, change in changes.items() for part, value in change.items()},
                "scale": scale,
                "shown": {
                    stat: {part: figure_text(change[part]) for part in ("a", "b", "abs")}
                    | {"rel": _percent(change["rel"]), "scaled": _percent(change["scaled"])}
                    for stat, change in changes.items()
                },
                "spec_changes": spec_changes,
                "worse_changes": [change for change in spec_changes if change.worse],
                "beyond_tolerance": beyond,
                "worse": worse_median,
                "flagged": beyond or bool(spec_changes),
                "regressed": any(change.worse for change in spec_changes) or (beyond and worse_median),
                "only_in": "A" if b is None else "B" if a is None else "",
            }
        )
    return rows


def definitions_compared(
    a: Submission,
    b: Submission,
    *,
    backports: dict[int, list[BackportRequest]],
    campaigns: dict[int, Campaign],
) -> dict:
    """What differs between the two runs' definitions: release, backports shipped, campaign, BPS configuration.

    ``backports``: each release's shipped backports (``qa.selectors.shipped_backports``); ``campaigns``: the two
    runs' campaigns with their steps (``qa.selectors.campaigns_with_steps``), needed only when they differ.
    """
    release_a, release_b = a.step.campaign.release, b.step.campaign.release
    in_a = {bp.rfc_id: bp for bp in backports.get(getattr(release_a, "pk", None), [])}
    in_b = {bp.rfc_id: bp for bp in backports.get(getattr(release_b, "pk", None), [])}
    campaign_rows = []
    same_campaign = a.step.campaign_id == b.step.campaign_id
    if not same_campaign:
        campaign_rows = [
            {"field": row["field"], "a": diff_text(row["left"]), "b": diff_text(row["right"])}
            for row in campaign_diff(campaigns[a.step.campaign_id], campaigns[b.step.campaign_id])
            if row["differs"]
        ]
    config_diff = diff_lines(a.bps_config, b.bps_config, a_name=f"run #{a.pk}", b_name=f"run #{b.pk}")
    return {
        "release_a": release_a,
        "release_b": release_b,
        "same_release": getattr(release_a, "pk", None) == getattr(release_b, "pk", None),
        "backports_only_a": [bp for rfc, bp in in_a.items() if rfc not in in_b],
        "backports_only_b": [bp for rfc, bp in in_b.items() if rfc not in in_a],
        "backports_both": [bp for rfc, bp in in_a.items() if rfc in in_b],
        "same_campaign": same_campaign,
        "campaign_rows": campaign_rows,
        "config_diff": config_diff,
    }
