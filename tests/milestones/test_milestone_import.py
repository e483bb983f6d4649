"""Importing exported milestone tables: the seed, idempotence, dry runs, bad rows, the command and the page."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from console.errors import InvalidInput, NotPermitted
from console.models import AuditEvent
from milestones.models import Milestone, MilestoneChange
from milestones.services import milestone_import
from tests.milestones.conftest import SEED_TABLE

pytestmark = pytest.mark.django_db

HEADER = "milestone\tjira_id\trubin_id\tdue_date\tlevel\tstatus\tteam\n"
GOOD = "PanDA based workflow system in place\tPREOPS-154\tL3-MW-0050\t2021-03-31\t3\tTo Do\tScience Users Middleware\n"


def test_the_seed_table_yields_32_milestones_22_open_and_10_closed(seed_text):
    plan = milestone_import(actor=None, text=seed_text)

    assert (plan.rows, len(plan.created), len(plan.updated)) == (32, 32, 0)
    assert Milestone.objects.count() == 32
    assert Milestone.objects.filter(status__in=["To Do", "In Progress"]).count() == 22
    assert Milestone.objects.filter(status__in=["Done", "Won't Fix"]).count() == 10
    no_level = Milestone.objects.get(jira_key="PREOPS-518")
    assert (no_level.level, no_level.baseline_due_date) == (None, date(2022, 12, 30))


def test_importing_the_seed_table_twice_changes_nothing(seed_text):
    milestone_import(actor=None, text=seed_text)
    events = AuditEvent.objects.count()
    stored = list(Milestone.objects.order_by("jira_key").values())

    plan = milestone_import(actor=None, text=seed_text)

    assert (plan.change_count, plan.unchanged) == (0, 32)
    assert AuditEvent.objects.count() == events
    assert not MilestoneChange.objects.exists()
    assert list(Milestone.objects.order_by("jira_key").values()) == stored


def test_the_command_imports_the_shared_seed_file_and_twice_changes_nothing(capsys):
    call_command("import_milestones", str(SEED_TABLE))
    call_command("import_milestones", str(SEED_TABLE))

    output = capsys.readouterr().out
    assert "Imported 32 row(s): 32 new, 0 changed, 0 unchanged." in output
    assert "Imported 32 row(s): 0 new, 0 changed, 32 unchanged." in output
    assert AuditEvent.objects.filter(action="milestone.created", actor_name="import_milestones").count() == 32


def test_a_dry_run_prints_what_would_change_and_changes_nothing(seed_text, tmp_path, capsys):
    milestone_import(actor=None, text=seed_text)
    changed = seed_text.replace("2021-03-31\t3\tTo Do", "2021-04-30\t3\tIn Progress", 1)
    changed += "A new milestone\tPREOPS-999\t\t2023-01-31\t\tTo Do\tExecution\n"
    table = tmp_path / "milestones.tsv"
    table.write_text(changed)
    events = AuditEvent.objects.count()

    call_command("import_milestones", str(table), "--dry-run")

    output = capsys.readouterr().out
    assert "update PREOPS-154: due_date 2021-03-31 -> 2021-04-30; status To Do -> In Progress" in output
    assert "create PREOPS-999: A new milestone, due 2023-01-31, To Do" in output
    assert "Dry run, nothing changed: would import 33 row(s): 1 new, 1 changed, 31 unchanged." in output
    assert Milestone.objects.count() == 32
    assert Milestone.objects.get(jira_key="PREOPS-154").due_date == date(2021, 3, 31)
    assert AuditEvent.objects.count() == events


BAD_ROWS = {
    "unknown status": (
        "PanDA\tPREOPS-154\t\t2021-03-31\t3\tFinished\tMiddleware\n",
        "line 3: status 'Finished' is not one of To Do, In Progress, Done, Won't Fix",
    ),
    "unparsable date": (
        "PanDA\tPREOPS-154\t\t31/03/2021\t3\tTo Do\tMiddleware\n",
        "line 3: due_date '31/03/2021' is not a date like 2021-06-30",
    ),
    "missing key": ("PanDA\t\t\t2021-03-31\t3\tTo Do\tMiddleware\n", "line 3: jira_id is missing"),
    "bad level": (
        "PanDA\tPREOPS-154\t\t2021-03-31\t4\tTo Do\tMiddleware\n",
        "line 3: level '4' is not 1, 2, 3 or None",
    ),
    "missing title": ("\tPREOPS-154\t\t2021-03-31\t3\tTo Do\tMiddleware\n", "line 3: milestone (the title) is missing"),
    "repeated key": (
        "Again\tPREOPS-7\t\t2021-03-31\t3\tTo Do\tMiddleware\n",
        "line 3: jira_id 'PREOPS-7' repeats line 2",
    ),
}


@pytest.mark.parametrize("kind", BAD_ROWS)
def test_each_kind_of_bad_row_refuses_the_whole_file_with_its_row_number(kind, tmp_path):
    milestone_import(actor=None, text=HEADER + GOOD)
    bad_row, message = BAD_ROWS[kind]
    table = tmp_path / "milestones.tsv"
    # A good changed row first (it would move PREOPS-7's date), then the bad one, then another good new row.
    table.write_text(
        HEADER
        + "Seven\tPREOPS-7\t\t2021-05-31\t2\tTo Do\tExecution\n"
        + bad_row
        + "\n"
        + "Eight\tPREOPS-8\t\t2021-06-30\t2\tTo Do\tExecution\n"
    )
    events = AuditEvent.objects.count()

    with pytest.raises(CommandError) as refused:
        call_command("import_milestones", str(table))

    assert "The milestone table has bad rows; nothing was imported." in str(refused.value)
    assert message in str(refused.value)
    assert list(Milestone.objects.values_list("jira_key", flat=True)) == ["PREOPS-154"]
    assert AuditEvent.objects.count() == events


def test_every_bad_row_is_reported_at_once_with_its_line_number():
    text = HEADER + GOOD + "\n" + "X\t\t\t2021-01-01\t\tDone\tT\n" + "Y\tPREOPS-9\t\tsoon\t\tMaybe\tT\n"

    with pytest.raises(InvalidInput) as refused:
        milestone_import(actor=None, text=text)

    lines = str(refused.value).splitlines()[1:]
    assert lines == [
        "line 4: jira_id is missing",
        "line 5: due_date 'soon' is not a date like 2021-06-30",
        "line 5: status 'Maybe' is not one of To Do, In Progress, Done, Won't Fix",
    ]
    assert not Milestone.objects.exists()


def test_a_column_the_table_lacks_keeps_what_the_milestones_have(seed_text):
    milestone_import(actor=None, text=seed_text)

    milestone_import(actor=None, text="jira_id,milestone,due_date,status\nPREOPS-154,PanDA in place,2021-03-31,To Do\n")

    panda = Milestone.objects.get(jira_key="PREOPS-154")
    assert (panda.title, panda.level, panda.team, panda.project_id) == (
        "PanDA in place",
        3,
        "Science Users Middleware",
        "L3-MW-0050",
    )


def test_only_the_task_force_lead_imports(viewer):
    with pytest.raises(NotPermitted):
        milestone_import(actor=viewer, text=HEADER + GOOD)


def test_the_lead_previews_then_imports_a_file_on_the_page(client_for, task_force_lead, seed_text):
    client = client_for(task_force_lead)
    url = reverse("milestones:milestone-import")

    preview = client.post(url, {"table": SimpleUploadedFile("m.tsv", seed_text.encode()), "dry_run": "on"})
    assert preview.status_code == 200
    assert "Dry run: nothing was changed. 32 row(s): 32 new, 0 changed, 0 unchanged." in preview.content.decode()
    assert not Milestone.objects.exists()

    done = client.post(url, {"table": SimpleUploadedFile("m.tsv", seed_text.encode())})
    assert done.status_code == 302
    assert Milestone.objects.count() == 32
    assert AuditEvent.objects.filter(action="milestone.created", actor_name="lead").count() == 32


def test_the_page_lists_the_bad_rows_and_imports_nothing(client_for, task_force_lead):
    response = client_for(task_force_lead).post(
        reverse("milestones:milestone-import"),
        {"table": SimpleUploadedFile("m.tsv", (HEADER + GOOD.replace("To Do", "Blocked")).encode())},
    )

    assert response.status_code == 200
    assert "line 2: status &#x27;Blocked&#x27; is not one of" in response.content.decode()
    assert not Milestone.objects.exists()


def test_the_import_page_is_refused_to_others(client_for, viewer):
    assert client_for(viewer).get(reverse("milestones:milestone-import")).status_code == 403


# Bad uploads on the page: too large, not a table, a bad row anywhere ---------------------------------------

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f80f00000101000518d84e0000000049454e44ae426082"
)


def import_on_the_page(client, content: bytes, *, dry_run: bool = False):
    data = {"table": SimpleUploadedFile("milestones.tsv", content)} | ({"dry_run": "on"} if dry_run else {})
    return client.post(reverse("milestones:milestone-import"), data)


def test_a_table_over_the_upload_limit_is_refused_with_413_naming_the_limit(client_for, task_force_lead, settings):
    settings.UPLOAD_MAX_BYTES = 2048
    table = HEADER + "".join(f"M{n}\tPREOPS-{n}\t\t2021-03-31\t3\tTo Do\tMiddleware\n" for n in range(100))
    events = AuditEvent.objects.count()

    response = import_on_the_page(client_for(task_force_lead), table.encode())

    assert response.status_code == 413
    assert "this accepts at most 2,048 bytes" in response.content.decode()
    assert not Milestone.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (PNG, "The file is not UTF-8 text."),
        (b"milestone\tjira_id\n\x00\x01\x02\tPREOPS-1\n", "The file contains NUL characters"),
        (b'{"milestones": []}', "Missing column(s): milestone, jira_id, due_date, status."),
        ((HEADER + "x" * 200_000 + "\tPREOPS-1\t\t2021-03-31\t3\tTo Do\tT\n").encode(), "cannot be read at line 2"),
        (b"", "The submitted file is empty."),
    ],
)
def test_a_file_that_is_not_a_milestone_table_is_refused_naming_the_problem(
    client_for, task_force_lead, settings, content, message
):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024

    response = import_on_the_page(client_for(task_force_lead), content)

    assert response.status_code == 200
    problems = response.context["problems"]
    assert any(message in problem for problem in problems), problems
    assert not Milestone.objects.exists()


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_bad_row_anywhere_on_the_page_imports_nothing(client_for, task_force_lead, where):
    milestone_import(actor=None, text=HEADER + GOOD)
    good = [f"M{n}\tPREOPS-{n}\t\t2021-03-31\t3\tTo Do\tMiddleware\n" for n in range(200, 250)]
    index = {"first": 0, "middle": 25, "last": 49}[where]
    good[index] = good[index].replace("2021-03-31", "31/03/2021")
    events = AuditEvent.objects.count()

    response = import_on_the_page(client_for(task_force_lead), (HEADER + "".join(good)).encode())

    assert response.status_code == 200
    assert response.context["problems"] == [
        "The milestone table has bad rows; nothing was imported.",
        f"line {index + 2}: due_date '31/03/2021' is not a date like 2021-06-30",
    ]
    assert list(Milestone.objects.values_list("jira_key", flat=True)) == ["PREOPS-154"]
    assert AuditEvent.objects.count() == events
