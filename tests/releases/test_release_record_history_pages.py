"""Recording a release's history from its page and the API, and the mark "approval recorded after the fact" on its
page and in the API. Only the task force lead and staff see the form."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from releases.choices import ReleaseStatus
from tests.releases.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


def mark(user="lead") -> str:
    return f"Approval recorded after the fact by {user} on {timezone.localdate():%Y-%m-%d}"


@pytest.mark.parametrize("role", ["task_force_lead", "staff_user"])
def test_the_lead_and_staff_see_the_form(request, client_for, role):
    release = ReleaseFactory(version="v23.0.0")

    page = client_for(request.getfixturevalue(role)).get(release.get_absolute_url()).content.decode()

    assert 'data-testid="record-history-form"' in page
    assert reverse("releases:release-record-history", kwargs={"version": "v23.0.0"}) in page


@pytest.mark.parametrize("role", ["operator", "committee_member", "viewer"])
def test_others_see_no_form(request, client_for, role):
    release = ReleaseFactory(version="v23.0.0")

    page = client_for(request.getfixturevalue(role)).get(release.get_absolute_url()).content.decode()

    assert "record-history" not in page


def test_a_weekly_build_offers_no_form(client_for, task_force_lead):
    weekly = ReleaseFactory(version="w.2021.28")

    page = client_for(task_force_lead).get(weekly.get_absolute_url()).content.decode()

    assert 'data-testid="record-history-form"' not in page


def test_the_lead_records_its_history_and_the_page_says_so(client_for, task_force_lead, viewer):
    release = ReleaseFactory(version="v23.0.0")
    path = reverse("releases:release-record-history", kwargs={"version": "v23.0.0"})

    response = client_for(task_force_lead).post(path, {"approved_on": "2021-07-05", "support_until": "2022-07-04"})

    assert response.status_code == 302
    release.refresh_from_db()
    assert (release.status, release.approved_on.isoformat()) == (ReleaseStatus.END_OF_SUPPORT, "2021-07-05")
    page = client_for(viewer).get(release.get_absolute_url()).content.decode()
    assert mark() in page.split('data-testid="release-recorded">')[1]


def test_a_bad_date_from_the_page_is_a_message(client_for, task_force_lead):
    release = ReleaseFactory(version="v23.0.0")
    path = reverse("releases:release-record-history", kwargs={"version": "v23.0.0"})
    client = client_for(task_force_lead)

    response = client.post(path, {"approved_on": "1999-06-01"}, HTTP_REFERER=release.get_absolute_url())

    assert response.status_code == 302
    page = client.get(release.get_absolute_url()).content.decode()
    assert "The approval date 1999-06-01 is before 2000-01-01" in page
    release.refresh_from_db()
    assert release.status == ReleaseStatus.CANDIDATE


def test_the_api_records_its_history(client_for, task_force_lead):
    ReleaseFactory(version="v23.0.0")

    response = client_for(task_force_lead).post(
        "/api/v1/releases/v23.0.0/record-history/",
        {"approved_on": "2021-07-05", "support_until": "2022-07-04"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["approved_on"], body["support_until"], body["recorded_by"]) == (
        "end-of-support",
        "2021-07-05",
        "2022-07-04",
        "lead",
    )
    assert body["recorded_at"].startswith(f"{timezone.localdate():%Y-%m-%d}")


def test_the_api_refuses_an_operator_a_future_approval_and_a_weekly(client_for, task_force_lead, operator):
    ReleaseFactory(version="v23.0.0")
    ReleaseFactory(version="w.2021.28")
    tomorrow = timezone.localdate() + timedelta(days=1)
    lead = client_for(task_force_lead)

    def post(client, version, approved_on):
        return client.post(
            f"/api/v1/releases/{version}/record-history/", {"approved_on": approved_on}, content_type="application/json"
        )

    assert post(client_for(operator), "v23.0.0", "2021-07-05").status_code == 403
    future = post(lead, "v23.0.0", tomorrow.isoformat())
    assert future.status_code == 400 and "is in the future" in future.content.decode()
    assert post(lead, "w.2021.28", "2021-07-20").status_code == 409


def test_the_api_lists_the_mark(client_for, viewer, task_force_lead):
    ReleaseFactory(version="v22.0.0")
    ReleaseFactory(version="v23.0.0")
    client_for(task_force_lead).post(
        "/api/v1/releases/v23.0.0/record-history/", {"approved_on": "2021-07-05"}, content_type="application/json"
    )

    rows = {row["version"]: row for row in client_for(viewer).get("/api/v1/releases/").json()["results"]}

    assert (rows["v23.0.0"]["recorded_by"], rows["v22.0.0"]["recorded_by"]) == ("lead", None)
