"""The demo's milestones are dated relative to today, so that a newcomer's report shows a realistic mix of done, due
and overdue; the planning document's real dates stay importable as they are."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from dashboard.demo import PLAN_TODAY, demo_milestone_rows, load_demo
from milestones.choices import MilestoneStatus
from milestones.models import Milestone
from milestones.selectors import milestone_summary
from tests.milestones.conftest import SEED_TABLE

pytestmark = pytest.mark.django_db

SEED = SEED_TABLE
DONE = (MilestoneStatus.DONE, MilestoneStatus.WONT_FIX)


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_the_demo_shows_done_overdue_and_due_soon_milestones(data_dir):
    load_demo()

    today = timezone.localdate()
    milestones = list(Milestone.objects.all())
    open_ones = [m for m in milestones if m.status not in DONE]
    overdue = [m for m in open_ones if m.due_date < today]
    due_soon = [m for m in open_ones if today <= m.due_date <= today + timedelta(days=30)]
    later = [m for m in open_ones if m.due_date > today + timedelta(days=30)]
    assert len([m for m in milestones if m.status in DONE]) >= 5
    assert len(overdue) >= 3 and len(due_soon) >= 3 and len(later) >= 5
    # Late by weeks or months, as a campaign in progress is; not the 1,400 to 2,000 days of the real dates.
    assert max((today - m.due_date).days for m in overdue) < 200
    # The DP0.2 reprocessing start, the demo campaign's milestone, is due within the month.
    assert Milestone.objects.get(jira_key="PREOPS-158").due_date == today + timedelta(days=15)


def test_the_dashboard_counts_them_as_such(data_dir):
    load_demo()

    counts = milestone_summary(today=timezone.localdate())

    assert counts["overdue"] >= 3 and counts["due_soon"] >= 3


def test_the_dates_keep_the_planning_documents_order_and_spacing():
    today = date(2030, 1, 1)

    rows = {row.jira_key: row for row in demo_milestone_rows(today=today)}

    shift = today - PLAN_TODAY
    assert rows["PREOPS-518"].due_date == date(2022, 12, 30) + shift
    assert rows["PREOPS-154"].due_date == date(2021, 3, 31) + shift
    assert rows["PREOPS-158"].due_date - rows["PREOPS-154"].due_date == date(2021, 9, 30) - date(2021, 3, 31)


def test_loading_the_demo_again_on_a_later_day_changes_no_date(data_dir, monkeypatch):
    load_demo()
    before = dict(Milestone.objects.values_list("jira_key", "due_date"))
    later = timezone.localdate() + timedelta(days=40)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)

    load_demo()

    assert dict(Milestone.objects.values_list("jira_key", "due_date")) == before


def test_the_planning_documents_real_dates_stay_importable_from_the_shared_seed():
    call_command("import_milestones", str(SEED))

    assert Milestone.objects.get(jira_key="PREOPS-518").due_date == date(2022, 12, 30)
    assert Milestone.objects.get(jira_key="PREOPS-158").due_date == date(2021, 9, 30)
