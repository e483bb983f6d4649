"""The task force lead opens the milestone report in headless Chromium: the Gantt and the burndown draw."""

from datetime import date

import pytest
from django.utils import timezone

from milestones.models import Milestone
from milestones.services import milestone_import, milestone_update
from tests.console.factories import UserFactory
from tests.support.browser import chromium_page


@pytest.mark.browser
def test_the_lead_reads_the_report_with_its_charts(
    live_server, transactional_db, screenshot_dir, seed_text, monkeypatch
):
    # Long sections show their first rows; here 3, so that the seed's sections need "Show all".
    monkeypatch.setattr("milestones.views.SECTION_ROWS_SHOWN", 3)
    lead = UserFactory(username="lead", password="a-demo-password-1", roles=["task-force-lead"])
    milestone_import(actor=None, text=seed_text)
    milestone_update(
        actor=lead,
        milestone=Milestone.objects.get(jira_key="PREOPS-153"),
        due_date=date(2021, 9, 15),
        forecast_date=date(2021, 10, 1),
        note="BPS evaluation waits for the PanDA plugin",
    )

    with chromium_page() as page:
        page.set_viewport_size({"width": 1400, "height": 900})
        page.goto(f"{live_server.url}/login/?next=/milestones/%3Fas_of%3D2021-07-14")
        page.fill("#id_username", "lead")
        page.fill("#id_password", "a-demo-password-1")
        page.click("button[type=submit]")

        page.wait_for_selector("[data-testid=section-overdue]")
        assert page.title() == "Milestones as of 2021-07-14 · Campaign Console"
        # Plotly draws each chart as SVG inside its element once console.js has run.
        page.wait_for_selector("[data-testid=chart-milestone-gantt] svg.main-svg")
        page.wait_for_selector("[data-testid=chart-milestone-burndown] svg.main-svg")
        gantt = page.inner_text("[data-testid=chart-milestone-gantt]")
        assert "Science Users Middleware" in gantt and "PREOPS-154" in gantt
        assert "Burndown" in page.inner_text("[data-testid=chart-milestone-burndown]")
        overdue_rows = page.locator("[data-testid=section-overdue] tr[data-testid^=row-overdue-]")
        assert overdue_rows.count() == 3
        page.click("[data-testid=section-more-overdue] button")
        page.wait_for_selector("[data-testid=section-overdue]:not(:has([data-testid=section-more-overdue]))")
        assert overdue_rows.count() == 5
        # On 2021-07-14 the due date had not moved yet: the slip recorded today is not in that report.
        assert page.inner_text("[data-testid=section-slipped]").endswith("None.")
        page.screenshot(path=str(screenshot_dir / "milestone-report.png"), full_page=True)

        page.fill("#report-as-of", timezone.localdate().isoformat())
        page.click("[data-testid=report-filter] button")
        page.wait_for_selector("[data-testid=row-slipped-PREOPS-153]")
        assert "BPS evaluation waits for the PanDA plugin" in page.inner_text("[data-testid=section-slipped]")
        page.wait_for_selector("[data-testid=chart-milestone-gantt] svg.main-svg")
        page.screenshot(path=str(screenshot_dir / "milestone-report-today.png"), full_page=True)

        page.click("[data-testid=row-slipped-PREOPS-153] a")
        page.wait_for_selector("[data-testid=milestone-history]")
        assert "slip +46 d" in page.inner_text("[data-testid=milestone-history]")
        page.screenshot(path=str(screenshot_dir / "milestone-detail.png"), full_page=True)

        page.goto(f"{live_server.url}/")
        page.wait_for_selector("[data-testid=milestone-card-lists]")
        assert "Nothing is due within 30 days." in page.inner_text("[data-testid=card-milestones]")
        page.locator("[data-testid=card-milestones]").screenshot(path=str(screenshot_dir / "milestone-card.png"))
        assert page.console_errors == []
