"""Writes of QA: ingesting a run's measurements, the QA gate of a step, waivers, specifications."""

import json
import subprocess
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from campaigns import services as campaigns_services
from campaigns.choices import SubmissionStatus
from campaigns.models import Step, Submission, lock_rows, steps_completed
from campaigns.preflight import GateVerdict
from campaigns.workflow.base import StackCommandError, stack_command, stack_environment
from committee.models import Decision
from console.errors import Conflict, InvalidInput
from console.services import audit_record
from console.tasks import enqueue_on_commit
from console.text_limits import REASON, text_check
from qa import selectors
from qa.choices import WAIVER_DECISION_KINDS, WAIVER_DECISION_STATUSES, GateState
from qa.gate import StepGate, gate_state
from qa.ingest import IngestReport, measurements_ingest
from qa.judging import fresh_statistics, runs_judged
from qa.models import Measurement, Specification, Waiver
from qa.permissions import ACCEPT_STEPS, RECORD_WAIVERS, SET_SPECIFICATIONS, UPLOAD_MEASUREMENTS
from qa.specs import SpecResult


def submission_metrics_ingest(*, submission_id: int) -> IngestReport | None:
    """Ingest a succeeded run's measurements from its task metadata (once: a second call does nothing)."""
    submission = Submission.objects.select_related("step__campaign").get(pk=submission_id)
    if submission.status != SubmissionStatus.SUCCEEDED or not submission.run_collection:
        return None
    if Measurement.objects.filter(submission=submission).exists():
        return None
    return measurements_ingest(
        submission=submission,
        rows=_stack_measurements(submission.step.campaign.butler_repo, submission.run_collection),
        register_unknown=True,
        source="task-metadata",
    )


