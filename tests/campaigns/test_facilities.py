"""The facilities in the console itself: the facilities page and API, a campaign's compute site on its page, and
choosing the site when a campaign is defined or cloned (pages and API)."""

from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.choices import SubmissionStatus
from campaigns.models import Campaign, ComputeSite, Facility, SubmitHost
from campaigns.selectors import campaign_diff
from campaigns.services import campaign_create
from console.errors import InvalidInput
from tests.campaigns.factories import CampaignFactory, StepFactory, SubmissionFactory, SubmittableCampaignFactory
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db

FACILITIES_URL = reverse("campaigns:facility-list")
API_FACILITIES_URL = "/api/v1/facilities/"


def text(response) -> str:
    return unescape(response.content.decode())


def make_facility(slug: str, *, hosts: int = 1, sites: int = 1, seen_seconds_ago: int | None = 5) -> Facility:
    """A facility with ``hosts`` submit hosts (their workers seen that long ago, or never) and ``sites`` Slurm sites
    on its first host."""
    facility = Facility.objects.create(name=slug.upper(), slug=slug, description=f"The {slug} data facility.")
    seen_at = None if seen_seconds_ago is None else timezone.now() - timedelta(seconds=seen_seconds_ago)
    submit_hosts = [
        SubmitHost.objects.create(
            facility=facility,
            hostname=f"{slug}-submit-{number}",
            queue=f"submit.{slug}.{number}",
            address=f"10.0.0.{number}",
            worker_seen_at=seen_at,
            worker_name=f"celery@{slug}-submit-{number}" if seen_at else "",
        )
        for number in range(1, hosts + 1)
    ]
    for number in range(1, sites + 1):
        ComputeSite.objects.create(
            facility=facility,
            name=f"{slug}-slurm-{number}",
            kind="slurm",
            submit_host=submit_hosts[0],
            partition="lsst",
            nodes=2,
            cores_per_node=16,
            walltime="04:00:00",
            account="rubin",
            memory_per_node_gb=64,
        )
    return facility


@pytest.fixture
def in2p3() -> ComputeSite:
    return make_facility("in2p3").sites.get()


@pytest.fixture
def usdf() -> ComputeSite:
    return make_facility("usdf").sites.get()


# The facilities page -------------------------------------------------------------------------------------------


def test_the_page_shows_each_facilitys_hosts_with_their_workers_and_submissions_and_its_sites(client_for, viewer):
    seen = make_facility("in2p3", hosts=2)
    make_facility("usdf", seen_seconds_ago=3600)
    make_facility("idf", seen_seconds_ago=None, sites=0)
    host = seen.submit_hosts.get(hostname="in2p3-submit-1")
    site = seen.sites.get()
    step = StepFactory(campaign=CampaignFactory(name="DP0.2 at IN2P3", compute_site=site))
    for status in ("running", "submitting", "pending", "succeeded"):
        SubmissionFactory(step=StepFactory(campaign=step.campaign), status=status, submit_host=host)

    response = client_for(viewer).get(FACILITIES_URL)

    assert response.status_code == 200
    page = text(response)
    assert page.count('data-testid="facility"') == 3
    assert "The in2p3 data facility." in page
    assert "submit.in2p3.1" in page and "10.0.0.1" in page
    assert "seen 5 s ago by celery@in2p3-submit-1" in page or "seen 6 s ago by celery@in2p3-submit-1" in page
    assert 'data-testid="worker-away"' in page and "away since" in page
    assert "last seen 3600 s ago by celery@usdf-submit-1" in page or "last seen 3601 s ago" in page
    assert 'data-testid="worker-never-seen"' in page and "never seen" in page
    hosts = {host.hostname: host for facility in response.context["facilities"] for host in facility.submit_hosts.all()}
    assert (hosts["in2p3-submit-1"].running_submissions, hosts["in2p3-submit-1"].pending_submissions) == (2, 1)
    assert (hosts["in2p3-submit-2"].running_submissions, hosts["in2p3-submit-2"].pending_submissions) == (0, 0)
    assert "in2p3/in2p3-slurm-1" in page and "2 \u00d7 16" in page and "04:00:00" in page and "64 GB" in page
    sites = {site.name: site for facility in response.context["facilities"] for site in facility.sites.all()}
    assert (sites["in2p3-slurm-1"].campaign_count, sites["usdf-slurm-1"].campaign_count) == (1, 0)
    assert "No compute site yet." in page  # idf's


def test_the_campaign_list_links_to_the_facilities(client_for, viewer):
    assert f'href="{FACILITIES_URL}"' in text(client_for(viewer).get(reverse("campaigns:campaign-list")))


