"""Milestone tables as people hold them: the planning document's header, headers in any case, spacing or
punctuation, Jira's own CSV export; a column the import does not use is named in every report."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from console.errors import InvalidInput
from console.models import AuditEvent
from milestones.models import Milestone
from milestones.services import milestone_import, parse_milestone_table, read_milestone_table

# The header of the planning document's milestone table, as it stands in the document.
DOCUMENT_TABLE = (
    "Milestone\tJira ID\tRubin ID\tDue Date\tLevel\tStatus\tTeam\n"
    "PanDA based workflow system in place\tPREOPS-154\tL3-MW-0050\t2021-03-31\t3\tTo Do\tScience Users Middleware\n"
    "Develop a first model for community engagement for DP0.1\tPREOPS-151\tL3-CE-0020\t2021-01-31\t3\tDone\t"
    "Community Engagement\n"
)

# Jira Cloud's "Export Excel CSV (all fields)" of two milestone issues, shortened to a few of its many columns: its
# own dates ("31/Mar/21 12:00 AM"), a repeated Labels column, custom fields as "Custom field (<name>)" (the names of
# tests/milestones/recorded/field.json), a Jira status the sync maps ("Closed"), and a quoted description with a
# comma, quotes and a line break.
JIRA_EXPORT = (
    "Summary,Issue key,Issue id,Issue Type,Status,Project key,Project id,Priority,Resolution,Assignee,Created,"
    "Resolved,Due date,Labels,Labels,Description,Custom field (Rubin ID),Custom field (Milestone Level),"
    "Custom field (Team),Custom field (Forecast date),Custom field (Story point estimate),Status Category\r\n"
    "PanDA based workflow system in place,PREOPS-154,41154,Milestone,In Progress,PREOPS,10040,Medium,,Jane Doe,"
    '12/Jan/21 9:41 AM,,31/Mar/21 12:00 AM,DP0,middleware,"Workflow system for DP0.2, with ""PanDA"".\r\n'
    'On the IDF.",L3-MW-0050,3,Science Users Middleware,15/Apr/21 12:00 AM,,In Progress\r\n'
    "Develop a first model for community engagement for DP0.1,PREOPS-151,41151,Milestone,Closed,PREOPS,10040,"
    "Medium,Done,John Roe,04/Dec/20 2:05 PM,28/Jan/21 4:15 PM,31/Jan/21 12:00 AM,DP0,,,L3-CE-0020,3,"
    "Community Engagement,,2,Done\r\n"
)
JIRA_UNUSED = [
    "Issue id",
    "Issue Type",
    "Project key",
    "Project id",
    "Priority",
    "Resolution",
    "Assignee",
    "Created",
    "Labels (2 columns)",
    "Custom field (Story point estimate)",
    "Status Category",
]
JIRA_UNUSED_NOTE = "Not imported (the console has no field for them): " + ", ".join(JIRA_UNUSED) + "."


# The header -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_planning_documents_table_imports_with_its_rubin_id_and_team():
    plan = milestone_import(actor=None, text=DOCUMENT_TABLE)

    assert (plan.rows, len(plan.created), plan.unused_columns) == (2, 2, [])
    panda = Milestone.objects.get(jira_key="PREOPS-154")
    assert (panda.title, panda.project_id, panda.due_date, panda.level, panda.status, panda.team) == (
        "PanDA based workflow system in place",
        "L3-MW-0050",
        date(2021, 3, 31),
        3,
        "To Do",
        "Science Users Middleware",
    )


def test_renaming_only_the_required_columns_keeps_the_rubin_id():
    text = "milestone,jira_id,Rubin ID,due_date,Level,status,Team\nPanDA,PREOPS-154,L3-MW-0050,2021-03-31,3,To Do,M\n"

    (row,) = parse_milestone_table(text)

    assert (row.project_id, row.level, row.team) == ("L3-MW-0050", 3, "M")


@pytest.mark.parametrize(
    "header",
    [
        "Milestone,Jira ID,Due Date,Status",
        "MILESTONE,JIRA-ID,DUE-DATE,STATUS",
        " milestone , jira id , due date , status ",
        "Milestone:,Jira_Id.,Due__Date,(Status)",
        "milestone,JiraID,DueDate,Status",
    ],
)
def test_headers_are_matched_ignoring_case_spaces_underscores_and_punctuation(header):
    (row,) = parse_milestone_table(f"{header}\nPanDA,PREOPS-154,2021-03-31,Done\n")

    assert (row.title, row.jira_key, row.due_date, row.status) == ("PanDA", "PREOPS-154", date(2021, 3, 31), "Done")


def test_two_columns_for_one_field_refuse_the_file_naming_both():
    with pytest.raises(InvalidInput) as refused:
        parse_milestone_table("Milestone,Summary,Jira ID,Due Date,Status\nA,B,PREOPS-1,2021-03-31,Done\n")

    assert "'Milestone' and 'Summary' are both the milestone column" in str(refused.value)


def test_a_missing_column_is_named_after_matching_the_other_headers():
    with pytest.raises(InvalidInput, match=r"Missing column\(s\): due_date\. The header was: Summary, Issue key"):
        parse_milestone_table("Summary,Issue key,Status\nA,PREOPS-1,Done\n")


# Jira's CSV export ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_jiras_csv_export_imports_and_names_the_columns_it_does_not_use():
    plan = milestone_import(actor=None, text=JIRA_EXPORT)

    assert (plan.rows, len(plan.created), plan.unused_columns) == (2, 2, JIRA_UNUSED)
    panda = Milestone.objects.get(jira_key="PREOPS-154")
    assert (panda.title, panda.status, panda.due_date, panda.forecast_date, panda.completed_date) == (
        "PanDA based workflow system in place",
        "In Progress",
        date(2021, 3, 31),
        date(2021, 4, 15),
        None,
    )
    # The Rubin id is the custom field's, not Jira's "Project id" (10040).
    assert (panda.project_id, panda.level, panda.team) == ("L3-MW-0050", 3, "Science Users Middleware")
    assert panda.description == 'Workflow system for DP0.2, with "PanDA".\r\nOn the IDF.'
    engagement = Milestone.objects.get(jira_key="PREOPS-151")
    assert (engagement.status, engagement.completed_date) == ("Done", date(2021, 1, 28))


@pytest.mark.django_db
def test_a_bad_row_of_a_jira_export_names_its_line_column_and_value_and_imports_nothing():
    bad = JIRA_EXPORT.replace("31/Jan/21 12:00 AM", "31/Jnu/21 12:00 AM").replace(",Closed,", ",Parked,")

    with pytest.raises(InvalidInput) as refused:
        milestone_import(actor=None, text=bad)

    assert str(refused.value).splitlines()[1:] == [
        "line 4: Due date '31/Jnu/21 12:00 AM' is not a date like 2021-06-30",
        "line 4: Status 'Parked' is not one of To Do, In Progress, Done, Won't Fix",
    ]
    assert not Milestone.objects.exists()


def test_a_value_in_a_column_without_a_header_is_named_by_its_position():
    text = "milestone,jira_id,due_date,status,\nA,PREOPS-1,2021-03-31,Done,\nB,PREOPS-2,,Done,x\n"

    table = read_milestone_table(text)

    assert table.unused_columns == ["column 5 (no header)"]


@pytest.mark.django_db
def test_the_seed_table_uses_every_column(seed_text):
    assert milestone_import(actor=None, text=seed_text, dry_run=True).unused_columns == []


# The reports: command and page ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_names_the_columns_it_did_not_import(tmp_path, capsys):
    table = tmp_path / "jira.csv"
    table.write_text(JIRA_EXPORT)

    call_command("import_milestones", str(table), "--dry-run")
    call_command("import_milestones", str(table))

    output = capsys.readouterr().out
    assert output.count(JIRA_UNUSED_NOTE) == 2
    assert "Imported 2 row(s): 2 new, 0 changed, 0 unchanged." in output
    assert Milestone.objects.count() == 2


@pytest.mark.django_db
def test_the_command_still_refuses_a_bad_document_table_whole(tmp_path):
    table = tmp_path / "document.tsv"
    table.write_text(DOCUMENT_TABLE.replace("2021-01-31", "31/01/2021"))

    with pytest.raises(CommandError, match=r"line 3: Due Date '31/01/2021' is not a date like 2021-06-30"):
        call_command("import_milestones", str(table))

    assert not Milestone.objects.exists()


@pytest.mark.django_db
def test_the_page_names_the_columns_not_imported_in_the_preview_and_after_the_import(client_for, task_force_lead):
    client = client_for(task_force_lead)
    url = reverse("milestones:milestone-import")

    preview = client.post(url, {"table": SimpleUploadedFile("jira.csv", JIRA_EXPORT.encode()), "dry_run": "on"})
    assert preview.status_code == 200
    assert preview.context["plan"].unused_columns == JIRA_UNUSED
    assert "Not imported (the console has no field for them): Issue id, Issue Type," in preview.content.decode()
    assert not Milestone.objects.exists()

    done = client.post(url, {"table": SimpleUploadedFile("jira.csv", JIRA_EXPORT.encode())}, follow=True)
    page = done.content.decode()
    assert "Imported. 2 row(s): 2 new, 0 changed, 0 unchanged." in page
    assert "Not imported (the console has no field for them): Issue id, Issue Type," in page
    assert Milestone.objects.count() == 2
    assert AuditEvent.objects.filter(action="milestone.created", actor_name="lead").count() == 2
