"""manage.py load_demo: the seed milestones, releases, committees and one user per role; twice changes nothing."""

import json
from datetime import date

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from campaigns.models import Campaign
from committee.models import Committee, Decision, Seat
from committee.selectors import decisions_awaiting_vote_of, release_is_approved_for
from console.models import AuditEvent
from dashboard.demo import PLAN_TODAY
from milestones.models import Milestone
from releases.models import BackportRequest, Release

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_it_loads_the_demo_data_and_prints_the_users(data_dir, capsys):
    call_command("load_demo")

    assert Milestone.objects.count() == 32
    no_level = Milestone.objects.get(jira_key="PREOPS-518")
    # Due on 2022-12-30 in the planning document, whose 2021-09-15 the demo dates today (test_demo_milestone_dates).
    due = date(2022, 12, 30) + (timezone.localdate() - PLAN_TODAY)
    assert (no_level.level, no_level.due_date, no_level.status) == (None, due, "To Do")
    assert list(Release.objects.values_list("version", "status")) == [
        ("v23.0.1", "candidate"),
        ("v23.0.0", "supported"),
        ("v22.0.1", "supported"),
        ("w.2021.40", "candidate"),
    ]
    assert Release.objects.get(version="v23.0.0").cut_from.version == "w.2021.40"
    policy = Committee.objects.get(slug="policy")
    assert sorted(Seat.objects.filter(committee=policy).values_list("area", flat=True)) == [
        "Execution",
        "Middleware",
        "Science Pipelines",
        "Verification & Validation",
    ]
    passwords = json.loads((data_dir / "demo-users.json").read_text())
    output = capsys.readouterr().out
    for username, role in [("lead", "task-force-lead"), ("operator", "operator"), ("viewer", "viewer")]:
        user = authenticate(username=username, password=passwords[username])
        assert user is not None
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert f"{username:<10} {role:<18} {passwords[username]}" in output
    assert User.objects.get(username="admin").is_staff


def test_running_it_twice_changes_nothing(data_dir, capsys):
    call_command("load_demo")
    events = AuditEvent.objects.count()
    passwords = (data_dir / "demo-users.json").read_text()

    call_command("load_demo")

    assert "Demo data loaded: 0 change(s)." in capsys.readouterr().out
    assert AuditEvent.objects.count() == events
    assert (data_dir / "demo-users.json").read_text() == passwords
    assert Milestone.objects.count() == 32
    assert User.objects.count() == 10


def test_every_demo_row_is_in_the_audit_trail(data_dir):
    call_command("load_demo")

    assert AuditEvent.objects.filter(action="milestone.created", actor_name="load_demo").count() == 32
    assert AuditEvent.objects.filter(action="user.created").count() == 10
    assert AuditEvent.objects.filter(action="release.created").count() == 4


def test_it_loads_a_governance_history(data_dir):
    call_command("load_demo")

    v23 = Release.objects.get(version="v23.0.0")
    assert v23.status == "supported"
    chosen = Decision.objects.get(kind="pipeline-version")
    assert (chosen.status, chosen.votes.count()) == ("endorsed", 4)
    assert release_is_approved_for(release=v23, campaign=Campaign.objects.get(name="DP0.2 reprocessing"))
    assert BackportRequest.objects.get(rfc_id="RFC-812").shipped_in.version == "v23.0.1"
    assert BackportRequest.objects.get(rfc_id="RFC-840").status == "under-review"
    today = timezone.localdate()
    for username in ("member", "ccb"):
        awaiting = decisions_awaiting_vote_of(User.objects.get(username=username), today=today)
        assert awaiting.count() == 1, username


def test_it_loads_earlier_mini_runs_with_measurements_to_compare(data_dir):
    from campaigns.models import Submission
    from qa.selectors import metric_statistics
    from qa.services import submission_qa

    call_command("load_demo")

    runs = list(Submission.objects.filter(status="succeeded").order_by("started_at"))
    assert [run.step.campaign.release.version for run in runs] == ["w.2021.40", "v23.0.0", "v23.0.1"]
    assert all(run.step.campaign.is_mini_run for run in runs)
    stats = metric_statistics([run.pk for run in runs])
    std = stats[stats["metric_id"] == stats["metric_id"].min()]
    assert len(std) == 3
    assert all(run.measurements.count() == 448 for run in runs)
    assert {result.spec.level for result in submission_qa(runs[0])} >= {"minimum", "design", "stretch"}


def test_the_lead_and_the_operator_each_own_an_overdue_demo_milestone_on_their_attention_list(data_dir):
    from dashboard.attention import AttentionKind, attention_items

    call_command("load_demo")

    today = timezone.localdate()
    for username, jira_key in (("lead", "PREOPS-153"), ("operator", "PREOPS-155")):
        user = User.objects.get(username=username)
        owned = Milestone.objects.get(jira_key=jira_key)
        assert owned.owner == user and owned.due_date < today, username
        items = [item for item in attention_items(user, today=today) if item.kind == AttentionKind.MILESTONE]
        assert [item.url for item in items] == [owned.get_absolute_url()], username
        assert "overdue" in items[0].detail
    assert AuditEvent.objects.filter(action="milestone.owner-assigned").count() == 5
