"""Reads of QA: runs, their stored statistics, metrics and specifications, what the gate and the dashboard show.

Selectors only read; they never store anything (the stored statistics are written by ``qa.run_statistics``).
What a page receives does not grow with the number of measurements: statistics are stored per run, a
breakdown by tags and a histogram are aggregated in the database (or by pandas on SQLite).
"""

from collections.abc import Iterable

import pandas as pd
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Floor

from campaigns import selectors as campaign_selectors
from campaigns.choices import ACTIVE_SUBMISSION_STATUSES, CampaignKind, CampaignStatus, SubmissionStatus
from campaigns.models import Campaign, Step, Submission
from committee.models import Decision
from qa.choices import WAIVER_DECISION_KINDS, WAIVER_DECISION_STATUSES
from qa.models import Measurement, Metric, MetricStatistics, RunStatistics, Specification, Waiver
from qa.specs import version_key
from qa.statistics import COLUMNS, STATISTICS, Tag, aggregate
from releases.choices import BackportStatus
from releases.models import BackportRequest, Release

# Runs newest first; one not ended yet last (PostgreSQL would put its NULL first).
NEWEST_FIRST = (F("ended_at").desc(nulls_last=True), "-pk")
# The tag names of a metric are read from this many of its measurements in a run.
TAG_SAMPLE = 200


# Runs ---------------------------------------------------------------------------------------------


def runs() -> QuerySet[Submission]:
    """Runs (submissions) with their step, campaign and release, as every QA page names them."""
    return Submission.objects.select_related("step__campaign__release")


def run_by_id(pk: int) -> Submission | None:
    try:
        return runs().get(pk=pk)
    except Submission.DoesNotExist:
        return None


def runs_by_id(pks: Iterable[int]) -> dict[int, Submission]:
    return runs().in_bulk(list(pks))


def succeeded_runs(*, campaign: Campaign | None = None) -> QuerySet[Submission]:
    """Succeeded runs (of a campaign, or all), newest first."""
    succeeded = runs().filter(status=SubmissionStatus.SUCCEEDED)
    if campaign is not None:
        succeeded = succeeded.filter(step__campaign=campaign)
    return succeeded.order_by(*NEWEST_FIRST)


def run_choices() -> QuerySet[Submission]:
    """The succeeded runs a picker offers (the comparison's), newest first: those of campaigns not archived."""
    return succeeded_runs().filter(step__campaign__in=Campaign.objects.not_archived())


def previous_run(run: Submission) -> Submission | None:
    """The succeeded run of the same step that ended before this one."""
    if run.ended_at is None:
        return None
    return (
        Submission.objects.filter(step_id=run.step_id, status=SubmissionStatus.SUCCEEDED, ended_at__lt=run.ended_at)
        .order_by(*NEWEST_FIRST)
        .first()
    )


def latest_runs(*, unaccepted: bool = False) -> QuerySet[Submission]:
    """The latest succeeded run of each step (no later succeeded run of the step) of campaigns not cancelled,
    newest first; with ``unaccepted``, of the steps not accepted yet."""
    later = Submission.objects.filter(
        step=OuterRef("step"), status=SubmissionStatus.SUCCEEDED, ended_at__gt=OuterRef("ended_at")
    )
    latest = (
        runs()
        .filter(status=SubmissionStatus.SUCCEEDED)
        .filter(~Exists(later))
        .exclude(step__campaign__status=CampaignStatus.CANCELLED)
    )
    if unaccepted:
        latest = latest.filter(step__accepted_at__isnull=True)
    return latest.order_by(*NEWEST_FIRST)


def latest_runs_with_previous(limit: int) -> list[Submission]:
    """The newest ``limit`` of ``latest_runs`` that have a succeeded run of the same step before them
    (its id as ``previous_id``)."""
    previous = (
        Submission.objects.filter(
            step=OuterRef("step"), status=SubmissionStatus.SUCCEEDED, ended_at__lt=OuterRef("ended_at")
        )
        .order_by(*NEWEST_FIRST)
        .values("pk")[:1]
    )
    return list(latest_runs().annotate(previous_id=Subquery(previous)).filter(previous_id__isnull=False)[:limit])


