"""Weekly builds and versions as people write them (issue 15): "v23" is v23.0.0, "w_2021_28" is the weekly build
w.2021.28; a release records the weekly it was cut from; a weekly is never approved, patched or backported to."""

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from committee.choices import DecisionKind
from committee.services import decision_create
from console.errors import Conflict, InvalidInput
from console.models import AuditEvent
from releases.choices import ReleaseKind, ReleaseStatus
from releases.models import Release
from releases.selectors import release_list
from releases.services import backport_request_create, release_approve, release_create, release_set_support_until
from tests.campaigns.factories import CampaignFactory
from tests.committee.factories import PolicyCommitteeFactory
from tests.releases.factories import ReleaseFactory, SupportedReleaseFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("releases:release-list")
CREATE_URL = reverse("releases:release-create")
API_URL = reverse("api:release-list")


def text(response) -> str:
    return unescape(response.content.decode())


def detail_url(version: str) -> str:
    return reverse("releases:release-detail", kwargs={"version": version})


@pytest.fixture
def weekly(db) -> Release:
    return ReleaseFactory(version="w.2021.28")


# The service ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "stored"), [("v23", "v23.0.0"), ("v23.1", "v23.1.0"), ("v23.0.0", "v23.0.0")])
def test_a_version_is_stored_in_its_long_form(task_force_lead, written, stored):
    release = release_create(actor=task_force_lead, version=written)

    assert (release.version, release.kind) == (stored, ReleaseKind.VERSION)


def test_a_weekly_tag_records_a_weekly_build(task_force_lead):
    release = release_create(actor=task_force_lead, version="w_2021_28")

    assert (release.version, release.kind, release.status) == ("w.2021.28", ReleaseKind.WEEKLY, "candidate")
    assert release.is_weekly
    assert AuditEvent.objects.get(action="release.created").after["kind"] == "weekly"


def test_v23_is_refused_when_v23_0_0_exists(task_force_lead):
    ReleaseFactory(version="v23.0.0")

    with pytest.raises(Conflict, match=r"Release v23\.0\.0 exists already\."):
        release_create(actor=task_force_lead, version="v23")


def test_a_release_records_the_weekly_it_was_cut_from(task_force_lead, weekly):
    release = release_create(actor=task_force_lead, version="v23", cut_from=weekly)

    assert release.cut_from == weekly
    assert list(weekly.releases_cut.all()) == [release]
    assert AuditEvent.objects.get(action="release.created", object_id=str(release.pk)).after["cut_from"] == "w.2021.28"


def test_a_release_is_cut_from_a_weekly_only(task_force_lead):
    v22 = ReleaseFactory(version="v22.0.0")

    with pytest.raises(InvalidInput, match=r"A release is cut from a weekly build \(like w\.2021\.28\), not from v22"):
        release_create(actor=task_force_lead, version="v23", cut_from=v22)

    assert not Release.objects.filter(version="v23.0.0").exists()


def test_a_weekly_is_cut_from_nothing_and_patches_nothing(task_force_lead, weekly):
    with pytest.raises(InvalidInput, match=r"w\.2021\.30 is a weekly build: it patches no release and is cut from"):
        release_create(actor=task_force_lead, version="w.2021.30", cut_from=weekly)
    with pytest.raises(InvalidInput, match=r"w\.2021\.30 is a weekly build: it patches no release"):
        release_create(actor=task_force_lead, version="w.2021.30", base_release=SupportedReleaseFactory())


def test_a_weekly_is_never_recorded_as_approved(task_force_lead):
    with pytest.raises(InvalidInput, match=r"w\.2021\.28 is a weekly build: it is never approved"):
        release_create(actor=task_force_lead, version="w.2021.28", status=ReleaseStatus.APPROVED)


def test_a_patch_names_no_weekly(task_force_lead, weekly):
    v23 = SupportedReleaseFactory(version="v23.0.0", cut_from=weekly)

    with pytest.raises(InvalidInput, match=r"v23\.0\.1 is a patch of v23\.0\.0: a patch names no weekly build"):
        release_create(actor=task_force_lead, version="v23.0.1", base_release=v23, cut_from=weekly)


def test_a_weekly_gets_no_patch(task_force_lead, weekly):
    with pytest.raises(InvalidInput, match=r"w\.2021\.28 is a weekly build: it gets no patches; record a release cut"):
        release_create(actor=task_force_lead, version="v23.0.1", base_release=weekly)


def test_a_weekly_takes_no_backport(operator, weekly):
    with pytest.raises(Conflict, match=r"w\.2021\.28 is a weekly build: it takes no backports"):
        backport_request_create(
            actor=operator, rfc_id="RFC-812", ticket="DM-1", title="t", rationale="r", target_release=weekly
        )


def test_weeklies_come_after_the_versions(weekly):
    ReleaseFactory(version="w.2021.40")
    ReleaseFactory(version="v22.0.0")
    ReleaseFactory(version="v23.0.0")

    expected = ["v23.0.0", "v22.0.0", "w.2021.40", "w.2021.28"]
    assert list(Release.objects.values_list("version", flat=True)) == expected
    assert [release.version for release in release_list()] == expected


# Never approved -------------------------------------------------------------------------------------------


