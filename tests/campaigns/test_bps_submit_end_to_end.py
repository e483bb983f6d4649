"""End to end with the real tools: the API submits the demo campaign, the real `bps submit` runs it
with Parsl on this machine, and the poller follows it to its last quantum.

Needs the stack environment (`make stack`, which `make test` runs); without it these tests skip,
and CI (CONSOLE_TEST_SERVICES=required) turns a skip into a failure.
"""

import os
import time
from pathlib import Path

import pytest

from campaigns.models import Submission
from campaigns.services import submissions_poll
from qa.models import Metric

pytestmark = [pytest.mark.django_db, pytest.mark.stack]
RUN_TIMEOUT = 240


@pytest.fixture
def api(client_for, operator, django_capture_on_commit_callbacks):
    """POST as the operator through the API, running what is enqueued on commit (the dispatch) at once."""
    client = client_for(operator)

    def post(url: str, body: dict | None = None, expect: int = 202) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, body or {}, content_type="application/json")
        assert response.status_code == expect, response.content
        return response.json()

    return post


def follow(submission_id: int, until=("succeeded", "failed", "lost", "cancelled")) -> Submission:
    """Poll (as beat would) until the submission reaches one of the states; what the poll enqueues runs at once."""
    from django.test import TestCase

    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        with TestCase.captureOnCommitCallbacks(execute=True):
            submissions_poll()
        submission = Submission.objects.get(pk=submission_id)
        if submission.status in until:
            return submission
        time.sleep(2)
    raise AssertionError(f"submission {submission_id} still {submission.status} after {RUN_TIMEOUT} s")


def processes_of(submission: Submission) -> list[str]:
    """Command lines of live processes in the run's session or working directory."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cwd = Path(os.readlink(entry / "cwd"))
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        in_session = int(fields[3]) == submission.pid and fields[0] != "Z"
        if in_session or cwd == Path(submission.working_dir) or Path(submission.working_dir) in cwd.parents:
            found.append(command)
    return found


def test_the_demo_campaign_runs_to_success_with_its_counts(api, demo_campaign):
    campaign = demo_campaign("e2e-success")

    requested = api(f"/api/v1/campaigns/{campaign.pk}/submit/", {"idempotency_key": "e2e-1"})
    assert requested["status"] == "pending"
    submission = follow(requested["id"])

    assert submission.status == "succeeded", submission.error
    assert {label: counts["succeeded"] for label, counts in submission.task_counts.items()} == {
        "calibrate": 8,
        "measure": 8,
        "summarize": 2,
    }
    assert (submission.quanta_expected, submission.quanta_succeeded, submission.quanta_failed) == (18, 18, 0)
    assert submission.run_collection == f"u/operator/e2e-success/all/submission-{submission.pk}"
    campaign.refresh_from_db()
    assert campaign.status == "completed"
    # The run's QA measurements were read from its task metadata when it succeeded.
    measured = submission.measurements.values_list("metric__name", flat=True)
    assert measured.filter(metric__name="demo.measure.mean").count() == 8
    assert measured.filter(metric__name="resources.measure.max_rss").count() == 8
    assert Metric.objects.get(name="resources.measure.max_rss").unit == "MB"


def test_a_failing_quantum_fails_the_run_and_a_restart_completes_it(api, demo_campaign, tmp_path):
    marker = tmp_path / "FAIL"
    marker.touch()
    campaign = demo_campaign(
        "e2e-restart",
        overrides=f'extraQgraphOptions: "-c measure:fail_detectors=[2] -c measure:fail_marker={marker}"\n',
    )

    first = follow(api(f"/api/v1/campaigns/{campaign.pk}/submit/", {"idempotency_key": "e2e-2"})["id"])

    assert first.status == "failed"
    assert first.task_counts["measure"]["failed"] == 2
    assert first.task_counts["summarize"]["blocked"] == 2
    failure = first.failures[0]
    assert failure["task"] == "measure"
    assert failure["data_id"]["detector"] == 2
    assert "InjectedFailureError" in failure["message"]

    marker.unlink()
    restarted = api(f"/api/v1/submissions/{first.pk}/restart/")
    second = follow(restarted["id"])

    assert second.status == "succeeded", second.error
    assert (second.attempt, second.restarts_id) == (2, first.pk)
    assert second.working_dir == first.working_dir
    assert second.task_counts["measure"]["succeeded"] == 8
    campaign.refresh_from_db()
    assert campaign.status == "completed"


def test_cancel_during_a_run_leaves_no_process_behind(api, demo_campaign, client_for, operator):
    campaign = demo_campaign("e2e-cancel")
    submission = follow(
        api(f"/api/v1/campaigns/{campaign.pk}/submit/", {"idempotency_key": "e2e-3"})["id"], until=("running",)
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        submissions_poll()
        submission.refresh_from_db()
        if submission.quanta_expected:
            break
        time.sleep(1)
    assert processes_of(submission), "the run should be going"

    cancelled = api(f"/api/v1/submissions/{submission.pk}/cancel/", expect=200)

    assert cancelled["status"] == "cancelled"
    time.sleep(1)
    assert processes_of(submission) == []
    submissions_poll()
    submission.refresh_from_db()
    assert submission.status == "cancelled"