# Stored statistics ----------------------------------------------------------------------------------


def metric_statistics(
    submission_ids: Iterable[int], *, tag: Tag | None = None, metric_ids: Iterable[int] | None = None
) -> pd.DataFrame:
    """One row per (submission, metric), as stored: count, mean, min, 5th percentile, median, 95th percentile, max.

    ``tag=("band", "r")`` restricts to the measurements of that slice; ``metric_ids`` to those metrics.
    One query whatever the size of the runs. Only reads: a run whose statistics (of the slice) are missing or
    stale has them stored by ``qa.run_statistics.statistics_refresh_stale``, which its reader calls first.
    """
    ids = sorted(set(submission_ids))
    if not ids:
        return pd.DataFrame(columns=COLUMNS)
    tag_key, tag_value = tag or ("", "")
    rows = MetricStatistics.objects.filter(
        run_statistics__submission_id__in=ids, run_statistics__tag_key=tag_key, run_statistics__tag_value=tag_value
    )
    if metric_ids is not None:
        rows = rows.filter(metric_id__in=list(metric_ids))
    return pd.DataFrame(rows.values_list("run_statistics__submission_id", "metric_id", *STATISTICS), columns=COLUMNS)


def statistics_by_run(
    submission_ids: Iterable[int], *, tag: Tag | None = None, metric_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], dict]:
    """``(submission_id, metric_id) -> statistics`` of ``metric_statistics``."""
    frame = metric_statistics(submission_ids, tag=tag, metric_ids=metric_ids)
    return {(int(row["submission_id"]), int(row["metric_id"])): row for row in frame.to_dict("records")}


def runs_needing_statistics(tag: Tag | None = None) -> QuerySet[Submission]:
    """Runs with measurements whose statistics (of the tag slice) are missing or stale.

    A run without measurements has no statistics to compute or store.
    """
    tag_key, tag_value = tag or ("", "")
    valid = RunStatistics.objects.filter(
        submission=OuterRef("pk"), tag_key=tag_key, tag_value=tag_value, measurements=OuterRef("measurement_count")
    )
    return Submission.objects.filter(measurement_count__gt=0).exclude(Exists(valid)).order_by("pk")


def measured_run_ids() -> list[int]:
    """Every run with measurements."""
    return list(Submission.objects.filter(measurement_count__gt=0).order_by("pk").values_list("pk", flat=True))


def existing_run_ids(pks: Iterable[int]) -> set[int]:
    return set(Submission.objects.filter(pk__in=list(pks)).values_list("pk", flat=True))


def slices_named_by_specifications() -> list[Tag]:
    return sorted(Specification.objects.exclude(tag_key="").values_list("tag_key", "tag_value").distinct().order_by())


# Measurements, aggregated --------------------------------------------------------------------------


def metric_breakdown(submission_id: int, metric_id: int, tag_keys: list[str]) -> pd.DataFrame:
    """Statistics of one metric of one run by the values of one or two tags (e.g. detector x visit)."""
    if connection.vendor == "postgresql":
        columns = ", ".join(f"tags ->> %s AS t{i}" for i in range(len(tag_keys)))
        groups = ", ".join(f"t{i}" for i in range(len(tag_keys)))
        sql = f"""
            SELECT {columns}, count(*) AS count, avg(value) AS mean, min(value) AS min,
                   percentile_cont(0.05) WITHIN GROUP (ORDER BY value) AS p05,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS median,
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY value) AS p95, max(value) AS max
            FROM qa_measurement WHERE submission_id = %s AND metric_id = %s GROUP BY {groups}
        """  # noqa: S608 - column aliases are generated, tag names are parameters
        with connection.cursor() as cursor:
            cursor.execute(sql, [*tag_keys, submission_id, metric_id])
            names = [f"t{i}" for i in range(len(tag_keys))]
            frame = pd.DataFrame(cursor.fetchall(), columns=[*names, *STATISTICS])
        return frame.rename(columns=dict(zip(names, tag_keys, strict=True)))
    rows = Measurement.objects.filter(submission_id=submission_id, metric_id=metric_id).values_list("tags", "value")
    frame = pd.DataFrame(
        [{**{key: tags.get(key) for key in tag_keys}, "value": value} for tags, value in rows],
        columns=[*tag_keys, "value"],
    )
    return aggregate(frame, tag_keys)


