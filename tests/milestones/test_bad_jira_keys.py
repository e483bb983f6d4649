"""A Jira key that cannot be part of a page address is refused wherever milestones come in (issue 13).

A milestone imported as ``ABC/12`` made ``/milestones/`` and the dashboard answer 500 for every user.
Imports (the service, the page, the command), the Jira sync, the rows they make and the model itself
refuse such a key now, naming the line or issue, the field and the value, escaped.
"""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from console.errors import InvalidInput
from console.models import AuditEvent
from milestones.models import JiraSync, Milestone
from milestones.rows import MilestoneRow
from milestones.services import jira_sync, milestone_import
from tests.milestones.jira_server import RECORDED

pytestmark = pytest.mark.django_db

HEADER = "milestone,jira_id,due_date,status\n"
# The key as the table holds it (a CSV cell, quoted when it must be) -> the message naming it.
BAD_KEYS = {
    "slash": ("ABC/12", "jira_id 'ABC/12' is not a Jira key like PREOPS-154"),
    "dot-dot": ("..", "jira_id '..' is not a Jira key like PREOPS-154"),
    "bidi-override": ("PREOPS-1\u202e", "jira_id 'PREOPS-1\\u202e' is not a Jira key like PREOPS-154"),
    "zero-width-space": ("PRE\u200bOPS-1", "jira_id 'PRE\\u200bOPS-1' is not a Jira key like PREOPS-154"),
    "inner-newline": ('"PREOPS-1\nPREOPS-2"', "jira_id 'PREOPS-1\\nPREOPS-2' is not a Jira key like PREOPS-154"),
    "lower-case": ("preops-1", "jira_id 'preops-1' is not a Jira key like PREOPS-154"),
    "space": ("PREOPS 1", "jira_id 'PREOPS 1' is not a Jira key like PREOPS-154"),
    "too-long": ("P" * 40 + "-1", f"jira_id {'P' * 40!r}... is longer than a Jira key may be (32 characters)"),
}


def table(key: str) -> str:
    return HEADER + "Good,PREOPS-154,2021-03-31,To Do\n" + f"Bad,{key},2021-04-30,To Do\n"


@pytest.mark.parametrize(("key", "message"), BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_an_import_refuses_a_key_that_cannot_be_in_a_url_naming_line_field_and_value(key, message):
    with pytest.raises(InvalidInput) as refused:
        milestone_import(actor=None, text=table(key))

    # The line that ends the row: a quoted cell holding a newline makes the row two lines long.
    assert f"line {3 + key.count(chr(10))}: {message}" in str(refused.value)
    assert not Milestone.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_import_page_shows_the_bad_key_escaped(client_for, task_force_lead):
    upload = SimpleUploadedFile("milestones.csv", table("PREOPS-1\u202e").encode())

    response = client_for(task_force_lead).post(reverse("milestones:milestone-import"), {"table": upload})

    assert response.status_code == 200
    assert response.context["problems"] == [
        "The milestone table has bad rows; nothing was imported.",
        "line 3: jira_id 'PREOPS-1\\u202e' is not a Jira key like PREOPS-154",
    ]
    assert "\u202e" not in response.content.decode()
    assert not Milestone.objects.exists()


def test_the_import_command_refuses_the_bad_key(tmp_path):
    path = tmp_path / "milestones.csv"
    path.write_text(table("ABC/12"))

    with pytest.raises(CommandError, match="line 3: jira_id 'ABC/12' is not a Jira key like PREOPS-154"):
        call_command("import_milestones", str(path))
    assert not Milestone.objects.exists()


@pytest.mark.parametrize("key", ["ABC/12", "..", "PREOPS-160\u202e", "PREOPS-160\n", "PREOPS-160\x00", None])
def test_a_jira_sync_refuses_an_issue_whose_key_cannot_be_in_a_url(recorded_jira, key):
    page = json.loads((RECORDED / "search_page2.json").read_text())
    page["issues"][0]["key"] = key  # PREOPS-160
    recorded_jira.overrides["search_page2.json"] = json.dumps(page)

    sync = jira_sync(trigger="command")

    assert sync.status == "failed"
    assert f"the key {key!r} is not a Jira key like PREOPS-154" in sync.error
    assert "\u202e" not in sync.error and "\x00" not in sync.error
    assert not Milestone.objects.exists()  # not even the good issues of page 1
    assert JiraSync.objects.get().status == "failed"


def test_a_milestone_row_cannot_hold_a_bad_key():
    with pytest.raises(ValueError, match=r"the key 'ABC/12' is not a Jira key like PREOPS-154"):
        MilestoneRow(jira_key="ABC/12", title="Made by hand")


@pytest.mark.parametrize("key", ["ABC/12", "PREOPS-1\n", "PREOPS-1\u202e"])
def test_the_model_refuses_a_bad_key_so_admin_forms_do_too(key):
    with pytest.raises(ValidationError) as refused:
        Milestone(jira_key=key, title="Made in the admin").full_clean()

    assert refused.value.message_dict["jira_key"] == [f"{key!r} is not a Jira key like PREOPS-154"]
