"""A person signs in through the login page in headless Chromium and sees the dashboard."""

import pytest

from milestones.models import Milestone
from tests.console.factories import UserFactory
from tests.support.browser import chromium_page


@pytest.mark.browser
def test_a_demo_user_signs_in_and_sees_the_dashboard(live_server, transactional_db, screenshot_dir):
    UserFactory(username="operator", password="a-demo-password-1", roles=["operator"])
    Milestone.objects.create(jira_key="PREOPS-154", title="PanDA based workflow system in place", due_date="2021-03-31")

    with chromium_page() as page:
        page.goto(f"{live_server.url}/")
        assert page.url.startswith(f"{live_server.url}/login/?next=/")
        page.fill("#id_username", "operator")
        page.fill("#id_password", "a-demo-password-1")
        page.click("button[type=submit]")

        page.wait_for_selector("[data-testid=dashboard-cards]")
        assert page.title() == "Dashboard · Campaign Console"
        assert page.inner_text("[data-testid=current-user]") == "operator"
        assert "PREOPS-154" in page.inner_text("[data-testid=card-milestones]")
        # The service card is loaded by htmx after the page: the script and the endpoint work.
        page.wait_for_selector("[data-testid=service-status]")
        assert "Database" in page.inner_text("[data-testid=service-status]")
        # Bootstrap's stylesheet is served by the console itself.
        assert page.eval_on_selector("nav.navbar", "el => getComputedStyle(el).display") == "flex"
        page.screenshot(path=str(screenshot_dir / "dashboard.png"), full_page=True)
        assert page.console_errors == []
