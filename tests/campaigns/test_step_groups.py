"""A step split into groups: the partitions (``campaigns.partition``), the split and the release of a held group
(``services.groups``), what a step's groups add up to (``selectors.step_groups_summary``), and the pages and API
endpoints that show and act on them."""

import json
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns import partition, selectors
from campaigns.choices import CampaignStatus, SubmissionStatus
from campaigns.models import StepGroup, Submission
from campaigns.partition import GroupSpec, groups_from_count, groups_from_list, groups_from_ranges
from campaigns.services import campaign_clone, group_release, step_split, submission_request
from campaigns.workflow.base import StackCommandError
from console.errors import Conflict, InvalidInput, NotPermitted
from console.models import AuditEvent
from tests.campaigns.factories import StepFactory, SubmissionFactory, SubmittableCampaignFactory

pytestmark = pytest.mark.django_db

FAILURE = {
    "task": "measure",
    "data_id": {"visit": 1001, "detector": 2},
    "message": "Traceback\nInjectedFailureError: boom",
}


def text(response) -> str:
    return unescape(response.content.decode())


# Partitions: text and values in, group specs out --------------------------------------------------------------


def test_ranges_give_one_group_per_range_or_value_with_a_butler_query():
    assert groups_from_ranges("visit", "1-100, 101-200,\n250") == [
        GroupSpec("visit-1-100", "visit >= 1 AND visit <= 100"),
        GroupSpec("visit-101-200", "visit >= 101 AND visit <= 200"),
        GroupSpec("visit-250", "visit = 250"),
    ]


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ("1-100, 50-60", "Range 2 '50-60': it overlaps range 1 '1-100'"),
        ("1-100, 200-300, 250", "Range 3 '250': it overlaps range 2 '200-300'"),
        ("1-100, x", "Range 2 'x': not a whole number"),
        ("1-100, 300-200", "Range 2 '300-200': it ends before it starts"),
        (" , ", "Give at least one range of visit"),
    ],
)
def test_ranges_name_the_range_that_is_wrong(ranges, message):
    with pytest.raises(InvalidInput, match=message):
        groups_from_ranges("visit", ranges)


def test_a_dimension_must_be_a_name_the_query_language_reads():
    assert groups_from_ranges("visit.day_obs", "20250601")[0] == GroupSpec(
        "visit.day_obs-20250601", "visit.day_obs = 20250601"
    )
    with pytest.raises(InvalidInput, match="The dimension 'visit; DROP' is not a dimension name"):
        groups_from_ranges("visit; DROP", "1")


def test_a_count_cuts_the_values_into_contiguous_chunks_as_even_as_possible():
    specs = groups_from_count("visit", [1, 2, 3, 5, 8, 13, 21, 34], 3)
    assert specs == [
        GroupSpec("visit-1-3", "visit >= 1 AND visit <= 3"),
        GroupSpec("visit-5-13", "visit >= 5 AND visit <= 13"),
        GroupSpec("visit-21-34", "visit >= 21 AND visit <= 34"),
    ]
    # Out of order (not as the Butler gives them): each value named.
    assert groups_from_count("visit", [3, 1], 1) == [GroupSpec("visit-3-1", "visit IN (3, 1)")]
    assert groups_from_count("band", ["g", "r"], 2) == [
        GroupSpec("band-g", "band IN ('g')"),
        GroupSpec("band-r", "band IN ('r')"),
    ]


@pytest.mark.parametrize(
    ("values", "count", "message"),
    [
        ([1001, 1002], 3, "3 groups asked of 2 values of visit: at most 2"),
        ([], 1, "The Butler holds no value of visit"),
        ([1, 2], 0, "at least 1"),
        (["r", "it's"], 2, 'Value "it\'s" of visit: only letters'),
        ([1, 2], partition.MAX_GROUPS + 1, "a step has at most 10,000"),
    ],
)
def test_a_count_refuses_what_cannot_be_split(values, count, message):
    with pytest.raises(InvalidInput, match=message):
        groups_from_count("visit", values, count)


