"""Campaigns, steps and submissions (per-task counts, failures, audit), metrics and specifications."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from bench import shapes
from bench.history.base import TERMINAL_FAILURES, History, RunShape
from bench.shapes import Plan
from campaigns.choices import CampaignStatus, SubmissionStatus, WorkflowSystem
from campaigns.models import Campaign, Step, Submission
from committee.choices import DecisionStatus
from qa.models import Metric, Specification, Waiver

# Campaigns, steps, submissions ------------------------------------------------------------------------


@dataclass
class CampaignShape:
    campaign: Campaign
    started: datetime
    weight: float
    release_index: int
    steps: list[tuple[Step, int]] = field(default_factory=list)  # (step, STEP_KINDS index)


def campaigns(history, rng, plan, users, releases) -> list[CampaignShape]:
    shaped = []
    span_days = 3 * 365
    n = plan.campaigns
    # The newest campaigns run; a draft, a paused, a failed and a cancelled one; the rest are finished.
    statuses = [CampaignStatus.ACCEPTED if i % 3 else CampaignStatus.COMPLETED for i in range(n)]
    statuses[-1], statuses[-2], statuses[-3] = CampaignStatus.DRAFT, CampaignStatus.RUNNING, CampaignStatus.RUNNING
    statuses[-4] = CampaignStatus.PAUSED
    if n > 6:
        statuses[n // 2], statuses[n // 3] = CampaignStatus.FAILED, CampaignStatus.CANCELLED
    systems = (WorkflowSystem.HTCONDOR, WorkflowSystem.PANDA, WorkflowSystem.HTCONDOR, WorkflowSystem.PARSL)
    for index in range(n):
        dataset, repo, collection = shapes.DATASETS[index % len(shapes.DATASETS)]
        started = history.now - timedelta(days=span_days * (1 - index / n) + 5)
        release_index = min(len(releases) - 1, index * len(releases) // n)
        name = f"{dataset} reprocessing {started:%Y-%m} #{index + 1}"
        prefix = f"u/{users.operators[index % 6].username}/{dataset.lower().replace(' ', '-')}-{index + 1}"
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
                workflow_system=systems[index % len(systems)],
                bps_template=_bps_config(name, repo, collection, prefix, "", "submission-N"),
                bps_overrides="requestMemory: 8192\n" if index % 4 == 0 else "",
                owner_id=users.operators[index % 6].pk,
                status=statuses[index],
                created_at=started - timedelta(days=3),
                updated_at=started + timedelta(days=30),
            )
        )
        # The weight decides the share of steps, submissions and jobs: a few campaigns are much larger.
        weight = 0.0 if statuses[index] == CampaignStatus.DRAFT else float(rng.lognormal(0.0, 0.6))
        shaped.append(CampaignShape(campaign, started, weight, release_index))
        history.audit(started - timedelta(days=3), users.operators[index % 6], "campaign.created", campaign)
    shaped[n // 4].weight *= 2.5  # the largest campaign, a long-running one with many attempts
    # Steps: at least one per campaign, the rest by weight.
    extra = plan.steps - n
    shares = np.array([shape.weight + 0.2 for shape in shaped])
    counts = 1 + rng.multinomial(extra, shares / shares.sum())
    counts[n // 4] = max(counts[n // 4], min(8, plan.steps // 4))
    while counts.sum() > plan.steps or counts.max() > 12:  # back to the planned total, 12 steps at most
        others = np.where(np.arange(n) == n // 4, 0, counts)
        counts[int(others.argmax()) if counts.max() <= 12 else int(counts.argmax())] -= 1
    counts[int(np.argmin(counts))] += plan.steps - int(counts.sum())
    for shape, step_count in zip(shaped, counts, strict=True):
        previous = None
        for position in range(1, int(step_count) + 1):
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
    return shaped


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


def metrics(history: History, rng, plan: Plan) -> dict[str, list[Metric]]:
    """The metrics, round-robin over the task labels so that every step has some (a resource metric and a
    science metric first, so that small scales have both); task label -> metrics."""
    candidates = []
    tasks = [task for _subset, labels, _kind in shapes.STEP_KINDS for task in labels]
    science = [
        [
            (f"analysis_tools.{task}.{key}", unit, centre, spread, higher, "science")
            for key, unit, centre, spread, higher in shapes.TASK_METRIC_KEYS
        ]
        for task in tasks
    ]
    per_task = [
        [
            (f"resources.{task}.run_time", "s", 95.0 + 40 * (n % 5), 0.35, False, "resource"),
            science[n][0],
            (f"resources.{task}.max_rss", "MB", 1800.0 + 300 * (n % 4), 0.08, False, "resource"),
            *science[n][1:],
            (f"resources.{task}.run_time_cpu", "s", 80.0 + 30 * (n % 5), 0.35, False, "resource"),
        ]
        for n, task in enumerate(tasks)
    ]
    for round_ in range(max(len(options) for options in per_task)):
        for task, options in zip(tasks, per_task, strict=True):
            if round_ < len(options):
                candidates.append((task, *options[round_]))
    by_task: dict[str, list[Metric]] = defaultdict(list)
    for task, name, unit, centre, spread, higher, kind in candidates[: plan.metrics]:
        metric = history.add(
            Metric(
                name=name,
                unit=unit,
                description=f"{name.split('.')[-1]} of {task}",
                higher_is_better=higher,
            )
        )
        by_task[task].append(metric)
        history.metrics.append({"id": metric.pk, "name": name, "centre": centre, "spread": spread, "kind": kind})
    return by_task


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
    statuses, probabilities = zip(*STATUS_OF_EARLIER_ATTEMPTS, strict=True)
    approved = [d for d in decisions if d.status in (DecisionStatus.APPROVED, DecisionStatus.ENDORSED)]
    waivers_left = 3
    for (shape, step, kind), count, size in zip(steps, per_step, sizes, strict=True):
        campaign = shape.campaign
        labels = shapes.STEP_KINDS[kind][1]
        step_metrics = [metric.pk for label in labels for metric in metrics.get(label, [])]
        # The attempts of a step follow each other from its start until now at the latest.
        when = min(shape.started + timedelta(days=4 * step.position), history.now - timedelta(days=1))
        slot = min(timedelta(days=1), (history.now - timedelta(hours=2) - when) / max(1, int(count)))
        previous = None
        last_succeeded = None
        for number in range(int(count)):
            last = number == count - 1
            status = str(rng.choice(statuses, p=probabilities))
            if last:
                status = {
                    CampaignStatus.RUNNING: SubmissionStatus.RUNNING,
                    CampaignStatus.FAILED: SubmissionStatus.FAILED,
                    CampaignStatus.CANCELLED: SubmissionStatus.CANCELLED,
                    CampaignStatus.PAUSED: SubmissionStatus.FAILED,
                }.get(campaign.status, SubmissionStatus.SUCCEEDED)
            restarts = previous if previous is not None and previous.status in TERMINAL_FAILURES else None
            if restarts is not None and rng.random() < 0.2:
                restarts = None  # submitted afresh instead of restarted
            duration = slot * float(rng.uniform(0.3, 0.8))
            expected = max(3, round(size))
            counts = _task_counts(rng, labels, expected, status)
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
            _submission_audit(history, users, submission, restarts)
            if status == SubmissionStatus.SUCCEEDED and step_metrics:
                last_succeeded = submission
                history.runs.append(
                    RunShape(
                        submission_id=submission.pk,
                        metric_ids=step_metrics,
                        data_id_kind=shapes.STEP_KINDS[kind][2],
                        visit_base=100_000 * (campaign.pk % 50) + 1_000 * step.position,
                        started_at=started,
                        ended_at=ended,
                        release_index=shape.release_index,
                        weight=float(counts_total(counts)) * len(step_metrics),
                    )
                )
            previous = submission
            when += slot
        if campaign.status == CampaignStatus.ACCEPTED and last_succeeded:
            step.accepted_submission_id = last_succeeded.pk
            step.accepted_at = last_succeeded.ended_at + timedelta(days=1)
            step.accepted_by_id = users.lead.pk
            if waivers_left and approved and rng.random() < 0.2:
                waivers_left -= 1
                history.add(
                    Waiver(
                        step_id=step.pk,
                        submission_id=last_succeeded.pk,
                        reason="The PSF metric fails by a hair on two tracts; accepted for the preview.",
                        decision_id=approved[waivers_left % len(approved)].pk,
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


def specifications(history, rng, metrics, releases) -> None:
    science = [m for m in history.metrics if m["kind"] == "science"]
    resources = [m for m in history.metrics if m["name"].endswith(".max_rss")]
    for index, metric in enumerate(science[::3] + resources[::4]):
        higher = metric["name"].endswith((".zeropoint", ".nSources"))
        operator = ">=" if higher else "<="
        centre, spread = metric["centre"], metric["spread"] * (metric["centre"] if metric["kind"] != "science" else 1)
        for level, offset, blocking in (
            ("minimum", 2.5, index % 2 == 0),
            ("design", 1.0, False),
            ("stretch", 0.2, False),
        ):
            threshold = centre - offset * spread if higher else centre + offset * spread
            history.add(
                Specification(
                    metric_id=metric["id"],
                    level=level,
                    statistic="p95" if metric["kind"] == "resource" else "median",
                    operator=operator,
                    threshold=round(threshold, 4),
                    blocking=blocking,
                    min_release_id=releases[len(releases) // 2].pk if index % 5 == 4 else None,
                )
            )
        if index < 2:  # a per-band requirement, as in the SRD (r and i)
            history.add(
                Specification(
                    metric_id=metric["id"],
                    level="design",
                    statistic="median",
                    operator=operator,
                    threshold=round(centre + (-1 if higher else 1) * 0.8 * spread, 4),
                    tag_key="band",
                    tag_value="ri"[index],
                )
            )
