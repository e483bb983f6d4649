"""Campaigns, steps and submissions (per-task counts, failures, audit, the waivers of accepted steps)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from bench import shapes
from bench.history.base import TERMINAL_FAILURES, RunShape
from campaigns.choices import CampaignStatus, SubmissionStatus, WorkflowSystem
from campaigns.models import Campaign, Step, Submission
from committee.choices import DecisionStatus
from qa.models import Waiver

# Campaigns, steps, submissions ------------------------------------------------------------------------


@dataclass
class CampaignShape:
    campaign: Campaign
    started: datetime
    weight: float
    release_index: int
    steps: list[tuple[Step, int]] = field(default_factory=list)  # (step, STEP_KINDS index)


def campaigns(history, rng, plan, users, releases) -> list[CampaignShape]:
    n = plan.campaigns
    statuses = _campaign_statuses(n)
    shaped = [_campaign(history, rng, users, releases, index, n, status) for index, status in enumerate(statuses)]
    shaped[n // 4].weight *= 2.5  # the largest campaign, a long-running one with many attempts
    for shape, step_count in zip(shaped, _step_counts(rng, plan, shaped), strict=True):
        _steps(history, shape, int(step_count))
    return shaped


def _campaign_statuses(n: int) -> list[str]:
    """The newest campaigns run; a draft, a paused, a failed and a cancelled one; the rest are finished."""
    statuses = [CampaignStatus.ACCEPTED if i % 3 else CampaignStatus.COMPLETED for i in range(n)]
    statuses[-1], statuses[-2], statuses[-3] = CampaignStatus.DRAFT, CampaignStatus.RUNNING, CampaignStatus.RUNNING
    statuses[-4] = CampaignStatus.PAUSED
    if n > 6:
        statuses[n // 2], statuses[n // 3] = CampaignStatus.FAILED, CampaignStatus.CANCELLED
    return statuses


CAMPAIGN_SPAN_DAYS = 3 * 365
WORKFLOW_SYSTEMS = (WorkflowSystem.HTCONDOR, WorkflowSystem.PANDA, WorkflowSystem.HTCONDOR, WorkflowSystem.PARSL)


def _campaign(history, rng, users, releases, index: int, n: int, status: str) -> CampaignShape:
    """The index-th of n campaigns, started in turn over the last three years, with its audit row."""
    dataset, repo, collection = shapes.DATASETS[index % len(shapes.DATASETS)]
    started = history.now - timedelta(days=CAMPAIGN_SPAN_DAYS * (1 - index / n) + 5)
    release_index = min(len(releases) - 1, index * len(releases) // n)
    name = f"{dataset} reprocessing {started:%Y-%m} #{index + 1}"
    owner = users.operators[index % 6]
    prefix = f"u/{owner.username}/{dataset.lower().replace(' ', '-')}-{index + 1}"
    campaign = history.add(
        Campaign(
            name=name,
            description=f"Reprocessing of {dataset} with {releases[release_index].version}.",
            dataset_label=dataset,
            butler_repo=repo,
            input_collections=[collection, "refcats", "skymaps"],
            output_prefix=prefix,
            data_query="instrument = 'LSSTCam-imSim' AND skymap = 'DC2_cells_v1'",
            pipeline="${DRP_PIPE_DIR}/pipelines/LSSTCam-imSim/DRP-test-med-1.yaml",
            release_id=releases[release_index].pk,
            workflow_system=WORKFLOW_SYSTEMS[index % len(WORKFLOW_SYSTEMS)],
            bps_template=_bps_config(name, repo, collection, prefix, "", "submission-N"),
            bps_overrides="requestMemory: 8192\n" if index % 4 == 0 else "",
            owner_id=owner.pk,
            status=status,
            created_at=started - timedelta(days=3),
            updated_at=started + timedelta(days=30),
        )
    )
    # The weight decides the share of steps, submissions and jobs: a few campaigns are much larger.
    weight = 0.0 if status == CampaignStatus.DRAFT else float(rng.lognormal(0.0, 0.6))
    history.audit(started - timedelta(days=3), owner, "campaign.created", campaign)
    return CampaignShape(campaign, started, weight, release_index)


def _step_counts(rng, plan, shaped: list[CampaignShape]) -> np.ndarray:
    """Steps per campaign: at least one each, the rest by weight; the largest campaign has several, none more
    than 12, and they add up to the planned total."""
    n = len(shaped)
    extra = plan.steps - n
    shares = np.array([shape.weight + 0.2 for shape in shaped])
    counts = 1 + rng.multinomial(extra, shares / shares.sum())
    counts[n // 4] = max(counts[n // 4], min(8, plan.steps // 4))
    while counts.sum() > plan.steps or counts.max() > 12:  # back to the planned total, 12 steps at most
        others = np.where(np.arange(n) == n // 4, 0, counts)
        counts[int(others.argmax()) if counts.max() <= 12 else int(counts.argmax())] -= 1
    counts[int(np.argmin(counts))] += plan.steps - int(counts.sum())
    return counts


def _steps(history, shape: CampaignShape, step_count: int) -> None:
    """A campaign's steps, each depending on the one before, cycling through the step kinds."""
    previous = None
    for position in range(1, step_count + 1):
        kind = (position - 1) % len(shapes.STEP_KINDS)
        subset = shapes.STEP_KINDS[kind][0]
        step = history.add(
            Step(
                campaign=shape.campaign,
                name=f"step{position}",
                position=position,
                pipeline_subset=subset,
                data_query="",
                depends_on_id=previous.pk if previous else None,
            )
        )
        shape.steps.append((step, kind))
        previous = step


