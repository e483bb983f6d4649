"""The Jira sync, through the real ``jira`` package and real HTTP, against a LOCAL server started by the tests.

No Jira server exists here: ``recorded_jira`` (tests/milestones/jira_server.py)
serves recorded Jira Cloud responses (tests/milestones/recorded/, written in
the shape Jira Cloud returns) on 127.0.0.1: a search in two token-linked pages,
an issue with no due date, an issue whose level field is missing, and, when a
test asks, a 429 with Retry-After, 401s, 503s or a 400 before the real answer.
"""

import base64
import json
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from console.errors import Conflict
from console.models import AuditEvent
from milestones.models import JiraSync, Milestone, MilestoneChange
from milestones.services import jira_sync, milestone_import
from milestones.tasks import sync_jira_task
from tests.milestones.jira_server import RECORDED

pytestmark = pytest.mark.django_db

PAGE_2_TOKEN = "Ch0jU3RyaW5nJlVGSkZUMUJUJWludCYxNDM="
KEYS = ["PREOPS-143", "PREOPS-154", "PREOPS-156", "PREOPS-160", "PREOPS-518"]


def page_with(name: str, key: str, **fields) -> str:
    """The recorded page with some fields of one issue replaced."""
    page = json.loads((RECORDED / name).read_text())
    issue = next(issue for issue in page["issues"] if issue["key"] == key)
    issue["fields"].update(fields)
    return json.dumps(page)


def test_it_reads_both_pages_and_creates_the_milestones(recorded_jira):
    sync = jira_sync(trigger="command")

    assert (sync.status, sync.pages, sync.issues_seen, sync.created_count, sync.retries) == ("succeeded", 2, 5, 5, 0)
    assert sorted(Milestone.objects.values_list("jira_key", flat=True)) == KEYS
    first, second = recorded_jira.searches()
    assert "nextPageToken" not in first.query
    assert second.query["nextPageToken"] == [PAGE_2_TOKEN]
    assert first.query["jql"] == ["project = PREOPS AND issuetype = Milestone ORDER BY duedate ASC, key ASC"]
    assert first.query["maxResults"] == ["3"]
    assert {"summary", "status", "duedate", "customfield_10050", "customfield_10051"} <= set(first.query["fields"])
    assert first.authorization == "Basic " + base64.b64encode(b"lead@example.org:recorded-token").decode()


def test_it_maps_the_fields_of_each_issue(recorded_jira):
    jira_sync(trigger="command")

    panda = Milestone.objects.get(jira_key="PREOPS-154")
    assert (panda.project_id, panda.level, panda.team, panda.status, panda.due_date) == (
        "L3-MW-0050",
        3,
        "Science Users Middleware",
        "To Do",
        date(2021, 3, 31),
    )
    assert panda.baseline_due_date == date(2021, 3, 31)
    gen3 = Milestone.objects.get(jira_key="PREOPS-156")
    assert (gen3.level, gen3.status, gen3.forecast_date) == (3, "In Progress", date(2021, 8, 15))  # level as 3.0
    done = Milestone.objects.get(jira_key="PREOPS-143")
    assert (done.status, done.completed_date) == ("Done", date(2021, 4, 2))
    backlog = Milestone.objects.get(jira_key="PREOPS-518")
    assert (backlog.status, backlog.level) == ("To Do", None)  # "Backlog" by the map; no level field at all


def test_an_issue_without_a_due_date_becomes_a_milestone_without_one_and_is_noted(recorded_jira):
    sync = jira_sync(trigger="command")

    assert Milestone.objects.get(jira_key="PREOPS-160").due_date is None
    assert sync.notes == ["PREOPS-160 has no due date in Jira."]


def test_a_field_missing_from_the_response_keeps_the_console_value(recorded_jira):
    milestone_import(
        actor=None,
        text="milestone\tjira_id\tdue_date\tlevel\tstatus\n"
        "Deliver implementation of quarterly metric monitoring\tPREOPS-518\t2022-12-30\t2\tTo Do\n",
    )

    jira_sync(trigger="command")

    assert Milestone.objects.get(jira_key="PREOPS-518").level == 2


