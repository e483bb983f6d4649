"""Two campaign definitions side by side, the differing fields marked."""

from html import unescape

import pytest
from django.urls import reverse

from tests.campaigns.factories import CampaignFactory, StepFactory

pytestmark = pytest.mark.django_db

DIFF_URL = reverse("campaigns:campaign-diff")


def text(response) -> str:
    return unescape(response.content.decode())


def row(page: str, field: str) -> str:
    return page.split(f'data-testid="diff-row-{field}"')[1].split("</tr>")[0]


def test_the_diff_marks_the_fields_and_steps_that_differ(client_for, viewer):
    left = CampaignFactory(name="DC2 RC6", pipeline="DRP.yaml", data_query="tract=3828", input_collections=["a", "b"])
    right = CampaignFactory(name="DC2 RC7", pipeline="DRP.yaml", data_query="tract=3829", input_collections=["a", "b"])
    first = StepFactory(campaign=left, name="step1", pipeline_subset="#step1")
    StepFactory(campaign=left, name="step2", depends_on=first)
    StepFactory(campaign=right, name="step1", pipeline_subset="#step1")

    response = client_for(viewer).get(DIFF_URL, {"left": left.pk, "right": right.pk})

    assert response.status_code == 200
    page = text(response)
    assert 'data-differs="true" class="table-warning"' in row(page, "data_query")
    assert "tract=3828" in row(page, "data_query") and "tract=3829" in row(page, "data_query")
    assert 'data-differs="false"' in row(page, "pipeline")
    assert 'data-differs="false"' in row(page, "input_collections")
    assert "a\nb" in row(page, "input_collections")
    assert 'data-differs="true"' in row(page, "steps")
    assert "step1 #step1\nstep2 (after step1)</pre>" in row(page, "steps")
    assert {r["field"] for r in response.context["rows"] if r["differs"]} == {"data_query", "steps"}


def test_the_page_offers_both_selects_and_keeps_a_left_campaign_given_alone(client_for, viewer):
    left = CampaignFactory(name="DC2 RC6")
    CampaignFactory(name="DC2 RC7")

    response = client_for(viewer).get(DIFF_URL, {"left": left.pk})

    page = text(response)
    assert response.context["rows"] is None
    assert f'<option value="{left.pk}" selected>DC2 RC6</option>' in page
    assert 'name="right"' in page
    assert 'data-testid="diff-errors"' not in page


def test_an_unknown_campaign_is_reported(client_for, viewer):
    left = CampaignFactory(name="DC2 RC6")

    response = client_for(viewer).get(DIFF_URL, {"left": left.pk, "right": 999})

    assert response.status_code == 200
    assert "Select a valid choice." in text(response)
    assert response.context["rows"] is None
