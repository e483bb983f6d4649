"""Two requests that lock the same campaign's rows at once: each completes, or is refused with a 409; never a
deadlock (a 500). The services take their row locks in the order of campaigns/models.py.

Each test holds the first request inside its transaction, after it took its locks, until the second one waits
for a lock (PostgreSQL says so in pg_stat_activity), then lets it go on: the interleaving that deadlocked when
the services locked in different orders.
"""

import threading
import time

import pytest
from django.db import close_old_connections, connection

from campaigns import preflight
from campaigns.choices import CampaignStatus, SubmissionStatus
from campaigns.models import Submission
from qa import services as qa_services
from tests.campaigns.factories import StepFactory, SubmissionFactory, SubmittableCampaignFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("dispatched")]


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks between concurrent transactions are a PostgreSQL matter; CI runs this on PostgreSQL")


@pytest.fixture
def succeeded():
    """A completed one-step campaign whose run succeeded and passes its QA gate (no specifications)."""
    campaign = SubmittableCampaignFactory(name="DC2 RC6", status=CampaignStatus.COMPLETED)
    step = StepFactory(campaign=campaign, name="step1")
    return SubmissionFactory(step=step, status=SubmissionStatus.SUCCEEDED, bps_config="pipelineYaml: x\n")


class Paused:
    """Stops the thread that calls ``function`` of ``module`` (inside its transaction) until released."""

    def __init__(self, monkeypatch, module, function: str):
        self.reached, self.release = threading.Event(), threading.Event()
        original = getattr(module, function)

        def pause_then_call(*args, **kwargs):
            if threading.current_thread().name == "first":
                self.reached.set()
                self.release.wait(timeout=60)
            return original(*args, **kwargs)

        monkeypatch.setattr(module, function, pause_then_call)


def waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def run_interleaved(paused: Paused, first, second) -> dict[str, int]:
    """``first`` until it pauses, then ``second`` until it waits for a lock (or ends), then both to their end;
    the status code each answered."""
    answers: dict[str, int] = {}

    def run(name, request):
        try:
            answers[name] = request().status_code
        finally:
            close_old_connections()
            connection.close()

    first_thread = threading.Thread(target=run, args=("first", first), name="first")
    second_thread = threading.Thread(target=run, args=("second", second), name="second")
    first_thread.start()
    assert paused.reached.wait(timeout=30), "the first request did not reach its pause"
    second_thread.start()
    deadline = time.monotonic() + 30
    while second_thread.is_alive() and not waiting_for_a_lock():
        assert time.monotonic() < deadline, "the second request neither waited for a lock nor ended"
        time.sleep(0.05)
    paused.release.set()
    first_thread.join(timeout=60)
    second_thread.join(timeout=60)
    return answers


def test_it_accepts_a_step_while_one_of_its_submissions_is_cancelled_without_a_deadlock(
    client_for, task_force_lead, operator, succeeded, monkeypatch
):
    # step_accept holds the campaign and the step while it judges the run.
    paused = Paused(monkeypatch, qa_services, "step_gate")
    lead = client_for(task_force_lead, raise_request_exception=False)
    ops = client_for(operator, raise_request_exception=False)

    answers = run_interleaved(
        paused,
        lambda: lead.post(f"/api/v1/steps/{succeeded.step_id}/accept/"),
        lambda: ops.post(f"/api/v1/submissions/{succeeded.pk}/cancel/"),
    )

    # A succeeded run cannot be cancelled: a clean refusal, once the acceptance committed.
    assert answers == {"first": 200, "second": 409}
    succeeded.refresh_from_db()
    assert succeeded.status == SubmissionStatus.SUCCEEDED
    succeeded.step.refresh_from_db()
    assert succeeded.step.accepted_submission_id == succeeded.pk
    succeeded.step.campaign.refresh_from_db()
    assert succeeded.step.campaign.status == CampaignStatus.ACCEPTED


def test_it_accepts_a_step_while_it_is_submitted_again_without_a_deadlock(
    client_for, task_force_lead, operator, succeeded, monkeypatch, dispatched
):
    # submission_request holds the campaign while it makes the pre-flight checks.
    paused = Paused(monkeypatch, preflight, "preflight_problems")
    ops = client_for(operator, raise_request_exception=False)
    lead = client_for(task_force_lead, raise_request_exception=False)
    campaign = succeeded.step.campaign

    answers = run_interleaved(
        paused,
        lambda: ops.post(
            f"/api/v1/campaigns/{campaign.pk}/submit/", {"idempotency_key": "again"}, content_type="application/json"
        ),
        lambda: lead.post(f"/api/v1/steps/{succeeded.step_id}/accept/"),
    )

    assert answers == {"first": 202, "second": 200}
    again = Submission.objects.get(idempotency_key="again")
    assert again.status == SubmissionStatus.PENDING
    assert dispatched == [again]
    succeeded.step.refresh_from_db()
    assert succeeded.step.accepted_submission_id == succeeded.pk