def test_release_approve_refuses_a_weekly(weekly):
    with pytest.raises(
        Conflict, match=r"w\.2021\.28 is a weekly build: it is not approved for production; cut a release from it"
    ):
        release_approve(actor=None, release=weekly, source="decision #1", now=timezone.now())

    weekly.refresh_from_db()
    assert weekly.status == ReleaseStatus.CANDIDATE


def test_a_pipeline_version_decision_cannot_name_a_weekly(weekly):
    policy = PolicyCommitteeFactory()
    member = policy.seats.first().holder

    with pytest.raises(Conflict, match=r"w\.2021\.28 is a weekly build: it is not approved for production"):
        decision_create(
            actor=member,
            committee=policy,
            kind=DecisionKind.PIPELINE_VERSION,
            title="Use the weekly",
            proposal="Run DP0.2 on w.2021.28.",
            deadline=timezone.now() + timedelta(days=7),
            release=weekly,
            campaigns=[CampaignFactory(name="DP0.2")],
        )


# The pages ------------------------------------------------------------------------------------------------


def test_the_form_takes_v23_for_v23_0_0(client_for, task_force_lead):
    response = client_for(task_force_lead).post(CREATE_URL, {"version": "v23"}, follow=True)

    assert Release.objects.get().version == "v23.0.0"
    assert "Release v23.0.0 recorded as a candidate." in text(response)


def test_the_form_takes_a_weekly_tag_and_a_cut_from(client_for, task_force_lead):
    client = client_for(task_force_lead)

    client.post(CREATE_URL, {"version": "w_2021_28"})
    response = client.post(CREATE_URL, {"version": "v23", "cut_from": "w_2021_28"}, follow=True)

    assert Release.objects.get(version="v23.0.0").cut_from.version == "w.2021.28"
    assert 'data-testid="cut-from">cut from' in response.content.decode()


def test_the_list_shows_a_weekly_as_a_weekly_build_not_a_candidate(client_for, viewer, weekly):
    ReleaseFactory(version="v23.0.0", cut_from=weekly)

    page = text(client_for(viewer).get(LIST_URL))

    assert '<span class="badge text-bg-secondary" data-testid="release-status"' in page
    assert ">Weekly build</span>" in page
    assert page.count('data-testid="release-status"') == 2
    assert page.count(">Candidate</span>") == 1  # v23.0.0 only
    assert "cut from" in page and detail_url("w.2021.28") in page


def test_the_list_filters_by_kind_on_the_page_and_in_the_api(client_for, viewer, weekly):
    ReleaseFactory(version="v23.0.0")
    client = client_for(viewer)

    page = client.get(LIST_URL, {"kind": "weekly"})
    api = client.get(API_URL, {"kind": "version"}).json()

    assert [release.version for release in page.context["releases"]] == ["w.2021.28"]
    assert [release["version"] for release in api["results"]] == ["v23.0.0"]


def test_a_weekly_page_lists_the_releases_cut_from_it(client_for, viewer, weekly):
    ReleaseFactory(version="v23.0.0", cut_from=weekly)

    page = text(client_for(viewer).get(detail_url("w.2021.28")))

    assert 'data-testid="releases-cut-table"' in page
    assert detail_url("v23.0.0") in page
    assert "A weekly build is not approved for production; cut a release from it." in page


def test_a_release_page_says_which_weekly_it_was_cut_from(client_for, viewer, weekly):
    ReleaseFactory(version="v23.0.0", cut_from=weekly)

    page = text(client_for(viewer).get(detail_url("v23.0.0")))

    assert 'data-testid="cut-from">cut from' in page
    assert detail_url("w.2021.28") in page


# The API --------------------------------------------------------------------------------------------------


def test_the_api_takes_v23_for_v23_0_0_and_a_weekly_tag(client_for, task_force_lead):
    client = client_for(task_force_lead)

    weekly = client.post(API_URL, {"version": "w_2021_28"}, content_type="application/json")
    v23 = client.post(API_URL, {"version": "v23", "cut_from": "w_2021_28"}, content_type="application/json")

    assert weekly.status_code == 201 and v23.status_code == 201
    assert (weekly.json()["version"], weekly.json()["kind"], weekly.json()["cut_from"]) == (
        "w.2021.28",
        "weekly",
        None,
    )
    assert (v23.json()["version"], v23.json()["kind"], v23.json()["cut_from"]) == ("v23.0.0", "version", "w.2021.28")


def test_the_api_refuses_a_cut_from_that_is_not_a_weekly(client_for, task_force_lead):
    ReleaseFactory(version="v22.0.0")

    response = client_for(task_force_lead).post(
        API_URL, {"version": "v23", "cut_from": "v22"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "A release is cut from a weekly build (like w.2021.28), not from v22.0.0." in response.content.decode()


def test_a_weekly_has_no_support_window(client_for, task_force_lead, weekly):
    with pytest.raises(Conflict, match=r"w\.2021\.28 is a weekly build: it is never supported"):
        release_set_support_until(
            actor=task_force_lead, release=weekly, support_until=timezone.localdate() + timedelta(days=30)
        )

    page = client_for(task_force_lead).get(detail_url("w.2021.28"))
    assert page.context["may_move_window"] is False
    assert page.context["may_withdraw"] is True
