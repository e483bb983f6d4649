"""The milestone import through the API: the same service as the import page, all rows or none."""

import pytest

from milestones.models import Milestone
from tests.milestones.conftest import SEED_TABLE

pytestmark = pytest.mark.django_db

# The planning document's own header, as its table is written.
DOCUMENT_HEADER = "Milestone\tJira ID\tRubin ID\tDue Date\tLevel\tStatus\tTeam"


def document_table() -> str:
    body = SEED_TABLE.read_text().splitlines()[1:]
    return "\n".join([DOCUMENT_HEADER, *body]) + "\n"


def test_the_documents_table_imports_through_the_api(client_for, task_force_lead):
    response = client_for(task_force_lead).post(
        "/api/v1/milestones/import/", {"table": document_table()}, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    plan = response.json()
    assert plan["rows"] == 32
    assert len(plan["created"]) == 32
    assert plan["unused_columns"] == []
    assert Milestone.objects.count() == 32
    assert Milestone.objects.get(jira_key="PREOPS-154").project_id == "L3-MW-0050"


def test_a_dry_run_changes_nothing_and_says_what_would(client_for, task_force_lead):
    response = client_for(task_force_lead).post(
        "/api/v1/milestones/import/", {"table": document_table(), "dry_run": True}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["summary"] == "32 row(s): 32 new, 0 changed, 0 unchanged."
    assert Milestone.objects.count() == 0


def test_a_bad_row_refuses_the_whole_table_naming_it(client_for, task_force_lead):
    table = document_table() + "Broken row\tPREOPS-99999\tL3-X\t2021-13-45\t3\tTo Do\tExecution\n"

    response = client_for(task_force_lead).post(
        "/api/v1/milestones/import/", {"table": table}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "2021-13-45" in response.content.decode()
    assert Milestone.objects.count() == 0


def test_unused_columns_are_named(client_for, task_force_lead):
    table = "Milestone,Jira ID,Due Date,Status,Assignee\nPanDA in place,PREOPS-154,2021-03-31,To Do,someone\n"

    plan = (
        client_for(task_force_lead)
        .post("/api/v1/milestones/import/", {"table": table}, content_type="application/json")
        .json()
    )

    assert plan["unused_columns"] == ["Assignee"]


def test_only_the_lead_imports(client_for, operator):
    response = client_for(operator).post(
        "/api/v1/milestones/import/", {"table": document_table()}, content_type="application/json"
    )

    assert response.status_code == 403
    assert Milestone.objects.count() == 0
