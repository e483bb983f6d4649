"""In headless Chromium (issue 16): a filter's multiple choice is a Tom Select box served by the console, a long
text counts its characters under it (also in content htmx swaps in), a box with a format says what is expected
when the value does not match, and a long proposal is collapsed after about a screen until "Show all"."""

import pytest

from tests.committee.factories import DecisionFactory, PolicyCommitteeFactory
from tests.committee.helpers import holders, open_decision
from tests.console.factories import UserFactory
from tests.support.browser import chromium_page, sign_in

PASSWORD = "a-browser-password-1"


@pytest.fixture
def lead(live_server, transactional_db):
    return UserFactory(username="lead", password=PASSWORD, roles=["task-force-lead"])


@pytest.mark.browser
def test_the_decision_filter_chooses_statuses_in_a_tom_select_box(live_server, lead, screenshot_dir):
    DecisionFactory(title="Still open", status="open")
    DecisionFactory(title="Long rejected", status="rejected")
    with chromium_page() as page:
        sign_in(page, live_server.url, "lead", PASSWORD, "/committee/")
        page.wait_for_selector("#filter-status.tomselected")
        assert page.locator("[data-testid=decision-filter] .ts-wrapper").count() == 2  # kind and status

        page.click("#filter-status-ts-control")
        page.click(".ts-dropdown .option:has-text('Rejected')")
        # Tom Select ticks the option's checkbox once it has drawn the choice.
        page.wait_for_selector(".ts-dropdown .option:has-text('Rejected') input[type=checkbox]:checked")
        page.keyboard.press("Escape")
        with page.expect_navigation():
            page.click("[data-testid=decision-filter] button:has-text('Filter')")

        assert "status=rejected" in page.url
        table = page.inner_text("[data-testid=all-decisions] table")
        assert "Long rejected" in table and "Still open" not in table
        # The choice is shown as a chip, with a button to remove it.
        assert page.inner_text("[data-testid=decision-filter] .ts-wrapper .item").startswith("Rejected")
        assert page.locator("[data-testid=decision-filter] .item .remove").count() == 1
        page.screenshot(path=str(screenshot_dir / "filter-tom-select.png"), full_page=True)
        assert page.console_errors == []


@pytest.mark.browser
def test_a_release_box_says_what_is_expected_when_the_value_does_not_match(live_server, lead):
    with chromium_page() as page:
        sign_in(page, live_server.url, "lead", PASSWORD, "/committee/")
        page.fill("#filter-release", "23")
        # Chromium's bubble shows the title under its "Please match the requested format."
        mismatch, title = page.eval_on_selector("#filter-release", "box => [box.validity.patternMismatch, box.title]")
        assert mismatch
        assert title == "A release version, e.g. v23.0.1 or w.2021.28"
        assert not page.eval_on_selector("[data-testid=decision-filter]", "form => form.checkValidity()")
        page.fill("#filter-release", "v23.0.1")
        assert page.eval_on_selector("#filter-release", "box => box.validity.valid")


@pytest.mark.browser
def test_a_long_text_counts_its_characters_as_they_are_typed(live_server, lead):
    PolicyCommitteeFactory()
    with chromium_page() as page:
        sign_in(page, live_server.url, "lead", PASSWORD, "/committee/new/")
        counter = "[data-testid=field-proposal] + [data-testid=char-counter]"
        assert page.inner_text(counter) == "0 / 20,000 characters"
        page.fill("[data-testid=field-proposal]", "Run faro\nat the IDF.")
        assert page.inner_text(counter) == "20 / 20,000 characters"
        assert page.console_errors == []


@pytest.mark.browser
def test_the_vote_comment_keeps_its_counter_when_the_votes_are_drawn_again(live_server, transactional_db):
    policy = PolicyCommitteeFactory()
    decision = open_decision(policy)
    member = holders(policy)[1]
    member.set_password(PASSWORD)
    member.save()
    with chromium_page() as page:
        sign_in(page, live_server.url, member.username, PASSWORD, decision.get_absolute_url())
        assert page.inner_text("#vote-comment + [data-testid=char-counter]") == "0 / 2,000 characters"
        page.fill("[data-testid=vote-comment]", "Fine by me.")
        page.click("[data-testid=vote-approve]")
        page.wait_for_selector("[data-testid=votes-panel] [data-testid=current-vote]")
        # The panel htmx drew again has its counter too.
        page.wait_for_selector("#vote-comment + [data-testid=char-counter]")
        assert page.locator("[data-testid=char-counter]").count() == 1
        assert page.console_errors == []


@pytest.mark.browser
def test_a_long_proposal_is_collapsed_until_show_all(live_server, lead, screenshot_dir):
    proposal = "\n\n".join(f"Paragraph {number}: the pipeline runs faro after each step." for number in range(120))
    decision = DecisionFactory(title="A long proposal", proposal=proposal)
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 800})
        sign_in(page, live_server.url, "lead", PASSWORD, decision.get_absolute_url())
        text = page.locator("[data-testid=proposal-text]")
        toggle = page.locator("[data-testid=long-text-toggle]")
        toggle.wait_for()
        assert "is-collapsed" in text.get_attribute("class")
        assert text.bounding_box()["height"] < 800
        # The votes are within reach, not after 120 paragraphs.
        assert page.locator("[data-testid=votes-panel]").bounding_box()["y"] < 1200
        page.screenshot(path=str(screenshot_dir / "long-proposal-390.png"))

        toggle.click()
        assert "is-collapsed" not in text.get_attribute("class")
        assert toggle.inner_text() == "Show less"
        assert toggle.get_attribute("aria-expanded") == "true"
        assert text.bounding_box()["height"] > 2000
        assert page.console_errors == []


@pytest.mark.browser
def test_a_short_proposal_is_not_collapsed(live_server, lead):
    decision = DecisionFactory(title="A short proposal", proposal="Run faro at the IDF.")
    with chromium_page() as page:
        sign_in(page, live_server.url, "lead", PASSWORD, decision.get_absolute_url())
        page.wait_for_selector("[data-testid=proposal-text][data-long-text-ready]")
        assert page.locator("[data-testid=long-text-toggle]").count() == 0
        assert "is-collapsed" not in page.get_attribute("[data-testid=proposal-text]", "class")