@pytest.mark.parametrize("facilities", [1, 3])
def test_the_page_and_the_api_run_a_fixed_number_of_queries(client_for, viewer, django_assert_num_queries, facilities):
    for number in range(facilities):
        facility = make_facility(f"site{number}", hosts=2, sites=3)
        for host in facility.submit_hosts.all():
            SubmissionFactory(status=SubmissionStatus.RUNNING, submit_host=host)
        for site in facility.sites.all():
            CampaignFactory(compute_site=site)
    client = client_for(viewer)

    # session, user, roles; facilities, their hosts with their submissions counted, their sites with their campaigns
    with django_assert_num_queries(6):
        response = client.get(FACILITIES_URL)
    assert text(response).count('data-testid="compute-site"') == 3 * facilities
    # session, user (no role: a read); the count of facilities (pagination), facilities, hosts, sites
    with django_assert_num_queries(6):
        response = client.get(API_FACILITIES_URL)
    assert response.json()["count"] == facilities


# The facilities API --------------------------------------------------------------------------------------------


def test_the_api_lists_facilities_with_their_hosts_and_sites(client_for, viewer, in2p3):
    make_facility("usdf", seen_seconds_ago=None)

    listed = client_for(viewer).get(API_FACILITIES_URL).json()
    one = client_for(viewer).get(f"{API_FACILITIES_URL}{in2p3.facility_id}/").json()

    assert [facility["slug"] for facility in listed["results"]] == ["in2p3", "usdf"]
    assert one == listed["results"][0]
    host = one["submit_hosts"][0]
    assert (host["hostname"], host["queue"], host["worker_name"], host["worker_away"]) == (
        "in2p3-submit-1",
        "submit.in2p3.1",
        "celery@in2p3-submit-1",
        False,
    )
    assert host["worker_seen_at"] is not None
    assert (host["running_submissions"], host["pending_submissions"]) == (0, 0)
    never = listed["results"][1]["submit_hosts"][0]
    assert (never["worker_seen_at"], never["worker_away"]) == (None, True)
    site = one["sites"][0]
    assert site["reference"] == "in2p3/in2p3-slurm-1"
    assert (site["kind"], site["partition"], site["nodes"], site["cores_per_node"], site["submit_host"]) == (
        "slurm",
        "lsst",
        2,
        16,
        "in2p3-submit-1",
    )


def test_the_facilities_api_takes_no_writes(client_for, operator, in2p3):
    response = client_for(operator).post(API_FACILITIES_URL, {"name": "X"}, content_type="application/json")

    assert response.status_code == 405


# A campaign's compute site on its page ------------------------------------------------------------------------


def test_the_campaign_page_shows_its_site_and_where_it_is_submitted_from(client_for, viewer, in2p3):
    campaign = CampaignFactory(name="DP0.2 at IN2P3", compute_site=in2p3)

    page = text(client_for(viewer).get(campaign.get_absolute_url()))

    assert (
        "IN2P3 · in2p3-slurm-1</a>\n            (Slurm: partition lsst, 2 nodes \u00d7 16 cores, walltime 04:00:00, "
        "account rubin) — submitted from in2p3-submit-1"
    ) in page
    assert f'href="{FACILITIES_URL}#facility-{in2p3.facility_id}"' in page
    assert 'data-testid="submit-host-away"' not in page


def test_the_campaign_page_warns_when_its_submit_hosts_worker_is_away(client_for, viewer, in2p3):
    campaign = CampaignFactory(name="DP0.2 at IN2P3", compute_site=in2p3)
    host = in2p3.submit_host
    host.worker_seen_at = timezone.now() - timedelta(hours=1)
    host.save()
    client = client_for(viewer)

    page = text(client.get(campaign.get_absolute_url()))

    assert 'data-testid="submit-host-away"' in page
    assert f"The worker on in2p3-submit-1 was last seen {host.worker_seen_at:%Y-%m-%d %H:%M:%S} UTC" in page
    assert "this campaign's submissions wait for it" in page
    SubmitHost.objects.filter(pk=host.pk).update(worker_seen_at=None)
    assert "The worker on in2p3-submit-1 was never seen" in text(client.get(campaign.get_absolute_url()))


def test_a_campaign_without_a_site_runs_on_this_host(client_for, viewer):
    page = text(client_for(viewer).get(CampaignFactory(name="DP0.2").get_absolute_url()))

    assert "This host (the console's own worker)" in page
    assert f'href="{FACILITIES_URL}" data-testid="compute-site-link"' in page


