"""One status-poll cycle (``campaigns.services.submissions_poll``) over 100, 1,000 and 10,000 running submissions.

The workflow tool's own time is left out: ``adapter_for`` is replaced by a
stand-in, ``RecordedReportAdapter``, the console's own HTCondor/PanDA adapter
whose ``bps report`` returns, at once, the output recorded from ctrl_bps's
formatter (``tests/campaigns/recorded/bps-report-htcondor-running.txt``). So
the cycle still parses every report with the console's parser and writes every
submission's progress; only the subprocess is gone. What is timed is the whole
cycle in this process: the batched reads, the parsing, the batched writes.

There is at most one active submission per step, so the running submissions are
made in a campaign of their own, one step each (``bench: poll fixture``), on
top of those the history has running already; the fixture is deleted
afterwards and the history's running submissions are put back as they were.
"""

from pathlib import Path
from unittest import mock

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.measure import seconds, summary
from campaigns.choices import CampaignStatus, SubmissionStatus, WorkflowSystem
from campaigns.models import Campaign, Step, Submission
from campaigns.workflow.wms import ServiceWmsAdapter

SIZES = (100, 1_000, 10_000)
CYCLES = 3
RECORDED = Path(__file__).resolve().parent.parent / "tests/campaigns/recorded/bps-report-htcondor-running.txt"
FIXTURE = "bench: poll fixture"
RESTORED_FIELDS = (
    "task_counts",
    "quanta_expected",
    "quanta_succeeded",
    "quanta_failed",
    "submit_dir",
    "last_polled_at",
)


class RecordedReportAdapter(ServiceWmsAdapter):
    """The HTCondor adapter with `bps report` answered instantly from recorded output."""

    def __init__(self, output: str):
        super().__init__(WorkflowSystem.HTCONDOR)
        self.output = output

    def _run(self, command: list[str], cwd: Path) -> str:
        return self.output


def benchmark_poll(sizes: tuple[int, ...] = SIZES) -> dict:
    from django.contrib.auth.models import User

    adapter = RecordedReportAdapter(RECORDED.read_text())
    running = list(Submission.objects.filter(status=SubmissionStatus.RUNNING))
    operator = User.objects.get(username="operator1")
    campaign = Campaign.objects.create(
        name=FIXTURE, status=CampaignStatus.RUNNING, workflow_system=WorkflowSystem.HTCONDOR, owner=operator
    )
    results = []
    try:
        for size in sizes:
            _grow_fixture(campaign, operator, size - len(running))
            with mock.patch("campaigns.services.polling.adapter_for", return_value=adapter):
                from campaigns.services import submissions_poll

                seen = submissions_poll()
                with CaptureQueriesContext(connection) as captured:
                    submissions_poll()
                cycles = [seconds(submissions_poll) for _ in range(CYCLES)]
            results.append({"running": size, "polled": seen["polled"], "queries": len(captured), **summary(cycles)})
    finally:
        _clean_up(campaign, running)
    return {"cycles": results, "stand_in": "RecordedReportAdapter (recorded `bps report` output, no subprocess)"}


def _grow_fixture(campaign: Campaign, operator, target: int) -> None:
    """As many running submissions in the fixture campaign as ``target``, one step each."""
    have = Step.objects.filter(campaign=campaign).count()
    if target <= have:
        return
    now = timezone.now()
    with transaction.atomic():
        steps = Step.objects.bulk_create(
            [Step(campaign=campaign, name=f"poll-{n}", position=n) for n in range(have + 1, target + 1)],
            batch_size=2_000,
        )
        Submission.objects.bulk_create(
            [
                Submission(
                    step=step,
                    idempotency_key=f"bench-poll-{step.pk}",
                    status=SubmissionStatus.RUNNING,
                    requested_by=operator,
                    dispatched_at=now,
                    started_at=now,
                    working_dir=f"/sdf/data/rubin/campaigns/poll/{step.name}",
                    wms_run_id=f"{50_000 + step.pk}.0",
                )
                for step in steps
            ],
            batch_size=2_000,
        )
    # The planner's statistics as autovacuum would have them once thousands of submissions run: without them
    # it believes a handful run and reads every running one for each batch.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE campaigns_submission, campaigns_step")


def _clean_up(campaign: Campaign, running: list[Submission]) -> None:
    """The fixture deleted, the history's running submissions as they were, and the tables' statistics
    made again (tens of thousands of dead rows would otherwise mislead the planner of a later run)."""
    with transaction.atomic():
        Submission.objects.filter(step__campaign=campaign).delete()
        Step.objects.filter(campaign=campaign).delete()
        campaign.delete()
        Submission.objects.bulk_update(running, RESTORED_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) campaigns_submission, campaigns_step, campaigns_campaign")