def _stack_measurements(repo: str, run: str) -> Iterator[dict]:
    """Stream the stack-side reader's JSON lines (console_stack/read_metrics.py) without holding them all."""
    python = str(settings.STACK_ENV_DIR / "bin" / "python")
    process = subprocess.Popen(  # noqa: S603 - our own module in the stack's Python
        stack_command(python, "-m", "console_stack.read_metrics", repo, run),
        env=stack_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in process.stdout:
            yield json.loads(line)
    finally:
        process.stdout.close()
        stderr = process.stderr.read()
        process.stderr.close()
        if process.wait(timeout=settings.STACK_COMMAND_TIMEOUT) != 0:
            raise StackCommandError(f"read_metrics failed: {stderr.strip()[-500:]}", transient=True)


def submission_qa(submission: Submission) -> list[SpecResult]:
    """Every specification that applies to the run (every blocking one among them), judged on its statistics."""
    statistics = fresh_statistics([submission.pk])
    return runs_judged([submission], statistics, include_blocking=True)[submission.pk]


def step_gate(step: Step) -> StepGate:
    """The step's latest successful run judged at the QA gate: its blocking specifications, a waiver, the state
    (``qa.gate.gate_state``: waiting for the run's metrics, failing, waived, passing, nothing to judge). Whether
    the step was accepted already is the caller's to say (the gate judges the latest run all the same)."""
    submission = selectors.latest_succeeded_run_of(step)
    if submission is None:
        return StepGate(step=step, state=GateState.NO_RUN)
    # A blocking specification with nothing to judge (no measurements) blocks too: no data is no pass.
    blocking = [result for result in submission_qa(submission) if result.spec.blocking]
    waiver = selectors.waiver_of(step, submission)
    state = gate_state(submission=submission, blocking=blocking, waiver=waiver, now=timezone.now())
    return StepGate(step=step, state=state, submission=submission, blocking=blocking, waiver=waiver)


def step_gate_for_automation(step: Step) -> GateVerdict:
    """The QA gate as a campaign that runs automatically asks it, before starting the step after ``step``: the
    newest successful run of each of the step's groups (of the step, when it has none) is judged on its blocking
    specifications, all runs at once; the next step waits while one waits for its metrics, and is held while one
    fails (unless waived). An accepted step passes."""
    if step.accepted_at is not None:
        return GateVerdict(proceed=True)
    newest: dict[int | None, Submission] = {}
    for run in selectors.runs().filter(step=step, status=SubmissionStatus.SUCCEEDED).order_by(*selectors.NEWEST_FIRST):
        newest.setdefault(run.group_id, run)
    if not newest:
        return GateVerdict(proceed=False, reason=f"the step {step.name} has no successful run")
    judged = runs_judged(
        list(newest.values()), fresh_statistics([run.pk for run in newest.values()]), include_blocking=True
    )
    waivers = {
        waiver.submission_id: waiver for waiver in Waiver.objects.filter(step=step, submission__in=newest.values())
    }
    now = timezone.now()
    waiting, failing = [], []
    for run in newest.values():
        blocking = [result for result in judged[run.pk] if result.spec.blocking]
        state = gate_state(submission=run, blocking=blocking, waiver=waivers.get(run.pk), now=now)
        if state == GateState.WAITING_FOR_METRICS:
            waiting.append(run)
        elif state == GateState.FAILING:
            verdicts = "; ".join(result.verdict for result in blocking if result.passed is not True)
            failing.append(f"run #{run.pk}: {verdicts}")
    if failing:
        return GateVerdict(proceed=False, reason=" ".join(failing[:3]) + (" ..." if len(failing) > 3 else ""))
    if waiting:
        return GateVerdict(proceed=False, wait=True, reason=f"{len(waiting)} run(s) wait for their metrics")
    return GateVerdict(proceed=True)


@transaction.atomic
def step_accept(*, actor: AbstractBaseUser, step: Step) -> Step:
    """Accept a step: its latest successful run passes every blocking specification, or a waiver allows it."""
    ACCEPT_STEPS.check(actor)
    # The campaign, then the step: the one lock order of campaigns/models.py.
    campaign, step, _ = lock_rows(campaign_id=step.campaign_id, step_id=step.pk)
    if campaign.acceptance_refusal():
        raise Conflict(campaign.acceptance_refusal())
    if step.accepted_at is not None:
        raise Conflict(f"The step {step.name} was accepted already.")
    gate = step_gate(step)
    if not gate.may_be_accepted:
        raise Conflict(gate.refusal())
    if step.is_split:
        # Every group's newest successful run is judged, not only the latest run of the step.
        if not steps_completed([step.pk]):
            raise Conflict(f"The step {step.name} is split into groups and not every group has a successful run.")
        verdict = step_gate_for_automation(step)
        if not verdict.proceed:
            raise Conflict(f"A group of the step {step.name} does not pass the QA gate: {verdict.reason}")
    return campaigns_services.step_accept(
        actor=actor,
        step=step,
        submission=gate.submission,
        gate={
            "state": gate.state.value,
            "waiver": gate.waiver.pk if gate.waiver else None,
            "failing_blocking_specs": [str(result.spec) for result in gate.failing],
        },
    )


@transaction.atomic
def waiver_grant(*, actor: AbstractBaseUser, step: Step, reason: str, decision: Decision) -> Waiver:
    """Record that a committee decision allows accepting the step's latest run despite failing specifications.

    The decision is one of ``selectors.decisions_allowing_waivers``: in effect (approved by the policy committee and
    endorsed), about campaign policy or QA, naming the step's campaign or its release.
    """
    RECORD_WAIVERS.check(actor)
    text_check(reason.strip(), limit=REASON, what="The reason")
    campaign, step, _ = lock_rows(campaign_id=step.campaign_id, step_id=step.pk)
    if campaign.acceptance_refusal():
        raise Conflict(f"{campaign.acceptance_refusal()} A waiver would allow nothing.")
    if not reason.strip():
        raise InvalidInput("A waiver says why.")
    if decision.status not in WAIVER_DECISION_STATUSES:
        raise Conflict(
            f"Decision #{decision.pk} is {decision.status}; only a decision in effect (approved and endorsed) allows "
            "a waiver."
        )
    if not selectors.decisions_allowing_waivers(campaign).filter(pk=decision.pk).exists():
        kinds = " or ".join(WAIVER_DECISION_KINDS)
        release = f" or its release {campaign.release}" if campaign.release_id else ""
        raise Conflict(
            f"Decision #{decision.pk} does not allow a waiver for the campaign {campaign.name}: a waiver cites an "
            f"endorsed {kinds} decision that names the campaign{release}."
        )
    gate = step_gate(step)
    submission, existing = gate.submission, gate.waiver
    if submission is None:
        raise Conflict(f"The step {step.name} has no successful run to waive.")
    if existing is not None:
        raise Conflict(f"The run of {step.name} has a waiver already (decision #{existing.decision_id}).")
    if gate.state == GateState.WAITING_FOR_METRICS:
        raise Conflict(f"{gate.refusal()} A waiver is recorded for what a run is known to fail.")
    waiver = Waiver.objects.create(
        step=step, submission=submission, reason=reason.strip(), decision=decision, granted_by=actor
    )
    audit_record(
        actor=actor,
        action="qa.waiver-granted",
        obj=step.campaign,
        after={"step": step.name, "submission": submission.pk, "decision": decision.pk, "reason": waiver.reason},
    )
    return waiver


@transaction.atomic
def specification_create(*, actor: AbstractBaseUser, **fields) -> Specification:
    """A threshold for a metric at a level (people with the lead or committee-member role)."""
    SET_SPECIFICATIONS.check(actor)
    if bool(fields.get("tag_key")) != bool(fields.get("tag_value")):
        raise InvalidInput("A tag restriction needs both the tag and its value (e.g. band and r).")
    spec = Specification.objects.create(**fields)
    audit_record(actor=actor, action="qa.specification-created", obj=spec, after={"spec": str(spec)})
    if spec.tag_key:
        _store_slice_statistics_on_commit(spec.tag_key, spec.tag_value)
    return spec


def _store_slice_statistics_on_commit(tag_key: str, tag_value: str) -> None:
    """The runs' statistics of the slice, computed in the background (a page would compute them otherwise)."""
    from qa.tasks import store_slice_statistics_task

    what = f"the statistics of the slice {tag_key}={tag_value}"
    enqueue_on_commit(store_slice_statistics_task, tag_key, tag_value, what=what)


def measurements_upload(
    *, actor: AbstractBaseUser, submission: Submission, rows, register_unknown: bool = False, source: str = "api"
) -> IngestReport:
    """Measurements sent by a person or a script (API, file upload, command)."""
    UPLOAD_MEASUREMENTS.check(actor)
    return measurements_ingest(
        submission=submission, rows=rows, register_unknown=register_unknown, actor=actor, source=source
    )