def test_a_list_takes_named_and_unnamed_lines():
    specs = groups_from_list(
        "north: visit >= 1001 AND visit <= 1500\n\n  visit > 1500  \n"
        "late: exposure.timespan OVERLAPS (T'2025-06-01 12:00:00', T'2025-06-02 00:00:00')\n"
        "day_obs = 20250601 AND exposure.timespan OVERLAPS T'2025-06-01 12:00:00'\n"
        "odd: visit IN (1001..1009:2)\n"
        "visit IN (1002..1010:2)\n"
    )
    assert specs == [
        GroupSpec("north", "visit >= 1001 AND visit <= 1500"),
        GroupSpec("group-2", "visit > 1500"),
        GroupSpec("late", "exposure.timespan OVERLAPS (T'2025-06-01 12:00:00', T'2025-06-02 00:00:00')"),
        GroupSpec("group-4", "day_obs = 20250601 AND exposure.timespan OVERLAPS T'2025-06-01 12:00:00'"),
        GroupSpec("odd", "visit IN (1001..1009:2)"),
        GroupSpec("group-6", "visit IN (1002..1010:2)"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: visit = 1\nb: visit = 2\na: visit = 3", "Line 3: the name 'a' is given to line 1 already"),
        ("a: visit = 1\n\nb: (visit = 2", "Line 3: the query '\\(visit = 2' leaves 1 parenthesis open"),
        ("a: visit = 1) OR (1 = 1", "Line 1: the query 'visit = 1\\) OR \\(1 = 1' closes a parenthesis"),
        ("a: band = 'r", "opens a quote"),
        ("a:", "Line 1: the query is empty"),
        ("visit = 1\nsouth field: visit = 2", "Line 2: the name 'south field' may hold only letters"),
        ("..: visit = 1", "Line 1: the name '..' may hold only letters, .* starts with a letter or digit"),
        (f"{'x' * 101}: visit = 1", "has 101 characters; at most 100 fit"),
        ("", "Give at least one group"),
    ],
)
def test_a_list_names_the_line_that_is_wrong(text, message):
    with pytest.raises(InvalidInput, match=message):
        groups_from_list(text)


def test_a_list_of_more_groups_than_a_step_takes_is_refused():
    with pytest.raises(InvalidInput, match="10,001 lines make as many groups; a step has at most 10,000"):
        groups_from_list("\n".join(f"visit = {n}" for n in range(partition.MAX_GROUPS + 1)))


def test_every_problem_is_named_up_to_a_bound():
    lines = "\n".join(f"bad name {n}: visit = {n}" for n in range(15))
    with pytest.raises(InvalidInput) as refused:
        groups_from_list(lines)
    assert str(refused.value).count("Line ") == partition.PROBLEMS_SHOWN
    assert str(refused.value).endswith("… and 5 more.")


# The split and the release --------------------------------------------------------------------------------------


@pytest.fixture
def campaign():
    return SubmittableCampaignFactory(name="DC2 RC7", data_query="instrument='DemoCam'")


@pytest.fixture
def step(campaign):
    return StepFactory(campaign=campaign, name="step1", data_query="instrument='DemoCam' AND detector < 4")


def split_by_ranges(actor, step, ranges="1001-1001, 1002") -> list[StepGroup]:
    return step_split(actor=actor, step=step, mode="ranges", dimension="visit", ranges=ranges)


def test_a_split_makes_the_groups_in_order_with_one_audit_row(operator, step):
    groups = split_by_ranges(operator, step)

    assert [(g.name, g.position, g.data_query) for g in step.groups.all()] == [
        ("visit-1001", 1, "visit = 1001"),
        ("visit-1002", 2, "visit = 1002"),
    ]
    assert [g.pk for g in groups] == list(step.groups.values_list("pk", flat=True))
    event = AuditEvent.objects.get(action="step.split")
    assert (event.object_type, event.object_id, event.actor) == ("campaigns.campaign", str(step.campaign_id), operator)
    assert event.after == {
        "step": "step1",
        "groups": 2,
        "partition": {"mode": "ranges", "dimension": "visit", "ranges": "1001-1001, 1002"},
        "first": "visit-1001",
        "last": "visit-1002",
    }


