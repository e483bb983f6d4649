"""Specifications judged at each level, for a tag slice, and for a range of releases."""

import pytest

from qa.services import submission_qa
from tests.qa.factories import MetricFactory, SpecificationFactory, measure, succeeded_run
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def repeatability():
    return MetricFactory(name="demo.photometric_repeatability", unit="mmag")


def results_by_level(submission):
    return {result.spec.level: result.passed for result in submission_qa(submission)}


def test_each_level_is_judged_on_the_median(repeatability):
    run = succeeded_run()
    measure(run, repeatability, [4.0, 5.0, 6.0, 50.0, 5.5])  # median 5.5
    SpecificationFactory(metric=repeatability, level="minimum", operator="<=", threshold=10)
    SpecificationFactory(metric=repeatability, level="design", operator="<=", threshold=5.5)
    SpecificationFactory(metric=repeatability, level="stretch", operator="<", threshold=5.5)

    assert results_by_level(run) == {"minimum": True, "design": True, "stretch": False}


def test_a_spec_on_the_95th_percentile_sees_the_tail(repeatability):
    run = succeeded_run()
    measure(run, repeatability, [1.0] * 90 + [100.0] * 10)
    SpecificationFactory(metric=repeatability, statistic="p95", operator="<", threshold=20)

    (result,) = submission_qa(run)
    assert result.passed is False
    assert result.value == pytest.approx(100.0)


def test_a_tag_restricted_spec_judges_only_its_slice(repeatability):
    run = succeeded_run()
    measure(run, repeatability, [3.0, 3.0, 3.0], band="r")
    measure(run, repeatability, [30.0, 30.0, 30.0], band="u")
    SpecificationFactory(metric=repeatability, tag_key="band", tag_value="r", threshold=5)
    SpecificationFactory(metric=repeatability, tag_key="band", tag_value="u", threshold=5, level="minimum")

    results = {result.spec.tag_value: (result.value, result.passed) for result in submission_qa(run)}
    assert results == {"r": (3.0, True), "u": (30.0, False)}


def test_a_spec_for_a_slice_without_measurements_is_not_judged(repeatability):
    run = succeeded_run()
    measure(run, repeatability, [3.0], band="r")
    SpecificationFactory(metric=repeatability, tag_key="band", tag_value="y", threshold=5)

    (result,) = submission_qa(run)
    assert (result.value, result.passed) == (None, None)


def test_a_spec_restricted_to_releases_applies_only_to_runs_of_those_releases(repeatability):
    v22, v23, v24 = (ReleaseFactory(version=v) for v in ("v22.0.1", "v23.0.0", "v24.0.0"))
    SpecificationFactory(metric=repeatability, min_release=v23, max_release=v23, threshold=1)
    runs = {}
    for release in (v22, v23, v24):
        run = succeeded_run()
        run.step.campaign.release = release
        run.step.campaign.save()
        measure(run, repeatability, [5.0])
        runs[release.version] = run

    assert {version: len(submission_qa(run)) for version, run in runs.items()} == {
        "v22.0.1": 0,
        "v23.0.0": 1,
        "v24.0.0": 0,
    }


def test_higher_is_better_metrics_use_greater_than(repeatability):
    run = succeeded_run()
    detections = MetricFactory(name="demo.n_sources", unit="count", higher_is_better=True)
    measure(run, detections, [900.0, 1100.0, 1000.0])
    SpecificationFactory(metric=detections, operator=">=", threshold=1000)

    (result,) = submission_qa(run)
    assert (result.value, result.passed) == (1000.0, True)
