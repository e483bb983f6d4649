"""The production loop over a campaign split into 200 and 2,000 groups: one poll, dispatch and advance cycle.

A campaign that runs automatically, one step split into N groups (``bench: groups fixture``): 40 % of its groups
running, 20 % pending (held back by the campaign's concurrency limit: every slot is taken), 20 % succeeded, 10 %
failed and 10 % waiting for their first submission. Each cycle is what beat runs every poll interval:

- ``submissions_poll``: every running submission read (the stand-in adapter of ``bench.poll``: recorded
  `bps report` output, no subprocess) and its progress written;
- ``submissions_dispatch_waiting``: the pending submissions scanned for a free slot (none is free);
- ``campaigns_advance``: the campaign's failures acted on (the first cycle: each failure classified by a rule that
  holds it, its group held), its current step's progress read, its free slots counted.

The steady cycle (nothing to act on) is timed three times; the cycle that acts on every failure once, on the
fixture made again each time. Both must grow at most 1.5x linearly from 200 groups to 2,000.
"""

from unittest import mock

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.measure import seconds, summary
from bench.poll import RECORDED, RecordedReportAdapter
from campaigns.choices import CampaignStatus, ErrorAction, ErrorOrigin, SubmissionStatus, WorkflowSystem
from campaigns.models import Campaign, ErrorRule, ErrorType, Step, StepGroup, Submission

SIZES = (200, 2_000)
CYCLES = 3
FIXTURE = "bench: groups fixture"
# Of every ten groups: their state (None: no submission yet).
PATTERN = (
    SubmissionStatus.RUNNING,
    SubmissionStatus.RUNNING,
    SubmissionStatus.RUNNING,
    SubmissionStatus.RUNNING,
    SubmissionStatus.PENDING,
    SubmissionStatus.PENDING,
    SubmissionStatus.SUCCEEDED,
    SubmissionStatus.SUCCEEDED,
    SubmissionStatus.FAILED,
    None,
)
FAILURE = [{"task": "measure", "data_id": {"detector": 2}, "message": "BenchFailureError: held for the benchmark"}]


def benchmark_groups(sizes: tuple[int, ...] = SIZES) -> dict:
    from django.contrib.auth.models import User

    from campaigns.services import campaigns_advance, submissions_dispatch_waiting, submissions_poll

    adapter = RecordedReportAdapter(RECORDED.read_text())
    operator = User.objects.get(username="operator1")
    # Only the fixture's campaign is running automatically and running submissions of the history stay out of the
    # poll: they are put aside for the benchmark and back after.
    others = list(Submission.objects.filter(status=SubmissionStatus.RUNNING).values_list("pk", flat=True))
    automatic = list(Campaign.objects.filter(run_automatically=True).values_list("pk", flat=True))
    Submission.objects.filter(pk__in=others).update(status=SubmissionStatus.LOST)
    Campaign.objects.filter(pk__in=automatic).update(run_automatically=False)
    rule = _holding_rule(operator)
    results = []

    def cycle() -> None:
        submissions_poll()
        submissions_dispatch_waiting()
        campaigns_advance()

    try:
        for size in sizes:
            with (
                mock.patch("campaigns.services.polling.adapter_for", return_value=adapter),
                mock.patch("campaigns.tasks.dispatch_submission_task.apply_async") as dispatched,
                mock.patch("campaigns.tasks.advance_campaign_task.apply_async"),
            ):
                acting = []
                for _ in range(CYCLES):
                    campaign = _fixture(operator, size, rule)
                    acting.append(seconds(cycle))
                held = StepGroup.objects.filter(step__campaign=campaign, held_at__isnull=False).count()
                with CaptureQueriesContext(connection) as captured:
                    cycle()
                steady = [seconds(cycle) for _ in range(CYCLES)]
                _remove(campaign)
            results.append(
                {
                    "groups": size,
                    "held": held,
                    "dispatched": dispatched.call_count,
                    "queries": len(captured),
                    "acting": summary(acting),
                    **summary(steady),
                }
            )
    finally:
        Submission.objects.filter(pk__in=others).update(status=SubmissionStatus.RUNNING)
        Campaign.objects.filter(pk__in=automatic).update(run_automatically=True)
        ErrorRule.objects.filter(pk=rule.pk).delete()
        ErrorType.objects.filter(name=FIXTURE).delete()
    return {"cycles": results, "stand_in": "RecordedReportAdapter (recorded `bps report` output, no subprocess)"}


def _holding_rule(operator) -> ErrorRule:
    error_type = ErrorType.objects.create(name=FIXTURE, origin=ErrorOrigin.PIPELINE)
    return ErrorRule.objects.create(
        name=FIXTURE,
        position=0,
        message_pattern="BenchFailureError",
        error_type=error_type,
        action=ErrorAction.HOLD,
        created_by=operator,
    )


def _fixture(operator, size: int, rule: ErrorRule) -> Campaign:
    """The campaign of ``size`` groups, made afresh (a previous one removed)."""
    if (previous := Campaign.objects.filter(name=FIXTURE).first()) is not None:
        _remove(previous)
    # Every slot taken by the running groups: the pending ones wait.
    running = PATTERN.count(SubmissionStatus.RUNNING)
    now = timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=FIXTURE,
            status=CampaignStatus.RUNNING,
            workflow_system=WorkflowSystem.HTCONDOR,
            owner=operator,
            run_automatically=True,
            automation_by=operator,
            max_running_groups=size * running // len(PATTERN),
        )
        step = Step.objects.create(campaign=campaign, name="step1", position=1)
        groups = StepGroup.objects.bulk_create(
            [StepGroup(step=step, name=f"g{n}", position=n, data_query=f"visit = {n}") for n in range(size)],
            batch_size=2_000,
        )
        submissions = []
        for group in groups:
            state = PATTERN[group.position % len(PATTERN)]
            if state is None:
                continue
            failed = state == SubmissionStatus.FAILED
            submissions.append(
                Submission(
                    step=step,
                    group=group,
                    idempotency_key=f"bench-groups-{group.pk}",
                    status=state,
                    requested_by=operator,
                    dispatched_at=now,
                    started_at=now if state != SubmissionStatus.PENDING else None,
                    ended_at=now if state in (SubmissionStatus.SUCCEEDED, SubmissionStatus.FAILED) else None,
                    working_dir=f"/sdf/data/rubin/campaigns/groups/{group.name}",
                    wms_run_id=f"{70_000 + group.pk}.0",
                    failures=FAILURE if failed else [],
                    error_type=rule.error_type if failed else None,
                    error_rule=rule if failed else None,
                )
            )
        Submission.objects.bulk_create(submissions, batch_size=2_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE campaigns_submission, campaigns_stepgroup")
    return campaign


def _remove(campaign: Campaign) -> None:
    with transaction.atomic():
        Submission.objects.filter(step__campaign=campaign).delete()
        StepGroup.objects.filter(step__campaign=campaign).delete()
        Step.objects.filter(campaign=campaign).delete()
        campaign.delete()