def test_a_split_replaces_the_groups_until_the_step_has_a_submission(operator, step, dispatched):
    split_by_ranges(operator, step)
    step_split(actor=operator, step=step, mode="list", groups="all: visit > 0")
    assert list(step.groups.values_list("name", flat=True)) == ["all"]

    submission_request(actor=operator, step=step, group=step.groups.get(), idempotency_key="k1")
    with pytest.raises(Conflict, match="The step step1 has submissions already"):
        split_by_ranges(operator, step)
    assert list(step.groups.values_list("name", flat=True)) == ["all"]
    assert AuditEvent.objects.filter(action="step.split").count() == 2


def test_a_split_is_refused_for_a_campaign_archived_cancelled_or_accepted(operator, step, campaign):
    campaign.archived_at = timezone.now()
    campaign.save()
    with pytest.raises(Conflict, match="DC2 RC7 is archived"):
        split_by_ranges(operator, step)
    campaign.archived_at = None
    for status in (CampaignStatus.CANCELLED, CampaignStatus.ACCEPTED):
        campaign.status = status
        campaign.save()
        with pytest.raises(Conflict, match=f"DC2 RC7 is {status}"):
            split_by_ranges(operator, step)
    assert not step.groups.exists()


def test_a_split_is_for_those_who_define_campaigns(viewer, step):
    with pytest.raises(NotPermitted):
        split_by_ranges(viewer, step)
    assert not step.groups.exists()


def test_a_bad_partition_changes_nothing(operator, step):
    split_by_ranges(operator, step)
    with pytest.raises(InvalidInput, match="Line 2"):
        step_split(actor=operator, step=step, mode="list", groups="a: visit = 1\na: visit = 2")
    with pytest.raises(InvalidInput, match="Unknown way to split 'halves'"):
        step_split(actor=operator, step=step, mode="halves")
    assert step.groups.count() == 2


def test_a_count_reads_the_step_s_values_from_the_butler(operator, step, campaign, monkeypatch):
    asked = []

    def butler(*arguments, **options):
        asked.append(arguments)
        return {"dimension": "detector", "values": [0, 1, 2, 3]}

    monkeypatch.setattr("campaigns.services.groups.run_stack_json", butler)
    step_split(actor=operator, step=step, mode="count", dimension="detector", count=2)

    assert asked == [
        (
            "console_stack.dimension_values",
            campaign.butler_repo,
            "detector",
            "--where=instrument='DemoCam' AND detector < 4",
            "--collections=2.2i/defaults",
        )
    ]
    assert list(step.groups.values_list("name", "data_query")) == [
        ("detector-0-1", "detector >= 0 AND detector <= 1"),
        ("detector-2-3", "detector >= 2 AND detector <= 3"),
    ]
    assert AuditEvent.objects.get(action="step.split").after["partition"] == {
        "mode": "count",
        "dimension": "detector",
        "count": 2,
        "values": 4,
    }


def test_a_count_names_what_the_butler_could_not_answer(operator, step, monkeypatch):
    def butler(*arguments, **options):
        raise StackCommandError("console_stack.dimension_values failed (exit 1): no dimension 'vist'")

    monkeypatch.setattr("campaigns.services.groups.run_stack_json", butler)
    with pytest.raises(InvalidInput, match="The values of vist could not be read from s3://dc2-repo/main: .*'vist'"):
        step_split(actor=operator, step=step, mode="count", dimension="vist", count=2)


def held(group: StepGroup, reason: str = "no rule covers InjectedFailureError") -> StepGroup:
    group.held_at, group.held_reason = timezone.now(), reason
    group.save()
    return group


def test_a_release_clears_the_hold_with_an_audit_row(operator, step):
    group = held(split_by_ranges(operator, step)[0])

    group_release(actor=operator, group=group)

    group.refresh_from_db()
    assert (group.held_at, group.held_reason) == (None, "")
    event = AuditEvent.objects.get(action="group.released")
    assert event.before["reason"] == "no rule covers InjectedFailureError"
    assert event.after["group"] == "visit-1001" and event.object_id == str(step.campaign_id)
    with pytest.raises(Conflict, match="The group visit-1001 of the step step1 is not held"):
        group_release(actor=operator, group=group)


