"""The lead reviews a run's QA in headless Chromium: the charts draw, nothing is refused by the CSP."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from qa.models import Measurement
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import DecisionFactory
from tests.console.factories import UserFactory
from tests.qa.factories import MetricFactory, SpecificationFactory, store_measurements, succeeded_run
from tests.releases.factories import SupportedReleaseFactory
from tests.support.browser import chromium_page

METRICS = (
    ("demo.measure.std", "adu", 10.0, 0.6),
    ("demo.measure.n_outliers", "count", 4.0, 1.5),
    ("resources.calibrate.run_time", "s", 3.6, 0.8),
    ("resources.measure.run_time", "s", 2.1, 0.5),
    ("resources.calibrate.max_rss", "MB", 210.0, 8.0),
    ("resources.measure.max_rss", "MB", 180.0, 6.0),
)


def run_with_measurements(campaign, shift: float, seed: int, ended_days_ago: int):
    run = succeeded_run(campaign)
    run.ended_at = timezone.now() - timedelta(days=ended_days_ago)
    run.bps_config = f"pipelineYaml: demo.yaml\nrequestMemory: {2048 * (seed + 1)}\n"
    run.save()
    rng = np.random.default_rng(seed)
    rows = []
    for visit in range(1001, 1007):
        for detector in range(16):
            tags = {"instrument": "DemoCam", "visit": visit, "detector": detector, "band": "gri"[visit % 3]}
            edge = 2.0 if detector in (0, 3, 12, 15) else 0.0
            for name, unit, centre, spread in METRICS:
                value = centre + spread * rng.normal() + (edge + shift if name == "demo.measure.std" else 0.0)
                rows.append(
                    Measurement(
                        submission=run,
                        metric=MetricFactory(name=name, unit=unit),
                        value=value,
                        tags=tags,
                        measured_at=timezone.now(),
                    )
                )
    store_measurements(rows)
    return run


@pytest.mark.browser
def test_the_lead_reviews_a_run_and_its_comparison(live_server, transactional_db, screenshot_dir):
    UserFactory(username="lead", password="a-demo-password-1", roles=["task-force-lead"])
    base = SupportedReleaseFactory(version="v23.0.0")
    patch = SupportedReleaseFactory(version="v23.0.1", base_release=base)
    earlier = run_with_measurements(CampaignFactory(name="RC2 on v23.0.0", release=base), 0.0, 1, 7)
    run = run_with_measurements(CampaignFactory(name="RC2 on v23.0.1", release=patch), 1.6, 2, 1)
    std = MetricFactory(name="demo.measure.std")
    SpecificationFactory(metric=std, level="minimum", operator="<=", threshold=11.0, blocking=True)
    SpecificationFactory(metric=std, level="design", operator="<=", threshold=10.5)
    SpecificationFactory(metric=std, level="stretch", operator="<=", threshold=9.0, tag_key="band", tag_value="r")
    decision = DecisionFactory(
        kind="qa-tooling", status="endorsed", title="Accept RC2 on v23.0.1 despite the noise", release=patch
    )

    with chromium_page() as page:
        page.set_viewport_size({"width": 1400, "height": 900})
        page.goto(f"{live_server.url}/login/?next=/qa/runs/{run.pk}/")
        page.fill("#id_username", "lead")
        page.fill("#id_password", "a-demo-password-1")
        page.click("button[type=submit]")

        page.wait_for_selector("[data-testid=metric-table]")
        charts = page.locator(".console-chart")
        assert charts.count() == 5  # the 2 science metrics' histograms, the breakdown, 2 resource charts
        page.wait_for_function(
            "() => [...document.querySelectorAll('.console-chart')].every((chart) => chart.querySelector('svg'))",
            timeout=15_000,
        )
        for index in range(charts.count()):
            assert charts.nth(index).locator("svg.main-svg").count() > 0
        assert (
            page.locator("[data-testid=breakdown] .heatmaplayer image, [data-testid=breakdown] .hm image").count() > 0
        )
        assert "fails 1 blocking specification" in page.inner_text("[data-testid=failing-blocking]")
        page.screenshot(path=str(screenshot_dir / "qa-run.png"), full_page=True)

        page.select_option("#chart-metric", "demo.measure.std")
        page.select_option("#chart-tag", "band")
        page.select_option("#chart-tag2", "")
        page.click("[data-testid=chart-form] button")
        page.wait_for_selector("[data-testid=breakdown][data-kind=box] svg.main-svg")
        assert page.locator(".console-chart").count() == 4  # one histogram, the breakdown, 2 resource charts
        page.screenshot(path=str(screenshot_dir / "qa-run-metric.png"), full_page=True)

        page.goto(f"{live_server.url}/qa/compare/?a={earlier.pk}&b={run.pk}")
        page.wait_for_selector("[data-testid=compare-table]")
        assert page.get_attribute("[data-metric='demo.measure.std']", "data-flagged") == "true"
        assert page.input_value("#id_tolerance") == "5"
        page.wait_for_selector("[data-chart=median-changes] svg.main-svg")
        page.screenshot(path=str(screenshot_dir / "qa-compare.png"), full_page=True)

        page.goto(f"{live_server.url}/qa/trend/?metric=demo.measure.std&by=release")
        page.wait_for_selector("[data-chart=trend] svg.main-svg")
        page.screenshot(path=str(screenshot_dir / "qa-trend.png"), full_page=True)

        page.goto(f"{live_server.url}/")
        page.wait_for_selector("[data-testid=failing-run]")
        page.wait_for_selector("[data-testid=regressions]")
        assert f"run #{run.pk}" in page.inner_text("[data-testid=card-qa-failing]")
        page.screenshot(path=str(screenshot_dir / "qa-dashboard.png"), full_page=True)

        page.goto(f"{live_server.url}{run.step.campaign.get_absolute_url()}")
        page.wait_for_selector("[data-testid=gate-step][data-state=failing]")
        assert "demo.measure.std median" in page.inner_text("[data-testid=gate-failing]")
        assert page.locator("[data-testid=accept-form]").count() == 0  # refused while it fails: not offered
        page.wait_for_selector("[data-testid=waiver-form]")
        page.click("[data-testid=waiver-form] summary")
        page.fill("[data-testid=waiver-form] textarea", "The noise comes from the new PSF model; accepted by the board")
        page.select_option("[data-testid=waiver-form] select", str(decision.pk))
        page.click("[data-testid=waiver-form] button")
        page.wait_for_selector("[data-testid=gate-step][data-state=waived]")
        page.click("[data-testid=accept-form] button")
        page.wait_for_selector("[data-testid=gate-step][data-state=accepted]")
        page.screenshot(path=str(screenshot_dir / "qa-campaign-gate.png"), full_page=True)

        assert page.console_errors == []
