"""The report page, its exports and the milestone endpoints run a constant number of queries, whatever the rows."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from milestones.models import EvidenceProposal, JiraSync, MilestoneChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(make_milestones):
    """``rows(n)``: n milestones, a slip in the history of every third one, a proposal and a sync."""

    def make(count: int) -> None:
        milestones = make_milestones(count)
        now = timezone.now()
        MilestoneChange.objects.bulk_create(
            MilestoneChange(
                milestone=milestone,
                field="due_date",
                old_value=milestone.baseline_due_date.isoformat(),
                new_value=milestone.due_date.isoformat(),
                changed_at=now - timedelta(days=1),
                origin="import",
                actor_name="import_milestones",
            )
            for milestone in milestones[::3]
        )
        EvidenceProposal.objects.bulk_create(
            EvidenceProposal(
                milestone=milestone,
                kind="campaign-started",
                event="Campaign DP0.2 started",
                proposed_status="Done",
                observed_at=now,
            )
            for milestone in milestones[:3]
        )
        JiraSync.objects.create(trigger="periodic", started_at=now, finished_at=now, status="succeeded")

    return make


# session, user, roles; milestones, their history; teams of the filter; sync state (one query when the
# last run succeeded); pending proposals
PAGES = {
    reverse("milestones:report"): 8,
    reverse("milestones:report-markdown"): 5,
    reverse("milestones:report-csv"): 5,
    # session, user; count, page; teams of the filter
    "/api/v1/milestones/": 5,
    # session, user; milestones, their history; teams of the filter
    "/api/v1/milestones/report/": 5,
    # session, user, roles; overdue, due soon, pending proposals, sync state
    reverse("milestones:dashboard-card"): 7,
    "/api/v1/milestone-proposals/": 4,
    reverse("milestones:sync-list"): 6,
}


@pytest.mark.parametrize("count", [30, 300])
@pytest.mark.parametrize(("url", "queries"), PAGES.items())
def test_a_page_or_endpoint_runs_a_constant_number_of_queries(
    client_for, task_force_lead, django_assert_num_queries, rows, count, url, queries
):
    rows(count)
    client = client_for(task_force_lead)

    # The report's date; an API endpoint that takes no `as_of` would refuse it (400 naming it).
    parameters = {} if url.startswith("/api/") and "report" not in url else {"as_of": "2021-07-14"}
    with django_assert_num_queries(queries):
        response = client.get(url, parameters)

    assert response.status_code == 200
