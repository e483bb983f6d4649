"""A team starting with the console has milestones due in 2021 and earlier: the edit page, the import and the API
take such dates as they are (only dates beyond ``console.bounded``'s limits are refused)."""

from datetime import date

import pytest
from django.urls import reverse

from milestones.models import Milestone
from milestones.services import milestone_import

pytestmark = pytest.mark.django_db

HEADER = "milestone\tjira_id\trubin_id\tdue_date\tlevel\tstatus\tteam\n"


def test_the_import_takes_due_dates_in_2021_and_before(task_force_lead):
    table = (
        HEADER
        + "DP0.1 data release\tPREOPS-200\tL2-DP-0001\t2021-06-30\t2\tDone\tExecution\n"
        + "Data challenge 2\tPREOPS-100\tL2-DP-0000\t2019-12-31\t2\tDone\tExecution\n"
    )

    plan = milestone_import(actor=task_force_lead, text=table)

    assert len(plan.created) == 2
    assert dict(Milestone.objects.values_list("jira_key", "due_date")) == {
        "PREOPS-200": date(2021, 6, 30),
        "PREOPS-100": date(2019, 12, 31),
    }


def test_the_edit_page_takes_a_due_date_in_2021(client_for, task_force_lead):
    milestone = Milestone.objects.create(jira_key="PREOPS-300", title="DP0.2 processing", status="In Progress")

    response = client_for(task_force_lead).post(
        reverse("milestones:milestone-edit", kwargs={"jira_key": "PREOPS-300"}),
        {"status": "In Progress", "due_date": "2021-09-30", "forecast_date": "2021-10-15", "level": "2", "note": ""},
    )

    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.due_date, milestone.forecast_date) == (date(2021, 9, 30), date(2021, 10, 15))


def test_the_api_lists_and_reports_milestones_due_in_2021(client_for, viewer):
    Milestone.objects.create(jira_key="PREOPS-200", title="DP0.1", status="Done", due_date=date(2021, 6, 30))
    client = client_for(viewer)

    listed = client.get("/api/v1/milestones/", {"due_after": "2021-01-01", "due_before": "2021-12-31"}).json()
    report = client.get("/api/v1/milestones/report/", {"as_of": "2021-07-14"})

    assert [row["due_date"] for row in listed["results"]] == ["2021-06-30"]
    assert report.status_code == 200
    assert report.json()["as_of"] == "2021-07-14"
