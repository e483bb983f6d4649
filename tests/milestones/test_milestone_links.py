"""A milestone links to the campaigns, decisions and releases it concerns; the lead links and unlinks them."""

import pytest
from django.urls import reverse

from console.errors import Conflict
from milestones.models import Milestone
from milestones.services import milestone_link
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import DecisionFactory
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def milestone(db):
    return Milestone.objects.create(jira_key="PREOPS-145", title="Pipeline release for DP0.2")


def test_the_lead_links_and_unlinks_work_on_the_milestone_page(milestone, client_for, task_force_lead):
    campaign, decision, release = CampaignFactory(name="DP0.2"), DecisionFactory(title="Use v23"), ReleaseFactory()
    client = client_for(task_force_lead)
    link = reverse("milestones:milestone-link", args=["PREOPS-145"])

    for data in ({"campaign": campaign.pk}, {"decision": decision.pk}, {"release": release.pk}):
        assert client.post(link, data).status_code == 302

    page = client.get(milestone.get_absolute_url()).content.decode()
    assert "DP0.2" in page and "Use v23" in page and release.version in page
    assert (list(milestone.campaigns.all()), list(milestone.decisions.all()), list(milestone.releases.all())) == (
        [campaign],
        [decision],
        [release],
    )
    client.post(reverse("milestones:milestone-unlink", args=["PREOPS-145"]), {"campaign": campaign.pk})
    assert not milestone.campaigns.exists()


def test_a_link_names_exactly_one_thing(milestone, client_for, task_force_lead):
    response = client_for(task_force_lead).post(
        reverse("milestones:milestone-link", args=["PREOPS-145"]),
        {"campaign": CampaignFactory().pk, "release": ReleaseFactory().pk},
        follow=True,
    )

    assert "Choose one campaign, decision or release." in response.content.decode()


def test_linking_twice_is_refused(milestone, task_force_lead):
    release = ReleaseFactory()
    milestone_link(actor=task_force_lead, milestone=milestone, to=release)

    with pytest.raises(Conflict, match="is linked to"):
        milestone_link(actor=task_force_lead, milestone=milestone, to=release)


def test_others_cannot_link(milestone, client_for, operator):
    response = client_for(operator).post(
        reverse("milestones:milestone-link", args=["PREOPS-145"]), {"release": ReleaseFactory().pk}
    )

    assert response.status_code == 403
    assert not milestone.releases.exists()


def test_a_bad_report_date_is_said_and_today_is_shown(client_for, viewer):
    response = client_for(viewer).get(reverse("milestones:report"), {"as_of": "July"})

    assert response.status_code == 200
    assert "As of 'July': Enter a valid date." in response.content.decode().replace("&#x27;", "'")