def test_a_release_is_for_those_who_run_campaigns(viewer, operator, step):
    group = held(split_by_ranges(operator, step)[0])
    with pytest.raises(NotPermitted):
        group_release(actor=viewer, group=group)
    group.refresh_from_db()
    assert group.is_held


def test_a_clone_copies_the_groups_and_breakpoints_not_the_holds(operator, campaign, step):
    StepFactory(campaign=campaign, name="step2", hold_before=True)
    held(split_by_ranges(operator, step)[1])

    copy = campaign_clone(actor=operator, campaign=campaign, name="DC2 RC7 again")

    copied = {s.name: s for s in copy.steps.all()}
    assert [(g.name, g.position, g.data_query, g.held_at) for g in copied["step1"].groups.all()] == [
        ("visit-1001", 1, "visit = 1001", None),
        ("visit-1002", 2, "visit = 1002", None),
    ]
    assert (copied["step1"].hold_before, copied["step2"].hold_before) == (False, True)
    assert not copied["step2"].groups.exists()


# What a step's groups add up to --------------------------------------------------------------------------------


def make_groups(step, count: int) -> list[StepGroup]:
    return StepGroup.objects.bulk_create(
        StepGroup(step=step, name=f"g{n}", position=n, data_query=f"visit = {n}") for n in range(1, count + 1)
    )


def attempt(group, status, *, restarts=None, **fields) -> Submission:
    return SubmissionFactory(
        step=group.step,
        group=group,
        status=status,
        restarts=restarts,
        attempt=restarts.attempt + 1 if restarts else 1,
        **fields,
    )


@pytest.fixture
def states(step):
    """Six groups: one waiting, one running, one succeeded after a restart, one failed, one lost and held, one
    cancelled."""
    waiting, running, restarted, failed, lost, cancelled = make_groups(step, 6)
    attempt(running, SubmissionStatus.RUNNING, task_counts={"measure": {"expected": 8, "succeeded": 3}})
    first = attempt(
        restarted,
        SubmissionStatus.FAILED,
        task_counts={"measure": {"expected": 8, "succeeded": 6, "failed": 2}},
        failures=[FAILURE, FAILURE],
    )
    attempt(
        restarted, SubmissionStatus.SUCCEEDED, restarts=first, task_counts={"measure": {"expected": 8, "succeeded": 8}}
    )
    attempt(
        failed,
        SubmissionStatus.FAILED,
        task_counts={"measure": {"expected": 8, "succeeded": 7, "failed": 1}},
        failures=[FAILURE],
    )
    attempt(lost, SubmissionStatus.LOST)
    held(lost)
    attempt(cancelled, SubmissionStatus.CANCELLED)
    return {"waiting": waiting, "running": running, "restarted": restarted, "failed": failed, "lost": lost}


def test_the_summary_counts_the_groups_by_state_and_sums_their_current_attempts(step, states):
    summary = selectors.step_groups_summary(step.pk)

    assert summary.total == 6
    assert summary.counts == {"succeeded": 1, "running": 1, "waiting": 1, "failed": 2, "held": 1}
    # The restarted group counts its restart only; the failed attempt it restarted is not current.
    assert (summary.quanta_expected, summary.quanta_succeeded, summary.quanta_failed) == (24, 18, 1)
    assert summary.errors == [
        {"task": "measure", "message": "InjectedFailureError: boom", "count": 1, "example_data_id": FAILURE["data_id"]}
    ]
    assert [(g.name, g.state) for g in summary.rows] == [
        ("g4", "failed"),
        ("g6", "failed"),
        ("g5", "held"),
        ("g2", "running"),
        ("g1", "waiting"),
        ("g3", "succeeded"),
    ]
    restarted = next(g for g in summary.rows if g.name == "g3")
    assert (restarted.attempts, restarted.current.attempt, restarted.current.restarts.attempt) == (2, 2, 1)