def _bps_config(campaign: str, repo: str, collection: str, output: str, subset: str, payload: str) -> str:
    return shapes.BPS_TEMPLATE.format(
        subset=subset,
        plugin="htcondor",
        service="HTCondorService",
        site="s3df",
        memory=4096,
        project="dp02",
        campaign=campaign,
        payload=payload,
        repo=repo,
        collections=f"{collection},refcats,skymaps",
        query="instrument = 'LSSTCam-imSim' AND skymap = 'DC2_cells_v1'",
        output=output,
        walltime=43200,
        priority=10,
    )


STATUS_OF_EARLIER_ATTEMPTS = (
    (SubmissionStatus.SUCCEEDED, 0.55),
    (SubmissionStatus.FAILED, 0.3),
    (SubmissionStatus.CANCELLED, 0.08),
    (SubmissionStatus.LOST, 0.07),
)


def submissions(history, rng, plan, users, campaigns: list[CampaignShape], metrics, decisions) -> None:
    steps = [(shape, step, kind) for shape in campaigns for step, kind in shape.steps]
    # A campaign's share of the submissions follows its weight, whatever its number of steps.
    weights = np.array([shape.weight / len(shape.steps) * float(rng.lognormal(0.0, 0.5)) for shape, *_ in steps])
    per_step = rng.multinomial(plan.submissions, weights / weights.sum())
    # Quanta per attempt of each step (restarts re-run the same graph): heavy-tailed, scaled to the jobs.
    sizes = np.array([float(rng.lognormal(0.0, 1.2)) for _ in steps])
    sizes *= plan.jobs / max(1.0, float((sizes * per_step).sum()))
    approved = [d for d in decisions if d.status in (DecisionStatus.APPROVED, DecisionStatus.ENDORSED)]
    waivers_left = 3
    for (shape, step, kind), count, size in zip(steps, per_step, sizes, strict=True):
        last_succeeded = _step_submissions(history, rng, users, shape, step, kind, int(count), size, metrics)
        if shape.campaign.status == CampaignStatus.ACCEPTED and last_succeeded:
            _accept_step(users, step, last_succeeded)
            if waivers_left and approved and rng.random() < 0.2:
                waivers_left -= 1
                _waiver(history, users, step, last_succeeded, approved[waivers_left % len(approved)])