def test_a_429_is_retried_after_its_retry_after_and_then_the_sync_succeeds(recorded_jira, settings):
    settings.JIRA_RETRY_BACKOFF, settings.JIRA_RETRY_MAX_DELAY = 1, 120
    recorded_jira.fail_next("search/jql", 429, headers={"Retry-After": "7"}, page_token=PAGE_2_TOKEN)
    waits = []

    sync = jira_sync(trigger="command", sleep=waits.append)

    assert (sync.status, sync.retries, sync.created_count) == ("succeeded", 1, 5)
    assert waits == [7.0]
    tokens = [request.query.get("nextPageToken", [None])[0] for request in recorded_jira.searches()]
    assert tokens == [None, PAGE_2_TOKEN, PAGE_2_TOKEN]


def test_server_errors_are_retried_with_exponential_backoff(recorded_jira, settings):
    settings.JIRA_RETRY_BACKOFF, settings.JIRA_RETRY_MAX_DELAY = 2, 120
    recorded_jira.fail_next("search/jql", 503, times=2)
    waits = []

    sync = jira_sync(trigger="command", sleep=waits.append)

    assert (sync.status, sync.retries) == ("succeeded", 2)
    assert waits == [2, 4]


def test_when_the_retries_run_out_nothing_is_written_and_the_page_says_the_data_is_stale(
    recorded_jira, client_for, viewer, seed_text
):
    milestone_import(actor=None, text=seed_text)
    before = list(Milestone.objects.order_by("jira_key").values())
    events = AuditEvent.objects.count()
    recorded_jira.fail_next(
        "search/jql", 401, body_file="unauthorized.json", page_token=PAGE_2_TOKEN, times=4
    )  # page 1 is read, page 2 is refused every time

    sync = jira_sync(trigger="periodic", sleep=lambda seconds: None)

    assert sync.status == "failed"
    assert sync.retries == 3
    assert "authentication refused (HTTP 401)" in sync.error
    assert "gave up after 4 attempts" in sync.error
    assert list(Milestone.objects.order_by("jira_key").values()) == before
    assert not MilestoneChange.objects.exists()
    assert AuditEvent.objects.count() == events
    page = client_for(viewer).get(reverse("milestones:report")).content.decode()
    assert 'data-testid="stale-banner"' in page
    assert "The last Jira sync failed" in page


def test_a_refused_search_fails_at_once_without_retrying(recorded_jira):
    recorded_jira.fail_next("search/jql", 400, body_file="bad_jql.json")

    sync = jira_sync(trigger="command", sleep=lambda seconds: pytest.fail("a 400 is not retried"))

    assert (sync.status, sync.retries) == ("failed", 0)
    assert "HTTP 400" in sync.error and "duedat" in sync.error
    assert not Milestone.objects.exists()


def test_an_issue_that_cannot_become_a_milestone_fails_the_whole_sync(recorded_jira):
    recorded_jira.overrides["search_page2.json"] = page_with(
        "search_page2.json", "PREOPS-160", status={"name": "Blocked", "statusCategory": {"key": "weird"}}
    )

    sync = jira_sync(trigger="command")

    assert sync.status == "failed"
    assert "PREOPS-160: the status 'Blocked' is not in JIRA_STATUS_MAP" in sync.error
    assert not Milestone.objects.exists()  # not even the good issues of page 1


def test_a_failure_while_saving_rolls_back_what_the_run_had_saved(recorded_jira):
    page = json.loads((RECORDED / "search_page2.json").read_text())
    del page["issues"][0]["fields"]["summary"]  # PREOPS-160, new, comes without its title
    recorded_jira.overrides["search_page2.json"] = json.dumps(page)

    sync = jira_sync(trigger="command")

    assert (sync.status, sync.error, sync.created_count) == ("failed", "PREOPS-160 is new and has no title.", 0)
    assert not Milestone.objects.exists()  # the issues saved before it in the run are gone too
    assert not AuditEvent.objects.filter(action="milestone.created").exists()