def test_the_rows_are_capped_and_the_totals_are_not(step):
    groups = make_groups(step, 12)
    attempt(groups[10], SubmissionStatus.FAILED)

    summary = selectors.step_groups_summary(step.pk, rows=5)

    assert summary.total == 12 and summary.counts["waiting"] == 11 and not summary.shows_all
    assert [g.name for g in summary.rows] == ["g11", "g1", "g2", "g3", "g4"]


@pytest.mark.parametrize("count", [20, 200])
def test_the_summary_runs_five_queries_whatever_the_number_of_groups(step, count, django_assert_num_queries):
    for group in make_groups(step, count)[::3]:
        attempt(group, SubmissionStatus.FAILED, failures=[FAILURE])
    with django_assert_num_queries(5):
        summary = selectors.step_groups_summary(step.pk)
        assert len(summary.rows) == count and summary.counts["failed"] == len(range(0, count, 3))
        assert all(g.current is None or g.current.progress is not None for g in summary.rows)


# Pages -----------------------------------------------------------------------------------------------------------


def detail_url(campaign) -> str:
    return reverse("campaigns:campaign-detail", kwargs={"pk": campaign.pk})


def test_the_campaign_page_shows_a_split_step_s_groups_and_what_may_be_done_to_each(
    client_for, operator, campaign, step, states
):
    campaign.status = CampaignStatus.RUNNING
    campaign.save()
    page = text(client_for(operator).get(detail_url(campaign)))

    words = " ".join(re.sub(r"<[^>]+>", "", page).split())
    assert "6 groups: 1 succeeded, 1 running, 1 waiting, 2 failed, 1 held" in words
    assert re.search(r'data-testid="step-state" data-state="running"', page)
    assert page.count('data-testid="group"') == 6
    assert reverse("campaigns:group-submit", kwargs={"pk": states["waiting"].pk}) in page
    failed_current = states["failed"].submissions.get()
    assert reverse("campaigns:submission-restart", kwargs={"pk": failed_current.pk}) in page
    running_current = states["running"].submissions.get()
    assert reverse("campaigns:submission-cancel", kwargs={"pk": running_current.pk}) in page
    assert reverse("campaigns:group-release", kwargs={"pk": states["lost"].pk}) in page
    assert "no rule covers InjectedFailureError" in page
    assert 'data-testid="group-error-summary"' in page
    # Runs were made: the step is not split again; the panel polls while a group runs.
    assert 'data-testid="split-form"' not in page and 'data-polling="true"' in page


def test_a_viewer_sees_the_groups_without_their_actions(client_for, viewer, campaign, step, states):
    page = text(client_for(viewer).get(detail_url(campaign)))
    assert page.count('data-testid="group"') == 6
    # The panel's refresh, while a group runs, draws them the same way.
    panel = text(client_for(viewer).get(reverse("campaigns:campaign-submissions", kwargs={"pk": campaign.pk})))
    assert panel.count('data-testid="group"') == 6 and 'data-testid="groups-summary"' in panel
    for form in ("group-submit-form", "group-restart-form", "group-cancel-form", "group-release-form", "split-form"):
        assert form not in page


def test_a_step_with_no_submission_offers_its_split(client_for, operator, viewer, campaign, step):
    assert 'data-testid="split-form"' in text(client_for(operator).get(detail_url(campaign)))
    assert 'data-testid="split-form"' not in text(client_for(viewer).get(detail_url(campaign)))


