"""Pre-flight checks: each refusal says what is wrong, and nothing is submitted."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Submission
from campaigns.preflight import preflight_problems
from campaigns.services import campaign_create, submission_request
from committee.models import ReleaseApproval
from console.errors import Conflict
from releases.choices import ReleaseStatus
from releases.models import Release
from releases.services import release_end_support, release_withdraw
from tests.releases.factories import SupportedReleaseFactory

pytestmark = pytest.mark.django_db


def messages(campaign, step=None) -> list[str]:
    return [problem.message for problem in preflight_problems(campaign, step or campaign.steps.first())]


def test_a_ready_campaign_has_no_problem(ready_campaign):
    assert messages(ready_campaign) == []


def test_it_refuses_a_release_not_approved_for_the_campaign(operator, ready_campaign):
    ReleaseApproval.objects.all().delete()

    with pytest.raises(Conflict, match="v23.0.0 is not approved for DP0.2 mini run"):
        submission_request(actor=operator, step=ready_campaign.steps.get(), idempotency_key="k")

    assert not Submission.objects.exists()


def test_approval_for_another_campaign_does_not_count(operator, ready_campaign, butler_repo):
    other = campaign_create(actor=operator, name="Other", butler_repo=str(butler_repo), release=ready_campaign.release)

    assert any("v23.0.0 is not approved for Other" in message for message in messages(other))


def test_it_names_a_campaign_without_release(operator, butler_repo):
    campaign = campaign_create(actor=operator, name="No release", butler_repo=str(butler_repo))

    assert "The campaign names no pipeline release." in messages(campaign)


def test_it_refuses_a_template_that_is_not_yaml(ready_campaign):
    ready_campaign.bps_template = "pipelineYaml: [unclosed"
    ready_campaign.save()

    assert any(message.startswith("The BPS template is not valid YAML") for message in messages(ready_campaign))


def test_it_names_the_missing_keys(ready_campaign):
    ready_campaign.bps_template = "computeSite: local\n"
    ready_campaign.pipeline = ""
    ready_campaign.save()

    assert "The BPS configuration lacks pipelineYaml." in messages(ready_campaign)


def test_overrides_that_are_not_a_mapping_are_named(ready_campaign):
    ready_campaign.bps_overrides = "- just\n- a list\n"
    ready_campaign.save()

    assert "The campaign's BPS overrides must be a YAML mapping (key: value lines), not list." in messages(
        ready_campaign
    )


def test_it_refuses_a_missing_butler_repository(ready_campaign, tmp_path):
    ready_campaign.butler_repo = str(tmp_path / "nowhere")
    ready_campaign.save()

    assert f"No Butler repository at {tmp_path / 'nowhere'} (no butler.yaml)." in messages(ready_campaign)


def test_a_step_waits_for_the_step_it_depends_on(operator, butler_repo):
    release = SupportedReleaseFactory(version="v24.0.0")
    campaign = campaign_create(
        actor=operator,
        name="Two steps",
        butler_repo=str(butler_repo),
        release=release,
        steps=[{"name": "step1"}, {"name": "step2", "depends_on": "step1"}],
    )

    assert "The step step1 it depends on is not complete." in messages(campaign, campaign.steps.get(name="step2"))
    assert "The step step1 it depends on is not complete." not in messages(campaign, campaign.steps.get(name="step1"))


def test_the_rendered_configuration_has_the_campaign_and_step_in_it(ready_campaign):
    import yaml

    from campaigns.preflight import render_config

    ready_campaign.bps_overrides = "finalJob:\n  requestCpus: 1\n"
    ready_campaign.save()
    config = yaml.safe_load(render_config(ready_campaign, ready_campaign.steps.get(), 7))

    assert config["payload"]["butlerConfig"] == ready_campaign.butler_repo
    assert config["payload"]["inCollection"] == "demo/raw"
    assert config["payload"]["dataQuery"] == "visit < 3"
    assert config["payload"]["outputRun"] == "u/operator/dp02/all/submission-7"
    assert config["finalJob"] == {"requestCpus": 1}
    assert config["computeSite"] == "local"


# A release that takes no new work (``Release.closed_reason``): withdrawn, ended, or past its last day of support.


def with_release_read_again(campaign):
    """The campaign as pre-flight reads it at submission time (its release as stored now)."""
    return type(campaign).objects.get(pk=campaign.pk)


def test_it_refuses_a_withdrawn_release_naming_it_and_the_date(operator, task_force_lead, ready_campaign):
    release_withdraw(actor=task_force_lead, release=ready_campaign.release)
    today = timezone.localdate()

    campaign = with_release_read_again(ready_campaign)
    with pytest.raises(Conflict, match=f"v23.0.0 is withdrawn since {today:%Y-%m-%d}; it takes no new submissions"):
        submission_request(actor=operator, step=campaign.steps.get(), idempotency_key="k")

    assert [p.check for p in preflight_problems(campaign, campaign.steps.get()) if "withdrawn" in p.message] == [
        "release"
    ]
    assert not Submission.objects.exists()


def test_it_refuses_a_release_whose_support_ended(operator, task_force_lead, ready_campaign):
    release_end_support(actor=task_force_lead, release=ready_campaign.release)
    today = timezone.localdate()

    campaign = with_release_read_again(ready_campaign)
    expected = f"v23.0.0 is end-of-support: its support ended on {today:%Y-%m-%d}; it takes no new submissions."
    assert expected in messages(campaign)
    with pytest.raises(Conflict, match="v23.0.0 is end-of-support"):
        submission_request(actor=operator, step=campaign.steps.get(), idempotency_key="k")
    assert not Submission.objects.exists()


def test_it_refuses_a_release_past_its_support_end_before_the_daily_task_moved_it(operator, ready_campaign):
    yesterday = timezone.localdate() - timedelta(days=1)
    Release.objects.filter(pk=ready_campaign.release_id).update(support_until=yesterday)

    campaign = with_release_read_again(ready_campaign)
    assert campaign.release.status == ReleaseStatus.SUPPORTED
    expected = f"v23.0.0 is supported but its support ended on {yesterday:%Y-%m-%d}; it takes no new submissions."
    assert expected in messages(campaign)
    with pytest.raises(Conflict, match="its support ended on"):
        submission_request(actor=operator, step=campaign.steps.get(), idempotency_key="k")
    assert not Submission.objects.exists()


def test_a_release_on_its_last_day_of_support_is_still_accepted(ready_campaign):
    Release.objects.filter(pk=ready_campaign.release_id).update(support_until=timezone.localdate())

    assert messages(with_release_read_again(ready_campaign)) == []
