"""Every change of a due date, forecast, status or level is kept, with where it came from; later due dates are slips."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from console.errors import Conflict, NotPermitted
from console.models import AuditEvent
from milestones import reports
from milestones.models import Milestone, MilestoneChange
from milestones.selectors import milestone_list, milestone_report_rows
from milestones.services import milestone_import, milestone_update

pytestmark = pytest.mark.django_db

HEADER = "milestone\tjira_id\trubin_id\tdue_date\tlevel\tstatus\tteam\n"


def panda(due: str = "2021-03-31", status: str = "To Do", level: str = "3") -> str:
    return HEADER + f"PanDA in place\tPREOPS-154\tL3-MW-0050\t{due}\t{level}\t{status}\tScience Users Middleware\n"


def report_as_of(as_of: date) -> reports.StatusReport:
    return reports.status_report(milestone_report_rows(milestone_list(), as_of=as_of), as_of=as_of)


def test_a_due_date_moved_later_by_an_import_is_recorded_as_a_slip_and_shown_in_the_report(client_for, viewer):
    milestone_import(actor=None, text=panda())
    today = timezone.localdate()

    milestone_import(actor=None, text=panda(due="2021-05-31"), source="import_milestones")

    (change,) = MilestoneChange.objects.all()
    assert (change.field, change.old_value, change.new_value, change.origin, change.actor_name) == (
        "due_date",
        "2021-03-31",
        "2021-05-31",
        "import",
        "import_milestones",
    )
    assert change.is_slip and change.slip_days == 61
    milestone = Milestone.objects.get()
    assert (milestone.baseline_due_date, milestone.due_date, milestone.slip_days) == (
        date(2021, 3, 31),
        date(2021, 5, 31),
        61,
    )
    (slipped,) = report_as_of(today).section("slipped").rows
    assert (slipped.jira_key, slipped.slip_days) == ("PREOPS-154", 61)
    assert [(slip.old, slip.new, slip.days, slip.origin) for slip in slipped.slips] == [
        (date(2021, 3, 31), date(2021, 5, 31), 61, "import")
    ]
    page = client_for(viewer).get(reverse("milestones:report")).content.decode()
    assert 'data-testid="row-slipped-PREOPS-154"' in page
    assert "61 days later than 2021-03-31" in page
    markdown = reports.report_markdown(report_as_of(today))
    assert "## Slipped (1)" in markdown
    assert "| 61 (from 2021-03-31) |" in markdown


def test_a_report_as_of_a_day_before_the_change_shows_the_milestone_as_it_was():
    milestone_import(actor=None, text=panda())
    milestone_import(actor=None, text=panda(due="2021-05-31", status="In Progress", level="2"))
    yesterday = timezone.localdate() - timedelta(days=1)

    (row,) = report_as_of(yesterday).rows

    assert (row.due_date, row.status, row.level, row.slip_days, row.slips) == (date(2021, 3, 31), "To Do", 3, 0, [])


def test_a_due_date_moved_earlier_is_history_but_not_a_slip():
    milestone_import(actor=None, text=panda())

    milestone_import(actor=None, text=panda(due="2021-03-01"))

    change = MilestoneChange.objects.get()
    assert not change.is_slip
    assert report_as_of(timezone.localdate()).section("slipped").rows == []


def test_status_and_level_changes_are_kept_too():
    milestone_import(actor=None, text=panda())

    milestone_import(actor=None, text=panda(status="In Progress", level="None"))

    assert sorted(MilestoneChange.objects.values_list("field", "old_value", "new_value")) == [
        ("level", "3", ""),
        ("status", "To Do", "In Progress"),
    ]


def test_a_person_moves_a_due_date_with_a_reason(task_force_lead):
    milestone_import(actor=None, text=panda())
    milestone = Milestone.objects.get()

    milestone_update(
        actor=task_force_lead,
        milestone=milestone,
        due_date=date(2021, 4, 30),
        forecast_date=date(2021, 5, 15),
        note="PanDA deployment waits for the IDF quota",
    )

    changes = MilestoneChange.objects.order_by("field")
    assert [(c.field, c.origin, c.actor, c.note) for c in changes] == [
        ("due_date", "person", task_force_lead, "PanDA deployment waits for the IDF quota"),
        ("forecast_date", "person", task_force_lead, "PanDA deployment waits for the IDF quota"),
    ]
    event = AuditEvent.objects.get(action="milestone.updated")
    assert (event.actor, event.before, event.after) == (
        task_force_lead,
        {"due_date": "2021-03-31", "forecast_date": None},
        {"due_date": "2021-04-30", "forecast_date": "2021-05-15"},
    )


def test_done_by_hand_sets_the_completion_date_and_reopening_clears_it(task_force_lead):
    milestone_import(actor=None, text=panda(status="In Progress"))
    milestone = Milestone.objects.get()

    milestone_update(actor=task_force_lead, milestone=milestone, status="Done")
    milestone.refresh_from_db()
    assert (milestone.status, milestone.completed_date) == ("Done", timezone.localdate())

    milestone_update(actor=task_force_lead, milestone=milestone, status="In Progress")
    milestone.refresh_from_db()
    assert (milestone.status, milestone.completed_date) == ("In Progress", None)


def test_a_person_cannot_jump_from_done_to_to_do(task_force_lead):
    milestone_import(actor=None, text=panda(status="Done"))

    with pytest.raises(Conflict, match="is Done; it cannot become To Do"):
        milestone_update(actor=task_force_lead, milestone=Milestone.objects.get(), status="To Do")

    assert not MilestoneChange.objects.exists()


def test_only_the_task_force_lead_changes_milestones_by_hand(operator):
    milestone_import(actor=None, text=panda())

    with pytest.raises(NotPermitted):
        milestone_update(actor=operator, milestone=Milestone.objects.get(), due_date=date(2022, 1, 1))


def test_the_lead_edits_on_the_milestone_page_and_sees_the_history(client_for, task_force_lead):
    milestone_import(actor=None, text=panda())
    client = client_for(task_force_lead)
    url = reverse("milestones:milestone-detail", args=["PREOPS-154"])

    response = client.post(
        reverse("milestones:milestone-edit", args=["PREOPS-154"]),
        {"due_date": "2021-06-30", "status": "In Progress", "level": "3", "note": "IDF quota"},
    )

    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "slip +91 d" in page
    assert "IDF quota" in page
    assert "(slipped 91 days from 2021-03-31)" in page


def test_the_milestone_page_is_read_only_for_others(client_for, viewer):
    milestone_import(actor=None, text=panda())

    page = client_for(viewer).get(reverse("milestones:milestone-detail", args=["PREOPS-154"])).content.decode()

    assert "PanDA in place" in page
    assert 'data-testid="milestone-edit"' not in page
    assert (
        client_for(viewer)
        .post(reverse("milestones:milestone-edit", args=["PREOPS-154"]), {"status": "Done"})
        .status_code
        == 403
    )


def test_an_unknown_milestone_is_a_404(client_for, viewer):
    assert client_for(viewer).get(reverse("milestones:milestone-detail", args=["PREOPS-1"])).status_code == 404
