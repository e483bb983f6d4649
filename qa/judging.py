"""Runs judged against the specifications, on statistics made fresh first.

Reading the stored statistics is a selector, which never writes (``qa.selectors.metric_statistics``).
What judges or shows runs needs their figures fresh, so it first stores, explicitly, those missing
or stale (``qa.run_statistics.statistics_refresh_stale``: a slice named by a specification whose
background task has not run yet, runs measured before statistics were stored); when every figure
is valid, as after ingest, that costs one query and writes nothing. Then it reads, and judges
(``qa.specs``). The pages, the gate and the API all judge here.
"""

from collections.abc import Iterable

from campaigns.models import Submission
from qa import selectors
from qa.run_statistics import statistics_refresh_stale
from qa.specs import SpecResult, applies_to_release, judge_runs
from qa.statistics import Tag


def fresh_statistics(
    submission_ids: Iterable[int], *, tag: Tag | None = None, metric_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], dict]:
    """``(submission_id, metric_id) -> statistics`` of the runs (of the tag slice), those stale stored first."""
    ids = sorted(set(submission_ids))
    statistics_refresh_stale(ids, tag=tag)
    return selectors.statistics_by_run(ids, tag=tag, metric_ids=metric_ids)


def runs_judged(
    runs: list[Submission], statistics: dict[tuple[int, int], dict], *, include_blocking: bool = False
) -> dict[int, list[SpecResult]]:
    """Every specification that applies to each run, judged on ``statistics`` (of ``fresh_statistics``).

    The specifications of the metrics measured (with ``include_blocking``, every blocking one too: a run
    that measured nothing of it fails it); one query for them, two per tag slice they name.
    """
    metric_ids = sorted({metric_id for _run, metric_id in statistics})
    specs = selectors.specifications_for(metric_ids, include_blocking=include_blocking)
    releases = {run.step.campaign.release for run in runs}
    slices = sorted(
        {
            (spec.tag_key, spec.tag_value)
            for spec in specs
            if spec.tag_key and any(applies_to_release(spec, release) for release in releases)
        }
    )
    ids = [run.pk for run in runs]
    sliced = {key: fresh_statistics(ids, tag=key) for key in slices}
    return judge_runs(runs, specs, statistics, sliced)
