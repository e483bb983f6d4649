"""A waiver cites a decision in effect (endorsed) about campaign policy or QA that names the campaign or its release."""

from html import unescape

import pytest
from django.urls import reverse

from console.errors import Conflict
from qa.models import Waiver
from qa.selectors import decisions_allowing_waivers
from qa.services import waiver_grant
from releases.models import Release
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import DecisionFactory
from tests.qa.factories import MetricFactory, SpecificationFactory, measure, succeeded_run

pytestmark = pytest.mark.django_db

QUALIFY = "a waiver cites an endorsed campaign-policy or qa-tooling decision that names the campaign"


@pytest.fixture
def release():
    return Release.objects.create(version="v23.0.0")


@pytest.fixture
def failing_run(release):
    run = succeeded_run(CampaignFactory(name="DC2 RC6", release=release))
    metric = MetricFactory(name="demo.astrometric_residual", unit="mas")
    measure(run, metric, [12.0, 14.0, 13.0])
    SpecificationFactory(metric=metric, level="minimum", operator="<", threshold=10, blocking=True)
    return run


def grant(run, decision, actor):
    return waiver_grant(actor=actor, step=run.step, reason="Known reference-catalog gap", decision=decision)


@pytest.mark.parametrize("kind", ["campaign-policy", "qa-tooling"])
def test_an_approved_qa_or_campaign_policy_decision_naming_the_campaign_allows_a_waiver(
    task_force_lead, failing_run, kind
):
    decision = DecisionFactory(kind=kind, status="endorsed", campaigns=[failing_run.step.campaign])

    waiver = grant(failing_run, decision, task_force_lead)

    assert (waiver.decision, waiver.submission) == (decision, failing_run)


def test_a_decision_naming_the_campaigns_release_allows_a_waiver(task_force_lead, failing_run, release):
    decision = DecisionFactory(kind="qa-tooling", status="endorsed", release=release)

    assert grant(failing_run, decision, task_force_lead).decision == decision


@pytest.mark.parametrize("kind", ["operational", "pipeline-version", "backport"])
def test_a_decision_of_another_kind_is_refused_with_the_decisions_that_qualify(
    task_force_lead, failing_run, release, kind
):
    decision = DecisionFactory(kind=kind, status="endorsed", release=release, campaigns=[failing_run.step.campaign])

    with pytest.raises(Conflict) as refused:
        grant(failing_run, decision, task_force_lead)

    assert f"Decision #{decision.pk} does not allow a waiver for the campaign DC2 RC6" in str(refused.value)
    assert QUALIFY in str(refused.value).lower()
    assert "or its release v23.0.0" in str(refused.value)
    assert not Waiver.objects.exists()


def test_a_decision_about_another_campaign_or_release_is_refused(task_force_lead, failing_run):
    other = CampaignFactory(name="DC2 RC7", release=Release.objects.create(version="v24.0.0"))
    about_other_campaign = DecisionFactory(kind="campaign-policy", status="endorsed", campaigns=[other])
    about_other_release = DecisionFactory(kind="qa-tooling", status="endorsed", release=other.release)
    about_nothing = DecisionFactory(kind="qa-tooling", status="endorsed")

    for decision in (about_other_campaign, about_other_release, about_nothing):
        with pytest.raises(Conflict, match="does not allow a waiver for the campaign DC2 RC6"):
            grant(failing_run, decision, task_force_lead)

    assert not Waiver.objects.exists()


def test_a_refused_or_open_qualifying_decision_is_still_refused(task_force_lead, failing_run):
    campaign = failing_run.step.campaign
    for status in ("open", "approved", "rejected", "endorsement-refused"):
        decision = DecisionFactory(kind="qa-tooling", status=status, campaigns=[campaign])
        with pytest.raises(Conflict, match=rf"is {status}; only a decision in effect \(approved and endorsed\) allows"):
            grant(failing_run, decision, task_force_lead)


def test_the_selector_offers_only_the_qualifying_decisions_newest_first(failing_run, release):
    campaign = failing_run.step.campaign
    named = DecisionFactory(kind="campaign-policy", status="endorsed", campaigns=[campaign])
    by_release = DecisionFactory(kind="qa-tooling", status="endorsed", release=release, campaigns=[campaign])
    DecisionFactory(kind="operational", status="endorsed", campaigns=[campaign])
    DecisionFactory(kind="qa-tooling", status="open", campaigns=[campaign])
    DecisionFactory(kind="qa-tooling", status="endorsed")

    assert list(decisions_allowing_waivers(campaign)) == [by_release, named]


# The page and the API ---------------------------------------------------------------------------------


def test_the_waiver_form_offers_only_the_qualifying_decisions(client_for, task_force_lead, failing_run):
    campaign = failing_run.step.campaign
    qualifying = DecisionFactory(kind="qa-tooling", status="endorsed", title="Waive astrometry", campaigns=[campaign])
    operational = DecisionFactory(kind="operational", status="endorsed", title="Move the meeting", campaigns=[campaign])
    elsewhere = DecisionFactory(kind="qa-tooling", status="endorsed", title="Another campaign's QA")

    html = unescape(client_for(task_force_lead).get(reverse("qa:campaign-gate", args=[campaign.pk])).content.decode())

    form = html.split('data-testid="waiver-form"')[1].split("</details>")[0]
    assert f'<option value="{qualifying.pk}">' in form
    assert f'value="{operational.pk}"' not in form and f'value="{elsewhere.pk}"' not in form
    assert (
        "A waiver cites an endorsed campaign-policy or QA-tooling decision (approved by the policy committee and "
        "endorsed by the leadership team) that names this campaign"
    ) in form


def test_the_page_refuses_an_unqualified_decision_with_a_message(client_for, task_force_lead, failing_run):
    step = failing_run.step
    decision = DecisionFactory(kind="operational", status="endorsed", campaigns=[step.campaign])

    response = client_for(task_force_lead).post(
        reverse("qa:waiver-grant", args=[step.pk]), {"reason": "Known gap", "decision": decision.pk}, follow=True
    )

    assert response.redirect_chain[-1][0] == f"{step.campaign.get_absolute_url()}#qa-gate"
    assert QUALIFY in unescape(response.content.decode()).lower()
    assert not Waiver.objects.exists()


def test_the_api_refuses_an_unqualified_decision_with_409(client_for, task_force_lead, failing_run):
    step = failing_run.step
    decision = DecisionFactory(kind="qa-tooling", status="endorsed")

    response = client_for(task_force_lead).post(
        reverse("api:step-waivers", kwargs={"pk": step.pk}),
        {"reason": "Known gap", "decision": decision.pk},
        content_type="application/json",
    )

    assert response.status_code == 409
    assert QUALIFY in response.json()["detail"].lower()
    assert not Waiver.objects.exists()
