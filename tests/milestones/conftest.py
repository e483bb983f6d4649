"""Fixtures of the milestone tests: the seed table, milestones in bulk, and a recorded Jira on a local server."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from milestones.models import Milestone
from tests.milestones.jira_server import running_jira

# The same file as ../shared/seed/dp0_milestones.tsv, kept in the repository for the demo.
SEED_TABLE = Path(__file__).resolve().parents[2] / "dashboard" / "demo_data" / "dp0_milestones.tsv"
TEAMS = ("Science Users Middleware", "Execution", "Community Engagement", "Survey Scheduling")


@pytest.fixture
def seed_text() -> str:
    return SEED_TABLE.read_text()


@pytest.fixture
def make_milestones(db):
    """``make_milestones(n)``: n milestones over four teams and levels, some open, some done, some slipped."""

    def make(count: int, *, start: date = date(2021, 1, 1)) -> list[Milestone]:
        statuses = ("To Do", "In Progress", "Done", "To Do", "Won't Fix")
        milestones = []
        for number in range(count):
            due = start + timedelta(days=7 * number)
            milestones.append(
                Milestone(
                    jira_key=f"PREOPS-{1000 + number}",
                    project_id=f"L3-MW-{number:04d}",
                    title=f"Milestone {number}",
                    team=TEAMS[number % len(TEAMS)],
                    level=(None, 1, 2, 3)[number % 4],
                    status=statuses[number % len(statuses)],
                    due_date=due,
                    baseline_due_date=due - timedelta(days=14) if number % 3 == 0 else due,
                )
            )
        return Milestone.objects.bulk_create(milestones)

    return make


@pytest.fixture
def recorded_jira(settings):
    """A local HTTP server replaying recorded Jira Cloud responses; the settings point the sync at it."""
    with running_jira() as jira:
        settings.JIRA_SERVER = jira.url
        settings.JIRA_USER = "lead@example.org"
        settings.JIRA_API_TOKEN = "recorded-token"
        settings.JIRA_PAGE_SIZE = 3
        settings.JIRA_RETRY_BACKOFF = 0
        settings.JIRA_RETRY_MAX_DELAY = 0
        settings.JIRA_MAX_RETRIES = 3
        yield jira
