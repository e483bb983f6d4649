"""A campaign's BPS template and overrides are YAML typed in by a person: bounded in depth and in what aliases
expand to (issue 13). PyYAML's composer recurses once per level, so a few thousand nested brackets were a
``RecursionError``: a 500 for the form and, once stored through the API (which did not check the YAML), for
every page and pre-flight that rendered the campaign's configuration.
"""

import json

import pytest
from django.urls import reverse

from campaigns.bps_config import ConfigError, parse_yaml_mapping
from campaigns.models import Campaign
from console.bounded import MAX_DEPTH, MAX_YAML_NODES
from tests.campaigns.factories import CampaignFactory, StepFactory

pytestmark = pytest.mark.django_db

DEEP = "payload: " + "[" * 5000 + "]" * 5000
# Nine levels of ten aliases each: a billion values once expanded, in under 300 bytes.
LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{level}: &{level} [{', '.join([f'*{below}'] * 10)}]\n"
    for below, level in zip("abcdefgh", "bcdefghi", strict=True)
)


def campaign_body(**fields) -> str:
    return json.dumps(
        {
            "name": "Deep",
            "butler_repo": "/repo",
            "input_collections": ["in"],
            "output_prefix": "u/op",
            "pipeline": "p.yaml",
            "release": None,
            **fields,
        }
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (DEEP, f"nests deeper than {MAX_DEPTH} levels"),
        (LAUGHS, f"expands to more than {MAX_YAML_NODES:,} values"),
        ("a: &a [*a]", "uses an alias inside its own anchor"),
    ],
    ids=["deep", "billion-laughs", "recursive"],
)
def test_yaml_past_the_bounds_is_a_config_error_naming_the_bound(text, problem):
    with pytest.raises(ConfigError, match=problem):
        parse_yaml_mapping(text, "campaign's BPS overrides")


def test_yaml_with_a_few_aliases_is_read():
    assert parse_yaml_mapping("base: &b {a: 1}\nstep: *b\n", "BPS template") == {"base": {"a": 1}, "step": {"a": 1}}


@pytest.mark.parametrize("field", ["bps_template", "bps_overrides"])
def test_the_api_refuses_yaml_past_the_bounds_naming_the_field(client_for, operator, field):
    response = client_for(operator).post(
        reverse("api:campaign-list"), campaign_body(**{field: DEEP}), content_type="application/json"
    )

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert f"nests deeper than {MAX_DEPTH} levels" in response.json()[field][0]
    assert not Campaign.objects.exists()


def test_the_api_refuses_overrides_that_are_not_a_mapping(client_for, operator):
    response = client_for(operator).post(
        reverse("api:campaign-list"), campaign_body(bps_overrides="- a list"), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"bps_overrides": ["The overrides must be a YAML mapping (key: value lines), not list."]}


def test_the_page_refuses_yaml_past_the_bounds_in_the_form(client_for, operator):
    response = client_for(operator).post(
        reverse("campaigns:campaign-create"),
        {"name": "Deep", "workflow_system": "parsl", "steps": "all", "bps_overrides": DEEP},
    )

    assert response.status_code == 200
    assert f"nests deeper than {MAX_DEPTH} levels" in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_campaign_stored_with_deep_yaml_still_shows_its_page_and_preflight(client_for, viewer):
    campaign = CampaignFactory(bps_overrides=DEEP)
    StepFactory(campaign=campaign, name="isr")

    page = client_for(viewer).get(reverse("campaigns:campaign-detail", kwargs={"pk": campaign.pk}))
    preflight = client_for(viewer).get(reverse("api:campaign-preflight", kwargs={"pk": campaign.pk}))

    assert page.status_code == 200
    assert preflight.status_code == 200
    assert [step["step"] for step in preflight.json()] == ["isr"]
    assert f"nests deeper than {MAX_DEPTH} levels" in preflight.json()[0]["config"]
