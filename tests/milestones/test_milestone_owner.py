"""A milestone's owner: named by the task force lead (page, API, import), shown on its page, and allowed to change
that milestone by hand."""

from datetime import date

import pytest
from django.urls import reverse

from console.errors import InvalidInput, NotPermitted
from console.models import AuditEvent
from milestones.models import Milestone
from milestones.services import milestone_assign_owner, milestone_import, milestone_update
from tests.console.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def milestone():
    return Milestone.objects.create(jira_key="PREOPS-154", title="PanDA in place", due_date=date(2031, 3, 31))


def owner_url(milestone) -> str:
    return reverse("milestones:milestone-owner", kwargs={"jira_key": milestone.jira_key})


def test_the_lead_names_the_owner_on_the_page_which_shows_it(client_for, task_force_lead, operator, milestone):
    client = client_for(task_force_lead)

    response = client.post(owner_url(milestone), {"owner": "operator"}, follow=True)

    milestone.refresh_from_db()
    assert milestone.owner == operator
    assert "PREOPS-154 is owned by operator." in response.content.decode()
    assert 'data-testid="milestone-owner"><a href="/people/operator/">operator</a>' in response.content.decode()
    event = AuditEvent.objects.get(action="milestone.owner-assigned")
    assert (event.before, event.after) == ({"owner": None}, {"owner": "operator"})


def test_the_lead_names_nobody_and_a_name_that_is_no_user_is_refused_by_name(client_for, task_force_lead, milestone):
    milestone.owner = task_force_lead
    milestone.save()
    client = client_for(task_force_lead)

    refused = client.post(owner_url(milestone), {"owner": "nosuchperson"}, follow=True)
    milestone.refresh_from_db()
    assert milestone.owner == task_force_lead
    assert "nosuchperson" in refused.content.decode()

    client.post(owner_url(milestone), {"owner": ""})
    milestone.refresh_from_db()
    assert milestone.owner is None


def test_the_api_names_the_owner_and_lists_it(client_for, task_force_lead, operator, milestone):
    client = client_for(task_force_lead)

    response = client.post(
        f"/api/v1/milestones/{milestone.jira_key}/owner/", {"owner": "operator"}, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["owner"] == "operator"
    assert client.get("/api/v1/milestones/").json()["results"][0]["owner"] == "operator"
    assert client.get(f"/api/v1/milestones/{milestone.jira_key}/").json()["owner"] == "operator"


def test_only_the_lead_names_owners(operator, milestone):
    with pytest.raises(NotPermitted, match="Only a task force lead may assign milestone owners."):
        milestone_assign_owner(actor=operator, milestone=milestone, owner=operator)


def test_an_inactive_user_owns_nothing(task_force_lead, milestone):
    gone = UserFactory(username="gone", is_active=False)

    with pytest.raises(InvalidInput, match="gone cannot sign in"):
        milestone_assign_owner(actor=task_force_lead, milestone=milestone, owner=gone)


def test_the_owner_changes_their_milestone_and_nobody_else_does(client_for, operator, milestone):
    milestone.owner = operator
    milestone.save()
    others = Milestone.objects.create(jira_key="PREOPS-155", title="Someone else's", owner=UserFactory())

    page = client_for(operator).get(milestone.get_absolute_url()).content.decode()
    assert 'data-testid="milestone-edit"' in page
    assert 'data-testid="milestone-owner-form"' not in page
    updated = milestone_update(
        actor=operator, milestone=milestone, due_date=date(2031, 6, 30), status="To Do", note="waits for PanDA"
    )
    assert updated.due_date == date(2031, 6, 30)
    with pytest.raises(NotPermitted, match="Only the task force lead or the owner of PREOPS-155 may change it."):
        milestone_update(actor=operator, milestone=others, due_date=date(2031, 6, 30))
    assert 'data-testid="milestone-edit"' not in client_for(operator).get(others.get_absolute_url()).content.decode()


def test_someone_who_owns_no_milestone_is_refused_before_the_form_is_read(client_for, operator, milestone):
    response = client_for(operator).post(
        reverse("milestones:milestone-edit", kwargs={"jira_key": milestone.jira_key}), {"status": "Done"}
    )

    assert response.status_code == 403
    assert "the task force lead or the milestone&#x27;s owner" in response.content.decode()


def test_an_import_names_owners_by_user_name(task_force_lead, operator):
    table = (
        "milestone\tjira_id\tdue_date\tstatus\towner\n"
        "PanDA in place\tPREOPS-154\t2031-03-31\tTo Do\toperator\n"
        "Nobody's\tPREOPS-155\t2031-03-31\tTo Do\t\n"
    )

    plan = milestone_import(actor=task_force_lead, text=table)

    assert plan.unused_columns == []
    assert Milestone.objects.get(jira_key="PREOPS-154").owner == operator
    assert Milestone.objects.get(jira_key="PREOPS-155").owner is None
    # Imported again with another owner: an update that says so.
    other = UserFactory(username="pipelines")
    plan = milestone_import(actor=task_force_lead, text=table.replace("\toperator\n", "\tpipelines\n"), dry_run=True)
    assert plan.lines() == ["update PREOPS-154: owner operator -> pipelines"]
    milestone_import(actor=task_force_lead, text=table.replace("\toperator\n", "\tpipelines\n"))
    assert Milestone.objects.get(jira_key="PREOPS-154").owner == other


def test_an_import_naming_no_user_refuses_the_whole_table(task_force_lead):
    table = "milestone\tjira_id\tdue_date\tstatus\towner\nPanDA in place\tPREOPS-154\t2031-03-31\tTo Do\tnobody9\n"

    with pytest.raises(InvalidInput, match=r"'nobody9' \(owner of PREOPS-154\)"):
        milestone_import(actor=task_force_lead, text=table)
    assert not Milestone.objects.exists()


def test_the_api_refuses_an_empty_name_and_a_name_that_is_no_active_user(client_for, task_force_lead, milestone):
    client = client_for(task_force_lead)
    url = f"/api/v1/milestones/{milestone.jira_key}/owner/"

    empty = client.post(url, {"owner": ""}, content_type="application/json")
    unknown = client.post(url, {"owner": "nosuchperson"}, content_type="application/json")
    nobody = client.post(url, {"owner": None}, content_type="application/json")

    assert (empty.status_code, list(empty.json())) == (400, ["owner"])
    assert (unknown.status_code, list(unknown.json())) == (400, ["owner"])
    assert "nosuchperson" in unknown.content.decode()
    assert (nobody.status_code, nobody.json()["owner"]) == (200, None)


def test_the_api_refuses_a_name_with_a_null_character_naming_it(client_for, task_force_lead, milestone):
    response = client_for(task_force_lead).post(
        f"/api/v1/milestones/{milestone.jira_key}/owner/", {"owner": "lead\x00"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"owner": ["Null characters are not allowed."]}
