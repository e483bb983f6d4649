"""Stored run statistics: computed at ingest, equal to the measurements' own, refreshed before a read when stale."""

import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import Submission
from campaigns.services.lifecycle import submission_move
from qa.ingest import measurements_ingest
from qa.models import MetricStatistics, RunStatistics
from qa.run_statistics import statistics_refresh_stale
from qa.selectors import metric_statistics
from tests.qa.factories import MetricFactory, SpecificationFactory, measure, succeeded_run

pytestmark = pytest.mark.django_db


def rows(values, band: str) -> list[dict]:
    return [{"metric": "demo.measure.std", "value": float(v), "tags": {"band": band}} for v in values]


def expected(values) -> dict:
    """The statistics as numpy computes them from the values (linear interpolation, as percentile_cont)."""
    values = np.asarray(values, dtype=float)
    return {
        "count": len(values),
        "mean": values.mean(),
        "min": values.min(),
        "p05": np.percentile(values, 5),
        "median": np.median(values),
        "p95": np.percentile(values, 95),
        "max": values.max(),
    }


def stored(run, tag=None) -> dict:
    frame = metric_statistics([run.pk], tag=tag)
    assert len(frame) == 1, frame
    return {key: float(value) for key, value in frame.iloc[0].items() if key not in ("submission_id", "metric_id")}


def test_ingest_stores_the_statistics_of_the_run_and_of_every_slice_a_specification_names():
    run = succeeded_run()
    metric = MetricFactory(name="demo.measure.std")
    SpecificationFactory(metric=metric, tag_key="band", tag_value="r")
    rng = np.random.default_rng(7)
    r_values, g_values = rng.normal(10, 2, 301), rng.normal(20, 1, 99)

    measurements_ingest(submission=run, rows=rows(r_values, "r") + rows(g_values, "g"))

    run.refresh_from_db()
    assert run.measurement_count == 400
    slices = {(s.tag_key, s.tag_value): s.measurements for s in RunStatistics.objects.filter(submission=run)}
    assert slices == {("", ""): 400, ("band", "r"): 400}
    assert MetricStatistics.objects.filter(run_statistics__submission=run).count() == 2
    assert stored(run) == pytest.approx(expected(np.concatenate([r_values, g_values])))
    assert stored(run, ("band", "r")) == pytest.approx(expected(r_values))


def test_a_second_ingest_replaces_the_statistics_with_those_of_every_measurement():
    run = succeeded_run()
    MetricFactory(name="demo.measure.std")
    measurements_ingest(submission=run, rows=rows([1, 2, 3], "r"))
    assert stored(run)["median"] == 2

    measurements_ingest(submission=run, rows=rows([10, 11, 12, 13], "r"))

    assert stored(run) == pytest.approx(expected([1, 2, 3, 10, 11, 12, 13]))
    assert RunStatistics.objects.get(submission=run, tag_key="").measurements == 7


def test_statistics_read_once_stored_take_two_queries_whatever_the_size_of_the_runs():
    small, large = succeeded_run(), succeeded_run()
    metric = MetricFactory(name="demo.measure.std")
    measure(small, metric, range(10))
    measure(large, metric, range(10_000))
    statistics_refresh_stale([small.pk, large.pk])  # stored now: measured straight into the table, not ingested

    with CaptureQueriesContext(connection) as captured:
        assert statistics_refresh_stale([small.pk, large.pk]) == []
        frame = metric_statistics([small.pk, large.pk])

    assert len(captured) == 2
    assert sorted(frame["count"]) == [10, 10_000]


def test_reading_the_statistics_of_a_run_without_measurements_writes_nothing():
    run = succeeded_run()

    with CaptureQueriesContext(connection) as captured:
        assert statistics_refresh_stale([run.pk]) == []
        assert metric_statistics([run.pk]).empty

    assert len(captured) == 2
    assert not RunStatistics.objects.exists()


def test_a_slice_named_by_a_specification_added_later_is_stored_by_the_refresh_before_a_read_not_by_the_read():
    run = succeeded_run()
    MetricFactory(name="demo.measure.std")
    measurements_ingest(submission=run, rows=rows([1, 2, 3], "r") + rows([7, 8], "i"))
    assert not RunStatistics.objects.filter(tag_key="band").exists()
    assert metric_statistics([run.pk], tag=("band", "i")).empty  # a read writes nothing

    assert statistics_refresh_stale([run.pk], tag=("band", "i")) == [run.pk]

    assert stored(run, ("band", "i")) == pytest.approx(expected([7, 8]))

    assert RunStatistics.objects.get(submission=run, tag_key="band", tag_value="i").measurements == 5


