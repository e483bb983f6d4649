"""In headless Chromium: a form too large to send is stopped before it is sent, with a message next to the field
and what was typed still there; the 405 and 413 pages are the console's, with the navigation and a way back."""

import pytest

from campaigns.models import Campaign
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import PolicyCommitteeFactory
from tests.console.factories import UserFactory
from tests.support.browser import chromium_page, sign_in

PASSWORD = "a-browser-password-1"
LIMIT = 4096


@pytest.fixture
def lead(live_server, transactional_db, settings):
    settings.UPLOAD_MAX_BYTES = LIMIT
    PolicyCommitteeFactory()
    return UserFactory(username="lead", password=PASSWORD, roles=["task-force-lead"])


@pytest.mark.browser
def test_a_file_too_large_is_refused_when_chosen_and_not_sent(live_server, lead, screenshot_dir):
    with chromium_page() as page:
        sign_in(page, live_server.url, "lead", PASSWORD, "/milestones/import/")
        requests = []
        page.on("request", lambda request: request.method == "POST" and requests.append(request.url))

        page.set_input_files(
            "[data-testid=import-form] input[type=file]",
            {"name": "milestones.csv", "mimeType": "text/csv", "buffer": b"m,jira_id\n" + b"x" * 10_000},
        )
        feedback = page.wait_for_selector("[data-testid=body-limit-feedback]")
        assert "the console takes at most 4 KiB" in feedback.inner_text()
        assert "Choose a smaller file" in feedback.inner_text()
        page.click("[data-testid=import-form] button")

        assert page.url == f"{live_server.url}/milestones/import/"
        assert requests == []
        page.screenshot(path=str(screenshot_dir / "body-limit-file.png"), full_page=True)
        assert page.console_errors == []


@pytest.mark.browser
def test_a_long_text_is_stopped_before_it_is_sent_and_kept(live_server, lead):
    proposal = "A long proposal. " * 400
    with chromium_page() as page:
        sign_in(page, live_server.url, "lead", PASSWORD, "/committee/new/")
        requests = []
        page.on("request", lambda request: request.method == "POST" and requests.append(request.url))

        page.fill("[name=title]", "A long one")
        page.fill("[name=proposal]", proposal)
        page.click("[data-testid=decision-create-form] button[type=submit]")

        feedback = page.wait_for_selector("[data-testid=body-limit-feedback]")
        assert "Shorten the text" in feedback.inner_text()
        assert requests == []
        assert page.input_value("[name=proposal]") == proposal
        assert "is-invalid" in page.get_attribute("[name=proposal]", "class")

        # Shortened, the message goes away as the text is edited.
        page.fill("[name=proposal]", "Short.")
        assert page.query_selector("[data-testid=body-limit-feedback]") is None


@pytest.mark.browser
def test_a_form_the_browser_did_not_stop_gets_the_413_page_and_back_keeps_the_text(live_server, lead):
    proposal = "Typed with care. " * 400
    with chromium_page() as page:
        sign_in(page, live_server.url, "lead", PASSWORD, "/committee/new/")
        page.fill("[name=title]", "Too long")
        page.fill("[name=proposal]", proposal)
        # As from a page loaded before the check existed.
        page.eval_on_selector("[data-testid=decision-create-form]", "form => form.removeAttribute('data-max-bytes')")
        with page.expect_navigation():
            page.click("[data-testid=decision-create-form] button[type=submit]")

        assert "Too large to send" in page.inner_text("h1")
        assert "the console takes at most 4 KiB" in page.inner_text("[data-testid=size-limit]")
        assert page.query_selector("[data-testid=current-user]")
        with page.expect_navigation():
            page.click("[data-testid=back-link]")
        assert page.url == f"{live_server.url}/committee/new/"
        assert page.input_value("[name=proposal]") == proposal


@pytest.mark.browser
def test_an_action_address_opened_in_the_browser_is_the_405_page(live_server, lead, screenshot_dir):
    campaign = CampaignFactory()
    with chromium_page() as page:
        sign_in(page, live_server.url, "lead", PASSWORD)
        response = page.goto(f"{live_server.url}/campaigns/{campaign.pk}/pause/")

        assert response.status == 405
        assert "This address performs an action" in page.inner_text("h1")
        assert page.query_selector("[data-testid=current-user]")
        page.screenshot(path=str(screenshot_dir / "405.png"), full_page=True)
        with page.expect_navigation():
            page.click("[data-testid=action-page-link]")
        assert page.url == f"{live_server.url}/campaigns/{campaign.pk}/"
        assert Campaign.objects.get(pk=campaign.pk).status == campaign.status