def _step_submissions(history, rng, users, shape: CampaignShape, step, kind: int, count: int, size, metrics):
    """A step's attempts, one after the other from its start until now at the latest, each restarting the one
    before when that one failed (mostly); the last succeeded one, if any."""
    campaign = shape.campaign
    labels = shapes.STEP_KINDS[kind][1]
    step_metrics = [metric.pk for label in labels for metric in metrics.get(label, [])]
    when = min(shape.started + timedelta(days=4 * step.position), history.now - timedelta(days=1))
    slot = min(timedelta(days=1), (history.now - timedelta(hours=2) - when) / max(1, count))
    previous = None
    last_succeeded = None
    for number in range(count):
        status = _attempt_status(rng, campaign, last=number == count - 1)
        restarts = previous if previous is not None and previous.status in TERMINAL_FAILURES else None
        if restarts is not None and rng.random() < 0.2:
            restarts = None  # submitted afresh instead of restarted
        duration = slot * float(rng.uniform(0.3, 0.8))
        counts = _task_counts(rng, labels, max(3, round(size)), status)
        submission = _submission(
            history,
            rng,
            users,
            step,
            number=number,
            when=when,
            duration=duration,
            status=status,
            counts=counts,
            labels=labels,
            restarts=restarts,
        )
        _submission_audit(history, users, submission, restarts)
        if status == SubmissionStatus.SUCCEEDED and step_metrics:
            last_succeeded = submission
            history.runs.append(
                RunShape(
                    submission_id=submission.pk,
                    metric_ids=step_metrics,
                    data_id_kind=shapes.STEP_KINDS[kind][2],
                    visit_base=100_000 * (campaign.pk % 50) + 1_000 * step.position,
                    started_at=submission.started_at,
                    ended_at=submission.ended_at,
                    release_index=shape.release_index,
                    weight=float(counts_total(counts)) * len(step_metrics),
                )
            )
        previous = submission
        when += slot
    return last_succeeded


def _attempt_status(rng, campaign: Campaign, *, last: bool) -> str:
    """Drawn for every attempt; the last one's follows its campaign's status instead."""
    statuses, probabilities = zip(*STATUS_OF_EARLIER_ATTEMPTS, strict=True)
    status = str(rng.choice(statuses, p=probabilities))
    if last:
        status = {
            CampaignStatus.RUNNING: SubmissionStatus.RUNNING,
            CampaignStatus.FAILED: SubmissionStatus.FAILED,
            CampaignStatus.CANCELLED: SubmissionStatus.CANCELLED,
            CampaignStatus.PAUSED: SubmissionStatus.FAILED,
        }.get(campaign.status, SubmissionStatus.SUCCEEDED)
    return status


def _submission(history, rng, users, step, *, number, when, duration, status, counts, labels, restarts) -> Submission:
    """The number-th attempt of a step, asked for at ``when``, with its run collection, submit directory and
    BPS config."""
    campaign = step.campaign
    running = status == SubmissionStatus.RUNNING
    started = when + timedelta(minutes=2)
    ended = None if running else started + duration
    submission = history.add(
        Submission(
            step=step,
            attempt=restarts.attempt + 1 if restarts else 1,
            restarts_id=restarts.pk if restarts else None,
            status=status,
            requested_by_id=users.operators[(step.pk + number) % 6].pk,
            created_at=when,
            dispatched_at=when + timedelta(minutes=1),
            started_at=started,
            ended_at=ended,
            last_polled_at=history.now - timedelta(seconds=30) if running else ended,
            working_dir=f"/sdf/data/rubin/campaigns/campaign-{campaign.pk}/{step.name}",
            host="sdfiana012",
            task_counts=counts,
            failures=_failures(rng, labels, counts) if status == SubmissionStatus.FAILED else [],
            error="The bps process vanished." if status == SubmissionStatus.LOST else "",
            dispatch_tries=1,
        )
    )
    submission.idempotency_key = f"bench-{submission.pk}"
    submission.set_task_counts(counts)
    collection = f"{campaign.output_prefix}/{step.name}/submission-{submission.pk}"
    submission.run_collection = collection
    submission.submit_dir = f"/sdf/data/rubin/u/operator/submit/{collection}"
    submission.wms_run_id = f"{9000 + submission.pk}.0"
    submission.bps_config = _bps_config(
        campaign.name,
        campaign.butler_repo,
        campaign.input_collections[0],
        collection,
        step.pipeline_subset,
        f"submission-{submission.pk}",
    )
    return submission


