"""Dates a person gives lie within 1900..2999, far from the ends of Python's calendar (issue 13).

``9999-12-31`` and ``0001-01-01`` were taken everywhere, and a report's "due within 30 days" (``as_of + 30
days``) or a chart's "the day before the first" then overflowed: a 500 for every reader of the milestone
report once one such date was stored. Now the API, its query parameters and the pages' forms refuse such a
date naming the field, and the report and its chart hold up with one already stored.
"""

import json
from datetime import date

import pytest
from django.urls import reverse

from committee.models import Delegation
from milestones import reports
from milestones.models import Milestone
from milestones.rows import MilestoneRow
from milestones.services import milestone_upsert
from tests.committee.factories import PolicyCommitteeFactory
from tests.releases.factories import SupportedReleaseFactory

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "is not between 1900-01-01 and 2999-12-31."


def post_json(client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("starts_on", ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"])
def test_the_api_refuses_a_date_out_of_range_naming_the_field(client_for, task_force_lead, viewer, starts_on):
    policy = PolicyCommitteeFactory()
    body = {
        "seat": policy.seats.first().pk,
        "delegate": viewer.username,
        "starts_on": starts_on,
        "ends_on": "2030-01-31",
    }

    response = client_for(task_force_lead).post(
        reverse("api:committee-delegations", kwargs={"slug": policy.slug}),
        json.dumps(body),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {"starts_on": [f"{starts_on} {OUT_OF_RANGE}"]}
    assert not Delegation.objects.exists()


def test_the_api_refuses_a_deadline_out_of_range(client_for, task_force_lead):
    policy = PolicyCommitteeFactory()
    body = {
        "committee": policy.slug,
        "kind": "operational",
        "title": "t",
        "proposal": "p",
        "deadline": "9999-12-31T23:00:00Z",
    }

    response = client_for(task_force_lead).post(
        reverse("api:decision-list"), json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"deadline": [f"9999-12-31 {OUT_OF_RANGE}"]}


def test_a_query_date_out_of_range_is_refused_naming_it(client_for, viewer):
    response = client_for(viewer).get(reverse("api:milestone-report"), {"as_of": "9999-12-31"})

    assert response.status_code == 400
    assert response.json() == {"as_of": [f"9999-12-31 {OUT_OF_RANGE}"]}


def test_the_support_window_page_refuses_a_date_out_of_range(client_for, task_force_lead):
    release = SupportedReleaseFactory(version="v23.0.0")

    response = client_for(task_force_lead).post(
        reverse("releases:release-support-window", kwargs={"version": release.version}),
        {"support_until": "9999-12-31"},
        follow=True,
    )

    assert OUT_OF_RANGE in response.content.decode()
    release.refresh_from_db()
    assert release.support_until != date(9999, 12, 31)


def test_the_report_and_its_chart_hold_up_with_dates_at_the_ends_of_the_calendar(client_for, viewer):
    for key, due in (("PREOPS-1", date.max), ("PREOPS-2", date.min)):
        milestone_upsert(actor=None, row=MilestoneRow(jira_key=key, title=key, team="T", due_date=due), source="test")

    page = client_for(viewer).get(reverse("milestones:report"))
    api = client_for(viewer).get(reverse("api:milestone-report"))

    assert page.status_code == 200
    assert api.status_code == 200
    assert Milestone.objects.count() == 2


def test_a_milestone_due_on_the_last_day_is_sorted_without_overflowing():
    row = reports.ReportRow(
        jira_key="PREOPS-1",
        project_id="",
        title="Last",
        team="T",
        level=None,
        status="To Do",
        due_date=date.max,
        baseline_due_date=None,
        forecast_date=None,
        completed_date=None,
    )

    assert reports.sections_of(row, date.max) == ["due_30"]