def test_a_campaign_at_a_site_shows_its_page_with_the_same_queries_as_one_here(
    client_for, viewer, in2p3, django_assert_num_queries
):
    here = SubmittableCampaignFactory(name="DP0.2")
    there = SubmittableCampaignFactory(name="DP0.2 at IN2P3", release=here.release, compute_site=in2p3)
    for campaign in (here, there):
        StepFactory(campaign=campaign, name="step1")
    client = client_for(viewer)
    client.get(here.get_absolute_url())

    with CaptureQueriesContext(connection) as queries_here:
        assert client.get(here.get_absolute_url()).status_code == 200
    with django_assert_num_queries(len(queries_here)):
        assert client.get(there.get_absolute_url()).status_code == 200


# Choosing the site: defining a campaign -------------------------------------------------------------------------

DEFINITION = {
    "name": "DP0.2 at IN2P3",
    "butler_repo": "/repo/dc2",
    "input_collections": "2.2i/defaults",
    "output_prefix": "u/operator/dp02",
    "pipeline": "DRP.yaml",
    "workflow_system": "parsl",
    "steps": "step1",
}


def test_the_new_campaign_form_offers_the_sites_and_this_host(client_for, operator, in2p3):
    page = text(client_for(operator).get(reverse("campaigns:campaign-create")))

    assert '<option value="" selected>This host (the console\'s own worker)</option>' in page
    assert f'<option value="{in2p3.pk}">IN2P3 · in2p3-slurm-1 (slurm)</option>' in page


def test_an_operator_defines_a_campaign_at_a_site_with_the_form(client_for, operator, in2p3):
    client = client_for(operator)

    response = client.post(reverse("campaigns:campaign-create"), {**DEFINITION, "compute_site": in2p3.pk})
    here = client.post(reverse("campaigns:campaign-create"), {**DEFINITION, "name": "DP0.2", "compute_site": ""})

    assert response.status_code == 302 and here.status_code == 302
    assert Campaign.objects.get(name="DP0.2 at IN2P3").compute_site == in2p3
    assert Campaign.objects.get(name="DP0.2").compute_site is None


def test_the_form_refuses_a_site_that_does_not_exist(client_for, operator, in2p3):
    response = client_for(operator).post(reverse("campaigns:campaign-create"), {**DEFINITION, "compute_site": 999})

    assert response.status_code == 200
    assert "There is no such compute site." in text(response)
    assert not Campaign.objects.exists()


API_DEFINITION = {
    "name": "DP0.2 at IN2P3",
    "butler_repo": "/repo/dc2",
    "input_collections": ["2.2i/defaults"],
    "output_prefix": "u/operator/dp02",
    "pipeline": "DRP.yaml",
    "release": None,
}


def test_an_operator_defines_a_campaign_at_a_site_with_the_api(client_for, operator, in2p3):
    client = client_for(operator)

    there = client.post(
        "/api/v1/campaigns/", {**API_DEFINITION, "compute_site": "in2p3/in2p3-slurm-1"}, content_type="application/json"
    )
    here = client.post("/api/v1/campaigns/", {**API_DEFINITION, "name": "DP0.2"}, content_type="application/json")

    assert there.status_code == 201, there.json()
    assert there.json()["compute_site"] == "in2p3/in2p3-slurm-1"
    assert Campaign.objects.get(name="DP0.2 at IN2P3").compute_site == in2p3
    assert here.json()["compute_site"] is None
    read = client.get(f"/api/v1/campaigns/{there.json()['id']}/").json()
    assert read["compute_site"] == "in2p3/in2p3-slurm-1"


@pytest.mark.parametrize("reference", ["in2p3/nowhere", "nowhere/in2p3-slurm-1", "in2p3", "in2p3-slurm-1/in2p3"])
def test_the_api_refuses_a_site_it_does_not_know_naming_the_field_and_the_value(client_for, operator, in2p3, reference):
    client = client_for(operator)
    campaign = CampaignFactory(name="DP0.2")

    created = client.post(
        "/api/v1/campaigns/", {**API_DEFINITION, "compute_site": reference}, content_type="application/json"
    )
    cloned = client.post(
        f"/api/v1/campaigns/{campaign.pk}/clone/",
        {"name": "DP0.2 copy", "compute_site": reference},
        content_type="application/json",
    )

    for response in (created, cloned):
        assert response.status_code == 400
        assert list(response.json()) == ["compute_site"]
        assert f"There is no compute site {reference!r}" in response.json()["compute_site"][0]
    assert list(Campaign.objects.values_list("name", flat=True)) == ["DP0.2"]


def test_the_service_refuses_a_site_that_is_not_a_compute_site(operator):
    with pytest.raises(InvalidInput, match="compute_site must be a facility's compute site"):
        campaign_create(actor=operator, name="DP0.2", compute_site="in2p3/in2p3-slurm-1")
    assert not Campaign.objects.exists()