def test_the_campaign_page_runs_the_same_queries_for_200_groups_as_for_20(client_for, operator, campaign, step):
    client = client_for(operator)

    def queries_of_the_page(groups: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(detail_url(campaign))
        assert text(response).count('data-testid="group"') == groups
        return len(queries)

    def run_some(groups: list[StepGroup]) -> None:
        """A third failed, a third running, a third waiting."""
        for group in groups[::3]:
            attempt(group, SubmissionStatus.FAILED, failures=[FAILURE])
        for group in groups[1::3]:
            attempt(group, SubmissionStatus.RUNNING)

    run_some(make_groups(step, 20))
    with_20 = queries_of_the_page(20)
    run_some(
        StepGroup.objects.bulk_create(
            StepGroup(step=step, name=f"more{n}", position=100 + n, data_query=f"visit = {100 + n}") for n in range(180)
        )
    )
    assert queries_of_the_page(200) == with_20


def test_the_split_page_splits_and_goes_back_to_the_step(client_for, operator, step):
    response = client_for(operator).post(
        reverse("campaigns:step-split", kwargs={"pk": step.pk}),
        {"mode": "ranges", "dimension": "visit", "ranges": "1-10, 11-20"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#step-{step.pk}")
    assert list(step.groups.values_list("name", flat=True)) == ["visit-1-10", "visit-11-20"]


def test_a_refused_split_is_drawn_again_with_what_was_typed(client_for, operator, step):
    groups = "north: visit < 1500\nnorth: visit >= 1500"
    response = client_for(operator).post(
        reverse("campaigns:step-split", kwargs={"pk": step.pk}), {"mode": "list", "groups": groups}
    )
    page = text(response)
    assert response.status_code == 200
    assert "Line 2: the name 'north' is given to line 1 already." in page
    assert groups in page
    assert not step.groups.exists()


def test_the_split_form_asks_for_what_the_way_needs(client_for, operator, step):
    response = client_for(operator).post(
        reverse("campaigns:step-split", kwargs={"pk": step.pk}), {"mode": "count", "dimension": "visit"}
    )
    assert "Needed to split by count." in text(response)
    assert not step.groups.exists()


def test_a_group_is_submitted_from_the_page(client_for, operator, step, dispatched):
    group = split_by_ranges(operator, step)[1]
    response = client_for(operator).post(
        reverse("campaigns:group-submit", kwargs={"pk": group.pk}), {"idempotency_key": "page-key"}
    )
    submission = Submission.objects.get(idempotency_key="page-key")
    assert (submission.step, submission.group, submission.status) == (step, group, SubmissionStatus.PENDING)
    assert dispatched == [submission]
    assert response["Location"].endswith(f"#group-{group.pk}")


def test_a_held_group_is_released_from_the_page(client_for, operator, step):
    group = held(split_by_ranges(operator, step)[0])
    client_for(operator).post(reverse("campaigns:group-release", kwargs={"pk": group.pk}))
    group.refresh_from_db()
    assert not group.is_held


def test_the_groups_page_lists_every_group_by_state_and_page(client_for, viewer, step, states):
    client = client_for(viewer)
    url = reverse("campaigns:step-groups", kwargs={"pk": step.pk})
    page = text(client.get(url))
    assert page.count('data-testid="group"') == 6
    failed = text(client.get(url, {"state": "failed"}))
    assert failed.count('data-testid="group"') == 2 and "g4" in failed and "g6" in failed


# API -------------------------------------------------------------------------------------------------------------


def api(client, path: str, body: dict | None = None, **headers):
    if body is None and not headers:
        return client.get(path)
    return client.post(path, json.dumps(body or {}), content_type="application/json", headers=headers)


def test_the_api_lists_a_step_s_groups_with_state_and_counts(client_for, viewer, step, states):
    answer = client_for(viewer).get(f"/api/v1/steps/{step.pk}/groups/").json()

    assert answer["count"] == 6
    rows = {row["name"]: row for row in answer["results"]}
    assert [row["name"] for row in answer["results"]] == ["g1", "g2", "g3", "g4", "g5", "g6"]
    assert rows["g1"] | {"id": 0} == {
        "id": 0,
        "name": "g1",
        "position": 1,
        "data_query": "visit = 1",
        "state": "waiting",
        "held_at": None,
        "held_reason": "",
        "attempts": 0,
        "current_submission": None,
        "status": None,
        "quanta_expected": None,
        "quanta_succeeded": None,
        "quanta_failed": None,
    }
    assert (rows["g3"]["state"], rows["g3"]["attempts"], rows["g3"]["status"], rows["g3"]["quanta_succeeded"]) == (
        "succeeded",
        2,
        "succeeded",
        8,
    )
    assert rows["g5"]["state"] == "held" and rows["g5"]["status"] == "lost"
    failed = client_for(viewer).get(f"/api/v1/steps/{step.pk}/groups/", {"state": "failed"}).json()
    assert [row["name"] for row in failed["results"]] == ["g4", "g6"]
    assert client_for(viewer).get(f"/api/v1/steps/{step.pk}/groups/", {"state": "done"}).status_code == 400
    assert client_for(viewer).get("/api/v1/steps/999999/groups/").status_code == 404


@pytest.mark.parametrize("count", [20, 200])
def test_the_api_list_runs_the_same_queries_for_20_or_200_groups(
    client_for, viewer, step, count, django_assert_num_queries
):
    for group in make_groups(step, count)[::2]:
        attempt(group, SubmissionStatus.RUNNING)
    client = client_for(viewer)
    client.get(f"/api/v1/steps/{step.pk}/groups/")
    with django_assert_num_queries(QUERIES_OF_THE_API_LIST):
        answer = client.get(f"/api/v1/steps/{step.pk}/groups/", {"page_size": 500}).json()
    assert len(answer["results"]) == count


# Session and user, the step, the count, the page, its current attempts.
QUERIES_OF_THE_API_LIST = 6


def test_the_api_splits_a_step(client_for, operator, step):
    answer = api(
        client_for(operator), f"/api/v1/steps/{step.pk}/split/", {"mode": "list", "groups": "a: visit = 1\nvisit = 2"}
    )
    assert answer.status_code == 201
    assert answer.json() == {"step": step.pk, "groups": 2, "first": "a", "last": "group-2"}


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ({"mode": "ranges", "dimension": "visit", "ranges": "1-5, 4"}, 400, "Range 2 '4': it overlaps range 1 '1-5'"),
        ({"mode": "ranges", "dimension": "visit"}, 400, "ranges"),
        ({"mode": "count", "ranges": "1"}, 400, "dimension"),
        ({"mode": "halves"}, 400, "mode"),
    ],
)
def test_the_api_names_what_is_wrong_with_a_split(client_for, operator, step, body, status, named):
    answer = api(client_for(operator), f"/api/v1/steps/{step.pk}/split/", body)
    assert answer.status_code == status
    assert named in json.dumps(answer.json())
    assert not step.groups.exists()


def test_the_api_refuses_a_split_of_a_step_with_submissions_with_409(client_for, operator, step):
    SubmissionFactory(step=step)
    answer = api(
        client_for(operator), f"/api/v1/steps/{step.pk}/split/", {"mode": "ranges", "dimension": "visit", "ranges": "1"}
    )
    assert answer.status_code == 409 and "has submissions already" in answer.json()["detail"]


def test_the_api_submits_a_group_once_per_key(client_for, operator, step, dispatched):
    group = split_by_ranges(operator, step)[0]
    client = client_for(operator)

    first = api(client, f"/api/v1/groups/{group.pk}/submit/", {"idempotency_key": "api-key"})
    again = api(client, f"/api/v1/groups/{group.pk}/submit/", {}, **{"Idempotency-Key": "api-key"})

    assert (first.status_code, again.status_code) == (202, 202)
    assert first.json()["id"] == again.json()["id"] == group.submissions.get().pk
    assert first.json()["group"] == group.pk
    missing = api(client, f"/api/v1/groups/{group.pk}/submit/", {})
    assert missing.status_code == 400 and "idempotency_key" in missing.json()


def test_the_api_releases_a_held_group(client_for, operator, step):
    group = held(split_by_ranges(operator, step)[0])
    client = client_for(operator)

    answer = api(client, f"/api/v1/groups/{group.pk}/release/", {})

    assert answer.status_code == 200 and answer.json()["state"] == "waiting" and answer.json()["held_at"] is None
    assert api(client, f"/api/v1/groups/{group.pk}/release/", {}).status_code == 409


# The Butler's values, for real -------------------------------------------------------------------------------------


@pytest.mark.stack
def test_a_count_over_the_demo_repository_s_visits_and_detectors(operator, demo_campaign):
    campaign = demo_campaign("groups-demo")
    step = campaign.steps.get()

    step_split(actor=operator, step=step, mode="count", dimension="visit", count=2)
    assert list(step.groups.values_list("name", "data_query")) == [
        ("visit-1001", "visit IN (1001)"),
        ("visit-1002", "visit IN (1002)"),
    ]
    # The 4 detectors with data of DemoCam's 16; the step's query narrows them.
    step.data_query = "detector > 0"
    step.save()
    step_split(actor=operator, step=step, mode="count", dimension="detector", count=2)
    assert list(step.groups.values_list("name", "data_query")) == [
        ("detector-1-2", "detector >= 1 AND detector <= 2"),
        ("detector-3", "detector IN (3)"),
    ]


# In a browser, on a phone ------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_an_operator_splits_a_step_and_submits_a_group_on_a_phone(
    live_server, transactional_db, screenshot_dir, monkeypatch
):
    from tests.browser.test_page_widths import OVERFLOW_SCRIPT, PHONE
    from tests.console.factories import UserFactory
    from tests.support.browser import chromium_page, sign_in

    dispatched = []
    monkeypatch.setattr("campaigns.services.dispatch.dispatch_on_commit", dispatched.append)
    UserFactory(username="operator", password="a-demo-password-1", roles=["operator"])
    campaign = SubmittableCampaignFactory(name="DC2 RC7", status=CampaignStatus.RUNNING)
    split = StepFactory(campaign=campaign, name="step1")
    groups = make_groups(split, 4)
    attempt(groups[0], SubmissionStatus.RUNNING, task_counts={"measure": {"expected": 8, "succeeded": 3}})
    attempt(
        groups[1], SubmissionStatus.FAILED, failures=[FAILURE], task_counts={"measure": {"expected": 8, "failed": 1}}
    )
    held(groups[1], "no rule covers InjectedFailureError: held for review of a very long reason that must wrap")
    StepFactory(campaign=campaign, name="step2")

    with chromium_page() as page:
        page.set_viewport_size({"width": PHONE, "height": 900})
        sign_in(page, live_server.url, "operator", "a-demo-password-1", detail_url(campaign))
        summary = page.inner_text(f"#step-{split.pk} [data-testid=groups-summary]")
        assert " ".join(summary.split()) == "4 groups: 1 running, 2 waiting, 1 held"
        layout = page.evaluate(OVERFLOW_SCRIPT)
        assert layout["scrollWidth"] <= layout["width"] and not layout["culprits"], layout
        page.screenshot(path=str(screenshot_dir / "step-groups-390.png"), full_page=True)
        page.locator(f"#step-{split.pk}").screenshot(path=str(screenshot_dir / "step-groups-card-390.png"))

        step2 = campaign.steps.get(name="step2")
        page.click(f"#split-{step2.pk} summary")
        page.select_option(f"#split-{step2.pk}-mode", "list")
        page.fill(f"#split-{step2.pk}-groups", "north: visit < 1500\nsouth: visit >= 1500")
        with page.expect_navigation():
            page.click(f"#split-{step2.pk} button[type=submit]")
        assert "The step step2 is split into 2 groups" in page.inner_text("main")
        assert page.locator(f"#step-{step2.pk} [data-testid=group]").count() == 2

        north = step2.groups.get(name="north")
        with page.expect_navigation():
            page.click(f"#group-{north.pk} [data-testid=group-submit-form] button")
        assert "Group north of step step2: submission" in page.inner_text("main")
        assert [submission.group_id for submission in dispatched] == [north.pk]
        layout = page.evaluate(OVERFLOW_SCRIPT)
        assert layout["scrollWidth"] <= layout["width"] and not layout["culprits"], layout
        for url in (
            reverse("campaigns:step-groups", kwargs={"pk": split.pk}) + "?state=held",
            reverse("campaigns:step-split", kwargs={"pk": step2.pk}),
        ):
            page.goto(f"{live_server.url}{url}")
            layout = page.evaluate(OVERFLOW_SCRIPT)
            assert layout["scrollWidth"] <= layout["width"] and not layout["culprits"], (url, layout)
        page.screenshot(path=str(screenshot_dir / "step-split-390.png"), full_page=True)
        assert not page.console_errors
