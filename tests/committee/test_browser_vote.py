"""A seat holder approves a decision in headless Chromium; the votes panel updates without a page reload."""

import pytest

from tests.committee.factories import DecisionFactory, PolicyCommitteeFactory
from tests.console.factories import UserFactory
from tests.support.browser import chromium_page


@pytest.mark.browser
def test_a_seat_holder_approves_and_the_panel_updates_in_place(live_server, transactional_db, screenshot_dir):
    policy = PolicyCommitteeFactory()
    seat = policy.seats.get(area="Middleware")
    seat.holder = UserFactory(username="member", password="a-demo-password-1", roles=["committee-member"])
    seat.save()
    decision = DecisionFactory(
        committee=policy,
        title="Run faro on every step-3 output",
        proposal="Run the QA tooling at the USDF.\n\nIt costs 2% more core-hours.",
    )

    with chromium_page() as page:
        page.goto(f"{live_server.url}/login/?next={decision.get_absolute_url()}")
        page.fill("#id_username", "member")
        page.fill("#id_password", "a-demo-password-1")
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=vote-form]")
        # A marker on the document survives an htmx swap but not a page load.
        page.evaluate("window.notReloaded = true")

        page.fill("[data-testid=vote-comment]", "Worth the core-hours")
        page.click("[data-testid=vote-approve]")
        page.wait_for_selector(f"[data-testid=seat-row-{seat.pk}] [data-testid=current-vote]")

        row = page.inner_text(f"[data-testid=seat-row-{seat.pk}]")
        assert "Approve" in row
        assert "Worth the core-hours" in row
        assert "1 approve" in page.inner_text("[data-testid=votes-tally]")
        assert page.evaluate("window.notReloaded") is True
        page.screenshot(path=str(screenshot_dir / "decision-vote.png"), full_page=True)
        assert page.console_errors == []
    assert decision.votes.get().comment == "Worth the core-hours"