# Choosing the site: cloning a campaign to another facility ------------------------------------------------------


@pytest.fixture
def at_in2p3(in2p3) -> Campaign:
    campaign = SubmittableCampaignFactory(name="DP0.2 at IN2P3", release=ReleaseFactory(), compute_site=in2p3)
    StepFactory(campaign=campaign, name="step1", pipeline_subset="#step1")
    return campaign


def differences(left: Campaign, right: Campaign) -> list[str]:
    left, right = (Campaign.objects.get(pk=campaign.pk) for campaign in (left, right))
    return [row["field"] for row in campaign_diff(left, right) if row["differs"]]


def test_the_clone_form_offers_the_sites_with_the_originals_chosen(client_for, operator, at_in2p3, usdf):
    page = text(client_for(operator).get(at_in2p3.get_absolute_url()))

    form = page.split('data-testid="clone-form"')[1].split("</form>")[0]
    assert f'<option value="{at_in2p3.compute_site_id}" selected>IN2P3 · in2p3-slurm-1 (slurm)</option>' in form
    assert f'<option value="{usdf.pk}">USDF · usdf-slurm-1 (slurm)</option>' in form
    assert "This host (the console's own worker)" in form


def test_an_operator_clones_a_campaign_to_another_facilitys_site_with_the_form(client_for, operator, at_in2p3, usdf):
    client = client_for(operator)
    url = reverse("campaigns:campaign-clone", args=[at_in2p3.pk])

    response = client.post(url, {"name": "DP0.2 at USDF", "compute_site": usdf.pk}, follow=True)
    client.post(url, {"name": "DP0.2 here", "compute_site": ""})
    client.post(url, {"name": "DP0.2 again"})  # no site field: where the original runs

    at_usdf = Campaign.objects.get(name="DP0.2 at USDF")
    assert at_usdf.compute_site == usdf
    assert "DP0.2 at USDF is a draft copy of DP0.2 at IN2P3, run at USDF · usdf-slurm-1." in text(response)
    assert differences(at_in2p3, at_usdf) == ["compute_site"]
    assert Campaign.objects.get(name="DP0.2 here").compute_site is None
    assert Campaign.objects.get(name="DP0.2 again").compute_site == at_in2p3.compute_site


def test_an_operator_clones_a_campaign_to_another_facilitys_site_with_the_api(client_for, operator, at_in2p3, usdf):
    client = client_for(operator)
    url = f"/api/v1/campaigns/{at_in2p3.pk}/clone/"

    response = client.post(url, {"name": "DP0.2 at USDF", "compute_site": "usdf/usdf-slurm-1"}, "application/json")
    here = client.post(url, {"name": "DP0.2 here", "compute_site": None}, "application/json")
    same = client.post(url, {"name": "DP0.2 again"}, "application/json")

    assert response.status_code == 201, response.json()
    assert response.json()["compute_site"] == "usdf/usdf-slurm-1"
    assert differences(at_in2p3, Campaign.objects.get(name="DP0.2 at USDF")) == ["compute_site"]
    assert (here.json()["compute_site"], same.json()["compute_site"]) == (None, "in2p3/in2p3-slurm-1")
    rows = client.get(f"/api/v1/campaigns/{at_in2p3.pk}/diff/", {"other": response.json()["id"]}).json()
    assert [(row["field"], row["left"], row["right"]) for row in rows if row["differs"]] == [
        ("compute_site", "in2p3/in2p3-slurm-1", "usdf/usdf-slurm-1")
    ]


def test_the_dashboard_names_a_submit_host_whose_worker_is_away_while_work_waits_for_it(client_for, operator):
    away, idle_away, seen = (
        make_facility("in2p3", seen_seconds_ago=3600),
        make_facility("usdf", seen_seconds_ago=3600),
        make_facility("idf"),
    )
    for facility, statuses in (
        (away, ("pending", "pending", "running")),
        (seen, ("pending",)),
        (idle_away, ("succeeded",)),
    ):
        host = facility.submit_hosts.get()
        for status in statuses:
            SubmissionFactory(step=StepFactory(campaign=CampaignFactory()), status=status, submit_host=host)

    card = text(client_for(operator).get(reverse("dashboard:service-status")))

    assert card.count('data-testid="submit-host-away"') == 1
    assert "submit host in2p3-submit-1 (IN2P3)" in card.replace("<code>", "").replace("</code>", "")
    assert "2 submissions wait for it, 1 run goes on unfollowed" in card
    assert "usdf-submit-1" not in card and "idf-submit-1" not in card