def test_a_slice_with_no_measurements_is_stored_empty_and_not_computed_again():
    run = succeeded_run()
    MetricFactory(name="demo.measure.std")
    measurements_ingest(submission=run, rows=rows([1, 2, 3], "r"))
    assert statistics_refresh_stale([run.pk], tag=("band", "y")) == [run.pk]
    assert metric_statistics([run.pk], tag=("band", "y")).empty

    with CaptureQueriesContext(connection) as captured:
        assert statistics_refresh_stale([run.pk], tag=("band", "y")) == []
        assert metric_statistics([run.pk], tag=("band", "y")).empty

    assert len(captured) == 2


def test_statistics_computed_from_fewer_measurements_than_the_run_has_are_stale_and_computed_again():
    """As when a refresh computed them while an ingest was committing: the count they record is lower."""
    run = succeeded_run()
    MetricFactory(name="demo.measure.std")
    measurements_ingest(submission=run, rows=rows([1, 2, 3], "r"))
    measurements_ingest(submission=run, rows=rows([4, 5], "r"))
    RunStatistics.objects.filter(submission=run).update(measurements=3)
    MetricStatistics.objects.filter(run_statistics__submission=run).update(median=-1.0)

    assert statistics_refresh_stale([run.pk]) == [run.pk]

    assert stored(run)["median"] == 3

    assert RunStatistics.objects.get(submission=run, tag_key="").measurements == 5


def test_a_run_moved_through_an_instance_read_before_an_ingest_keeps_its_measurement_count():
    run = succeeded_run(status="running", ended_at=None)
    read_before = Submission.objects.get(pk=run.pk)
    MetricFactory(name="demo.measure.std")
    measurements_ingest(submission=run, rows=rows([1, 2, 3], "r"))

    submission_move(read_before, "succeeded", actor=None, changes={"task_counts": {"measure": {"expected": 1}}})

    read_before.refresh_from_db()
    assert (read_before.status, read_before.quanta_expected, read_before.measurement_count) == ("succeeded", 1, 3)


def test_the_command_stores_the_statistics_of_runs_measured_before_they_were_stored():
    run, other = succeeded_run(), succeeded_run()
    metric = MetricFactory(name="demo.measure.std")
    SpecificationFactory(metric=metric, tag_key="band", tag_value="r")
    measure(run, metric, [1.0, 2.0, 4.0], band="r")
    measure(other, metric, [5.0], band="g")
    output = io.StringIO()

    call_command("refresh_run_statistics", "--all", stdout=output)

    assert "Stored the statistics of 2 runs (every measurement; slices: band=r)." in output.getvalue()
    stored_slices = set(RunStatistics.objects.values_list("submission_id", "tag_key", "measurements"))
    assert stored_slices == {(run.pk, "", 3), (run.pk, "band", 3), (other.pk, "", 1), (other.pk, "band", 1)}
    assert MetricStatistics.objects.get(run_statistics__submission=run, run_statistics__tag_key="").median == 2.0
    assert not MetricStatistics.objects.filter(run_statistics__submission=other, run_statistics__tag_key="band")


def test_the_command_names_a_run_that_does_not_exist():
    with pytest.raises(CommandError, match="No submission 999999."):
        call_command("refresh_run_statistics", "--submission", "999999")


def test_a_specification_naming_a_new_slice_has_its_statistics_computed_in_the_background(
    django_capture_on_commit_callbacks,
):
    from qa.services import specification_create
    from tests.console.factories import UserFactory

    measured, empty = succeeded_run(), succeeded_run()
    metric = MetricFactory(name="demo.measure.std")
    measurements_ingest(submission=measured, rows=rows([1, 2, 3], "r") + rows([9], "i"))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        specification_create(
            actor=UserFactory(roles=["task-force-lead"]),
            metric=metric,
            level="design",
            operator="<=",
            threshold=5.0,
            tag_key="band",
            tag_value="r",
        )

    assert len(callbacks) == 1  # the task, enqueued once the specification is committed (run here: eager)
    stored_slice = RunStatistics.objects.get(tag_key="band", tag_value="r")
    assert (stored_slice.submission_id, stored_slice.measurements) == (measured.pk, 4)
    assert MetricStatistics.objects.get(run_statistics=stored_slice).median == 2.0
    assert not RunStatistics.objects.filter(submission=empty).exists()