def test_a_second_sync_changes_nothing(recorded_jira):
    jira_sync(trigger="command")
    events = AuditEvent.objects.count()

    again = jira_sync(trigger="command")

    assert (again.created_count, again.updated_count, again.unchanged_count, again.summary) == (0, 0, 5, [])
    assert AuditEvent.objects.count() == events
    assert not MilestoneChange.objects.exists()


def test_a_due_date_moved_in_jira_is_recorded_as_a_slip_from_jira(recorded_jira):
    jira_sync(trigger="command")
    recorded_jira.overrides["search_page1.json"] = page_with("search_page1.json", "PREOPS-154", duedate="2021-05-31")

    sync = jira_sync(trigger="command")

    assert sync.summary == [
        {"jira_key": "PREOPS-154", "action": "updated", "fields": {"due_date": ["2021-03-31", "2021-05-31"]}}
    ]
    (change,) = MilestoneChange.objects.all()
    assert (change.field, change.old_value, change.new_value, change.origin, change.sync) == (
        "due_date",
        "2021-03-31",
        "2021-05-31",
        "jira",
        sync,
    )
    assert change.slip_days == 61
    assert Milestone.objects.get(jira_key="PREOPS-154").slip_days == 61


def test_only_one_sync_runs_at_a_time_and_an_abandoned_one_is_closed(recorded_jira):
    running = JiraSync.objects.create(trigger="periodic", started_at=timezone.now())

    with pytest.raises(Conflict, match="A Jira sync is running already"):
        jira_sync(trigger="command")

    JiraSync.objects.filter(pk=running.pk).update(started_at=timezone.now() - timedelta(hours=2))
    assert jira_sync(trigger="command").status == "succeeded"
    running.refresh_from_db()
    assert (running.status, running.error) == ("failed", "Abandoned: the run stopped without finishing.")


def test_the_command_prints_what_changed(recorded_jira, capsys):
    call_command("sync_jira")

    output = capsys.readouterr().out
    assert "created PREOPS-154" in output
    assert "note: PREOPS-160 has no due date in Jira." in output
    assert "5 issue(s) in 2 page(s), 5 new, 0 changed, 0 unchanged." in output


def test_the_command_fails_loudly_when_the_sync_fails(recorded_jira):
    recorded_jira.fail_next("serverInfo", 503, times=4)

    with pytest.raises(CommandError, match="failed; nothing was changed.\nCould not connect to Jira: server error"):
        call_command("sync_jira")


def test_the_periodic_task_does_nothing_without_a_jira_server(settings):
    settings.JIRA_SERVER = ""

    sync_jira_task()

    assert not JiraSync.objects.exists()
    assert settings.CELERY_BEAT_SCHEDULE["sync-jira"]["task"] == "milestones.tasks.sync_jira"


def test_the_periodic_task_syncs_and_skips_quietly_while_another_sync_runs(recorded_jira):
    sync_jira_task()
    JiraSync.objects.create(trigger="command", started_at=timezone.now())

    sync_jira_task()  # no error: the running one will do

    assert list(JiraSync.objects.order_by("id").values_list("trigger", "status")) == [
        ("periodic", "succeeded"),
        ("command", "running"),
    ]


def test_the_lead_asks_for_a_sync_from_the_page(
    recorded_jira, client_for, task_force_lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(task_force_lead).post(reverse("milestones:sync-now"))

    assert response.status_code == 302
    sync = JiraSync.objects.get()
    assert (sync.trigger, sync.requested_by, sync.status) == ("person", task_force_lead, "succeeded")
    page = client_for(task_force_lead).get(reverse("milestones:sync-list")).content.decode()
    assert "PREOPS-154" in page and "In step with Jira" in page


def test_others_cannot_ask_for_a_sync(recorded_jira, client_for, viewer):
    assert client_for(viewer).post(reverse("milestones:sync-now")).status_code == 403
    assert not JiraSync.objects.exists()