def histogram_counts(submission_id: int, bins: dict[int, tuple[float, float, int]]) -> dict[int, list[int]]:
    """Counts of each metric's values in the run, per bin: ``bins`` gives each metric's first edge, bin width
    and number of bins. Counted by the database in one query: the page receives the counts, never the values."""
    if not bins:
        return {}
    low = Case(*(When(metric_id=pk, then=Value(b[0])) for pk, b in bins.items()), output_field=FloatField())
    width = Case(*(When(metric_id=pk, then=Value(b[1])) for pk, b in bins.items()), output_field=FloatField())
    counted = (
        Measurement.objects.filter(submission_id=submission_id, metric_id__in=list(bins))
        .annotate(bin=Floor((F("value") - low) / width))
        .values("metric_id", "bin")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {pk: [0] * n for pk, (_low, _width, n) in bins.items()}
    for item in counted:
        n = bins[item["metric_id"]][2]
        index = min(max(int(item["bin"] or 0), 0), n - 1)  # the maximum falls on the last edge
        counts[item["metric_id"]][index] += item["n"]
    return counts


def measurement_tag_keys(submission_id: int, metric_id: int) -> list[str]:
    """The tag names of a metric's measurements in the run, read from a few of them."""
    sample = Measurement.objects.filter(submission_id=submission_id, metric_id=metric_id).values_list("tags", flat=True)
    return sorted({key for tags in sample[:TAG_SAMPLE] for key in (tags or {})})


# Metrics and specifications ------------------------------------------------------------------------


def metrics_by_id(pks: Iterable[int]) -> dict[int, Metric]:
    return Metric.objects.in_bulk(sorted(set(pks)))


def metrics() -> QuerySet[Metric]:
    return Metric.objects.order_by("name")


def metrics_with_specifications() -> QuerySet[Metric]:
    """Metrics by name, each with its specifications (and their releases) by level."""
    specs = Specification.objects.select_related("min_release", "max_release").order_by("level", "id")
    return Metric.objects.prefetch_related(Prefetch("specifications", queryset=specs)).order_by("name")


def specifications() -> QuerySet[Specification]:
    return Specification.objects.select_related("metric", "min_release", "max_release").order_by("metric__name", "id")


def specifications_for(metric_ids: Iterable[int], *, include_blocking: bool = False) -> list[Specification]:
    """Specifications of these metrics; with ``include_blocking``, every blocking one too (measured or not)."""
    condition = Q(metric_id__in=list(metric_ids))
    if include_blocking:
        condition |= Q(blocking=True)
    return list(Specification.objects.filter(condition).select_related("metric", "min_release", "max_release"))


# What two runs' definitions differ in ---------------------------------------------------------------


def shipped_backports(releases: list[Release | None]) -> dict[int, list[BackportRequest]]:
    """For each release, the backports shipped in its family up to it (a patch carries its predecessors')."""
    known = [release for release in releases if release is not None]
    roots = {release.family_root_id for release in known}
    shipped = list(
        BackportRequest.objects.filter(
            Q(shipped_in_id__in=roots) | Q(shipped_in__base_release_id__in=roots), status=BackportStatus.SHIPPED
        )
        .select_related("shipped_in")
        .order_by("rfc_id")
    )
    return {
        release.pk: [
            backport
            for backport in shipped
            if backport.shipped_in.family_root_id == release.family_root_id
            and version_key(backport.shipped_in) <= version_key(release)
        ]
        for release in known
    }


def campaigns_with_steps(pks: Iterable[int]) -> dict[int, Campaign]:
    """Campaigns with their release and steps, as ``campaigns.selectors.campaign_diff`` compares them."""
    return campaign_selectors.campaigns_with_steps().in_bulk(list(pks))


# The QA gate -------------------------------------------------------------------------------------------


def campaign_by_id(pk: int) -> Campaign | None:
    try:
        return Campaign.objects.get(pk=pk)
    except Campaign.DoesNotExist:
        return None


def step_by_id(pk: int) -> Step | None:
    """The step with its campaign."""
    try:
        return Step.objects.select_related("campaign").get(pk=pk)
    except Step.DoesNotExist:
        return None


def gate_steps(campaign: Campaign) -> list[Step]:
    """The campaign's steps in order, with who accepted which run."""
    steps = Step.objects.filter(campaign=campaign).select_related("accepted_by", "accepted_submission")
    return list(steps.order_by("position"))


def campaign_has_run_in_progress(campaign: Campaign) -> bool:
    """Whether a submission of the campaign is pending, submitting or running (its gate may change when it ends)."""
    return Submission.objects.filter(step__campaign=campaign, status__in=ACTIVE_SUBMISSION_STATUSES).exists()


def latest_succeeded_run_of(step: Step) -> Submission | None:
    return runs().filter(step=step, status=SubmissionStatus.SUCCEEDED).order_by(*NEWEST_FIRST).first()


def waiver_of(step: Step, submission: Submission) -> Waiver | None:
    return Waiver.objects.filter(step=step, submission=submission).select_related("decision").first()


def waivers_of_accepted_runs(steps: list[Step]) -> dict[tuple[int, int], Waiver]:
    """``(step_id, submission_id) -> waiver`` of the accepted steps among ``steps``."""
    accepted = [step for step in steps if step.accepted_at]
    waivers = Waiver.objects.filter(step__in=accepted).select_related("decision", "granted_by")
    return {(waiver.step_id, waiver.submission_id): waiver for waiver in waivers}


def waived_run_ids(submissions: list[Submission]) -> set[int]:
    return set(Waiver.objects.filter(submission__in=submissions).values_list("submission_id", flat=True))


def decisions_allowing_waivers(campaign: Campaign) -> QuerySet[Decision]:
    """The decisions a waiver for a step of the campaign may cite, newest first: approved (or endorsed), about
    campaign policy or QA (``WAIVER_DECISION_KINDS``), and naming the campaign or its release."""
    names_campaign = Decision.campaigns.through.objects.filter(campaign=campaign.pk).values("decision")
    names = Q(pk__in=names_campaign)
    if campaign.release_id is not None:
        names |= Q(release=campaign.release_id)
    allowing = Decision.objects.filter(status__in=WAIVER_DECISION_STATUSES, kind__in=WAIVER_DECISION_KINDS)
    return allowing.filter(names).order_by("-pk")


def runs_awaiting_acceptance() -> QuerySet[Submission]:
    """The latest succeeded run of each step not accepted yet, of production campaigns that are neither accepted,
    cancelled nor archived, the longest waiting first; ``has_waiver``: a waiver allows it. What waits for the
    person who accepts steps (the gate judges, on the campaign's page, whether it passes or needs a waiver)."""
    waived = Waiver.objects.filter(step=OuterRef("step"), submission=OuterRef("pk"))
    return (
        latest_runs(unaccepted=True)
        .exclude(step__campaign__kind=CampaignKind.MINI_RUN)
        .exclude(step__campaign__status=CampaignStatus.ACCEPTED)
        .filter(step__campaign__archived_at__isnull=True)
        .annotate(has_waiver=Exists(waived))
        .order_by(F("ended_at").asc(nulls_last=True), "pk")
    )


def decision_by_id(pk: int) -> Decision | None:
    try:
        return Decision.objects.get(pk=pk)
    except Decision.DoesNotExist:
        return None
