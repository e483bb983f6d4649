"""The campaign page's actions card follows the campaign while the submissions panel polls: when a run ends (the
campaign completes, Pause goes, Archive becomes possible) the polled fragment swaps the card out of band; while
nothing it offers changed, the card is left alone, and with it what someone typed into it."""

from html import unescape
from urllib.parse import unquote

import pytest
from django.urls import reverse

from campaigns.choices import CampaignStatus, SubmissionStatus
from tests.campaigns.factories import StepFactory, SubmissionFactory, SubmittableCampaignFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def running():
    campaign = SubmittableCampaignFactory(name="DC2 RC6", status=CampaignStatus.RUNNING)
    return SubmissionFactory(step=StepFactory(campaign=campaign, name="step1"), status=SubmissionStatus.RUNNING)


def text(response) -> str:
    return unescape(response.content.decode())


def polled_url(page: str) -> str:
    """The URL the page's submissions panel polls, with the actions state it was drawn with."""
    return unquote(page.split('id="submissions-panel"', 1)[1].split('hx-get="', 1)[1].split('"', 1)[0])


def actions_card(html: str) -> str:
    return html.split('<div id="campaign-actions"', 1)[1].split('<div id="', 1)[0]


def test_the_refresh_swaps_the_actions_card_when_the_run_ended(client_for, operator, running):
    client = client_for(operator)
    page = text(client.get(reverse("campaigns:campaign-detail", kwargs={"pk": running.step.campaign.pk})))
    card = actions_card(page)
    assert 'data-testid="pause-form"' in card and 'data-testid="archive-refusal"' in card
    url = polled_url(page)
    assert url.endswith(f"?actions=running.0.{running.pk}")

    running.status = SubmissionStatus.SUCCEEDED
    running.save()
    running.step.campaign.status = CampaignStatus.COMPLETED
    running.step.campaign.save()
    fragment = text(client.get(url, **HTMX))

    assert '<div id="campaign-actions" hx-swap-oob="true">' in fragment
    card = actions_card(fragment)
    assert 'data-testid="pause-form"' not in card and 'data-testid="archive-refusal"' not in card
    assert 'data-testid="archive-form"' in card and 'name="csrfmiddlewaretoken"' in card
    # The run ended: the panel stops polling, and its last fragment brought the whole page's state.
    assert "hx-trigger" not in fragment.split("</section>", 1)[0].split(">", 1)[0]


def test_the_refresh_leaves_the_actions_card_alone_while_what_it_offers_is_unchanged(client_for, operator, running):
    client = client_for(operator)
    page = text(client.get(reverse("campaigns:campaign-detail", kwargs={"pk": running.step.campaign.pk})))

    fragment = text(client.get(polled_url(page), **HTMX))

    assert 'id="campaign-actions"' not in fragment
    assert polled_url(fragment) == polled_url(page)


def test_a_viewers_refresh_swaps_in_an_empty_actions_slot(client_for, viewer, running):
    url = reverse("campaigns:campaign-submissions", kwargs={"pk": running.step.campaign.pk})

    fragment = text(client_for(viewer).get(url, **HTMX))

    assert '<div id="campaign-actions" hx-swap-oob="true">' in fragment
    assert 'data-testid="campaign-actions"' not in fragment
