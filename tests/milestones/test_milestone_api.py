"""The milestone API: the list with the report's filters, one milestone with its history, the report as JSON."""

from datetime import date

import pytest

from milestones.models import Milestone
from milestones.services import milestone_import, milestone_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(seed_text):
    milestone_import(actor=None, text=seed_text)


def test_the_list_is_paged_and_filtered_like_the_page(seeded, client_for, viewer):
    client = client_for(viewer)

    everything = client.get("/api/v1/milestones/").json()
    no_level = client.get("/api/v1/milestones/", {"level": "none"}).json()
    middleware_open = client.get(
        "/api/v1/milestones/", {"team": "Science Users Middleware", "status": ["To Do", "In Progress"]}
    ).json()

    assert everything["count"] == 32
    assert [row["jira_key"] for row in no_level["results"]] == ["PREOPS-518"]
    assert sorted(row["jira_key"] for row in middleware_open["results"]) == [
        "PREOPS-153",
        "PREOPS-154",
        "PREOPS-155",
        "PREOPS-156",
    ]


def test_one_milestone_comes_with_its_history(seeded, client_for, task_force_lead):
    milestone_update(
        actor=task_force_lead,
        milestone=Milestone.objects.get(jira_key="PREOPS-154"),
        due_date=date(2021, 5, 31),
        note="quota",
    )

    body = client_for(task_force_lead).get("/api/v1/milestones/PREOPS-154/").json()

    assert (body["due_date"], body["baseline_due_date"], body["slip_days"]) == ("2021-05-31", "2021-03-31", 61)
    assert [(c["field"], c["old_value"], c["new_value"], c["origin"], c["actor_name"]) for c in body["history"]] == [
        ("due_date", "2021-03-31", "2021-05-31", "person", "lead")
    ]


def test_the_report_endpoint_gives_the_sections_as_of_a_date(seeded, client_for, viewer):
    body = client_for(viewer).get("/api/v1/milestones/report/", {"as_of": "2021-07-14"}).json()

    assert body["as_of"] == "2021-07-14"
    sections = {section["key"]: section for section in body["sections"]}
    assert sorted(row["jira_key"] for row in sections["overdue"]["milestones"]) == [
        "PREOPS-150",
        "PREOPS-154",
        "PREOPS-155",
        "PREOPS-156",
        "PREOPS-157",
    ]
    assert body["totals"]["counts"]["open"] == 22
    assert {line["label"] for line in body["by_level"]} == {"Level 1", "Level 2", "Level 3", "No level"}


def test_the_report_endpoint_refuses_a_bad_date(client_for, viewer):
    response = client_for(viewer).get("/api/v1/milestones/report/", {"as_of": "July"})

    assert response.status_code == 400
    assert "as_of" in response.json()


def test_the_api_needs_a_signed_in_user(client):
    assert client.get("/api/v1/milestones/").status_code in (401, 403)
