"""The dashboard's milestone card: overdue and due-soon milestones, evidence to confirm, whether Jira data is stale."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from milestones.models import JiraSync, Milestone

pytestmark = pytest.mark.django_db


def test_the_dashboard_loads_the_milestone_card_from_its_url(client_for, task_force_lead):
    Milestone.objects.create(jira_key="PREOPS-154", title="PanDA in place", due_date=timezone.localdate())

    page = client_for(task_force_lead).get(reverse("dashboard:home")).content.decode()

    assert f'hx-get="{reverse("milestones:dashboard-card")}"' in page
    assert f'href="{reverse("milestones:report")}"' in page


def test_the_card_lists_overdue_and_due_soon_milestones_with_their_days(client_for, task_force_lead):
    today = timezone.localdate()
    Milestone.objects.create(jira_key="PREOPS-154", title="PanDA in place", due_date=today - timedelta(days=12))
    Milestone.objects.create(jira_key="PREOPS-156", title="Gen3 ready", due_date=today + timedelta(days=9))
    Milestone.objects.create(jira_key="PREOPS-157", title="Later", due_date=today + timedelta(days=45))
    Milestone.objects.create(
        jira_key="PREOPS-143", title="Done late", due_date=today - timedelta(days=40), status="Done"
    )

    response = client_for(task_force_lead).get(reverse("milestones:dashboard-card"))

    assert [m.jira_key for m in response.context["overdue"]] == ["PREOPS-154"]
    assert [m.jira_key for m in response.context["due_soon"]] == ["PREOPS-156"]
    card = response.content.decode()
    assert "12 days late" in card
    assert "(9 days)" in card
    assert "PREOPS-157" not in card and "PREOPS-143" not in card


def test_the_card_says_when_the_jira_data_is_stale(client_for, viewer, settings):
    settings.JIRA_SERVER, settings.JIRA_STALE_AFTER = "https://rubinobs.atlassian.net", 3600
    long_ago = timezone.now() - timedelta(hours=5)
    JiraSync.objects.create(trigger="periodic", started_at=long_ago, finished_at=long_ago, status="succeeded")

    card = client_for(viewer).get(reverse("milestones:dashboard-card")).content.decode()

    assert "The milestones may be stale." in card
    assert "The last good Jira sync was at" in card


def test_the_card_says_nothing_of_jira_when_it_is_not_configured_and_never_ran(client_for, viewer, settings):
    settings.JIRA_SERVER = ""

    card = client_for(viewer).get(reverse("milestones:dashboard-card")).content.decode()

    assert "stale" not in card
    # That the sync is off is a configuration notice, for staff only (tests/console/test_staff_only_notices.py).
    assert "Jira sync is off" not in card
