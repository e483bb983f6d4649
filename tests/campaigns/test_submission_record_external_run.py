"""A run made outside the console recorded as a succeeded submission: the campaign moves as if the console had
run it, the record is audited, and it is refused to whoever may not submit or when the step is busy."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.services import submission_record_external_run
from console.errors import Conflict, InvalidInput, NotPermitted
from console.models import AuditEvent
from tests.campaigns.factories import CampaignFactory, StepFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

COUNTS = {"measure": {"expected": 4, "succeeded": 4, "failed": 0, "blocked": 0}}


def record(actor, step, *, started=None, ended=None):
    started = started or timezone.now() - timedelta(hours=2)
    return submission_record_external_run(
        actor=actor,
        step=step,
        idempotency_key="by-hand-1",
        started_at=started,
        ended_at=ended or started + timedelta(minutes=30),
        run_collection="u/operator/by-hand",
        task_counts=COUNTS,
    )


def test_it_records_a_succeeded_run_and_completes_a_one_step_campaign(operator):
    step = StepFactory(campaign=CampaignFactory(status="draft"))

    submission = record(operator, step)

    step.campaign.refresh_from_db()
    assert (submission.status, submission.quanta_expected, submission.quanta_succeeded) == ("succeeded", 4, 4)
    assert step.campaign.status == "completed"
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "submission.recorded",
        "campaign.running",
        "campaign.completed",
    ]


def test_it_refuses_whoever_may_not_submit(viewer):
    step = StepFactory(campaign=CampaignFactory(status="draft"))

    with pytest.raises(NotPermitted, match="submit campaigns"):
        record(viewer, step)

    assert not step.submissions.exists()


def test_it_refuses_a_run_that_ends_before_it_started(operator):
    step = StepFactory(campaign=CampaignFactory(status="draft"))
    started = timezone.now()

    with pytest.raises(InvalidInput, match="cannot end"):
        record(operator, step, started=started, ended=started - timedelta(minutes=1))


def test_it_refuses_a_step_with_a_submission_in_progress(operator):
    step = StepFactory(campaign=CampaignFactory(status="running"))
    SubmissionFactory(step=step, status="running")

    with pytest.raises(Conflict, match="in progress"):
        record(operator, step)

    assert step.submissions.count() == 1