def _accept_step(users, step, submission) -> None:
    """The lead accepts the step's last succeeded attempt a day after it ended."""
    step.accepted_submission_id = submission.pk
    step.accepted_at = submission.ended_at + timedelta(days=1)
    step.accepted_by_id = users.lead.pk


def _waiver(history, users, step, submission, decision) -> None:
    """A waiver of a failed specification for the accepted attempt, on the strength of an approved decision."""
    history.add(
        Waiver(
            step_id=step.pk,
            submission_id=submission.pk,
            reason="The PSF metric fails by a hair on two tracts; accepted for the preview.",
            decision_id=decision.pk,
            granted_by_id=users.lead.pk,
            created_at=step.accepted_at,
        )
    )


def counts_total(counts: dict) -> int:
    return sum(task["succeeded"] for task in counts.values())


def _task_counts(rng, labels, expected: int, status: str) -> dict:
    """Per task label: expected, succeeded, failed, blocked, running (what `bps report` gives)."""
    shares = rng.dirichlet(np.ones(len(labels)) * 3)
    counts = {"pipetaskInit": {"expected": 1, "succeeded": 1, "failed": 0, "blocked": 0, "running": 0}}
    for position, (label, share) in enumerate(zip(labels, shares, strict=True)):
        n = max(1, round(expected * share))
        done, failed, blocked, running = n, 0, 0, 0
        if status == SubmissionStatus.FAILED:
            failed = int(rng.integers(1, max(2, n // 20 + 2)))
            blocked = int(n * 0.1) if position else 0
            done = max(0, n - failed - blocked)
        elif status == SubmissionStatus.RUNNING:
            done = int(n * (1 - (position + 1) / (len(labels) + 1)))
            running = min(n - done, max(1, n // 10))
        elif status in (SubmissionStatus.CANCELLED, SubmissionStatus.LOST):
            done = int(n * rng.random())
        counts[label] = {"expected": n, "succeeded": done, "failed": failed, "blocked": blocked, "running": running}
    final_done = 1 if status == SubmissionStatus.SUCCEEDED else 0
    counts["finalJob"] = {"expected": 1, "succeeded": final_done, "failed": 0, "blocked": 0, "running": 0}
    return counts


def _failures(rng, labels, counts) -> list[dict]:
    failures = []
    for label in labels:
        for n in range(min(counts[label]["failed"], 20 - len(failures))):
            message = shapes.FAILURE_MESSAGES[int(rng.integers(0, len(shapes.FAILURE_MESSAGES)))]
            failures.append(
                {
                    "task": label,
                    "data_id": {
                        "instrument": shapes.INSTRUMENT,
                        "visit": 1000 + n,
                        "detector": int(rng.integers(0, 189)),
                    },
                    "message": f"Traceback (most recent call last):\n  ...\n{message}",
                    "log": f"jobs/{label}/{1000 + n}.log",
                }
            )
    return failures


def _submission_audit(history, users, submission, restarts) -> None:
    actor = users.operators[submission.requested_by_id % 6]
    history.audit(
        submission.created_at,
        actor,
        "submission.restart-requested" if restarts else "submission.requested",
        submission,
        attempt=submission.attempt,
    )
    history.audit(submission.started_at, None, "submission.running", submission)
    if submission.ended_at:
        history.audit(
            submission.ended_at,
            None,
            f"submission.{submission.status}",
            submission,
            expected=submission.quanta_expected,
            failed=submission.quanta_failed,
        )
    if submission.status == SubmissionStatus.SUCCEEDED:
        history.audit(submission.ended_at + timedelta(minutes=5), None, "qa.measurements-ingested", submission)
