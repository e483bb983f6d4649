"""Checks made before any submission, each with a message a person can act on."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.utils import timezone

from campaigns import bps_config
from campaigns.choices import SubmissionStatus
from campaigns.models import Campaign, ComputeSite, Step, StepGroup, Submission, steps_completed
from releases.models import Release


@dataclass(frozen=True)
class Problem:
    check: str
    message: str


# Checks of a release for a campaign that apps above this one add (``register_release_check`` in their
# ``AppConfig.ready``): each takes the campaign and a release and returns why the campaign may not run it, or "".
# The committee app registers "the release is approved for this campaign". Asked before a submission, at dispatch
# and when a campaign moves to another release (``release_problems``).
RELEASE_CHECKS: list[Callable[[Campaign, Release], str]] = []


def register_release_check(check: Callable[[Campaign, Release], str]) -> Callable[[Campaign, Release], str]:
    if check not in RELEASE_CHECKS:
        RELEASE_CHECKS.append(check)
    return check


def release_problems(campaign: Campaign, release: Release, *, today: date | None = None) -> list[str]:
    """Why the campaign may not run this release now (empty when it may): the release's own rule (withdrawn,
    ended, or past its last day of support that the daily task has not moved yet), a weekly build for production,
    and the registered checks."""
    problems = []
    closed = release.closed_reason(today or timezone.localdate())
    if closed:
        problems.append(f"{closed}; it takes no new submissions.")
    if release.is_weekly and not campaign.is_mini_run:
        problems.append(
            f"{release} is a weekly build: only a mini run runs a weekly; a production campaign runs a release "
            "(cut from the weekly)."
        )
    problems.extend(problem for check in RELEASE_CHECKS if (problem := check(campaign, release)))
    return problems


@dataclass(frozen=True)
class GateVerdict:
    """Whether a campaign that runs automatically may start the step after this one: ``proceed``; or ``wait`` (the
    gate waits for the run's metrics); or neither, held, for ``reason``."""

    proceed: bool
    wait: bool = False
    reason: str = ""


# The QA gate of a step, which the QA app registers (``register_step_gate``): it takes a step whose work is done
# and says whether the next may start. Without one registered, every step passes.
STEP_GATES: list[Callable[[Step], GateVerdict]] = []


def register_step_gate(gate: Callable[[Step], GateVerdict]) -> Callable[[Step], GateVerdict]:
    if gate not in STEP_GATES:
        STEP_GATES.append(gate)
    return gate


def step_gate_verdict(step: Step) -> GateVerdict:
    """The registered gates' verdict on a step whose work is done: the first that does not let it proceed."""
    for gate in STEP_GATES:
        verdict = gate(step)
        if not verdict.proceed:
            return verdict
    return GateVerdict(proceed=True)


def output_run_for(campaign: Campaign, step: Step, submission_number: int, group: StepGroup | None = None) -> str:
    """The output RUN collection of a submission; a group's runs chain under a collection of the group's own, so
    that the groups of a step never read each other's outputs."""
    step_part = f"{step.name}/{group.name}" if group is not None else step.name
    return f"{campaign.output_prefix.rstrip('/')}/{step_part}/submission-{submission_number}"


def group_query(step_query: str, group: StepGroup | None) -> str:
    """The data query of a group: the step's (or the campaign's) query and the group's slice, both in force."""
    if group is None or not group.data_query.strip():
        return step_query
    if not step_query.strip():
        return group.data_query
    return f"({step_query}) AND ({group.data_query})"


def earlier_step_outputs(step: Step) -> list[str]:
    """The output runs of the steps before this one (the newest successful run of each of their groups, or of the
    step when it has none), newest step first: a later step reads what the earlier ones made."""
    return _outputs_before(newest_successful_runs(step.campaign_id), step.position)


def newest_successful_runs(campaign_id: int) -> list[tuple[int, str]]:
    """(step position, output run) of the newest successful run of each step and group of the campaign, the later
    steps first. One query."""
    runs = (
        Submission.objects.filter(step__campaign_id=campaign_id, status=SubmissionStatus.SUCCEEDED)
        .exclude(run_collection="")
        .order_by("-step__position", "group__position", "-pk")
        .values_list("step__position", "group_id", "run_collection")
    )
    seen, newest = set(), []
    for position, group_id, run in runs:
        if (position, group_id) not in seen:
            seen.add((position, group_id))
            newest.append((position, run))
    return newest


def _outputs_before(runs: list[tuple[int, str]], position: int) -> list[str]:
    return [run for run_position, run in runs if run_position < position]


def next_configs(campaign: Campaign) -> list[tuple[Step, str]]:
    """Each step's BPS configuration as its next submission would get it (a configuration error as a YAML
    comment); the earlier steps' outputs read once for all."""
    runs = newest_successful_runs(campaign.pk)
    configs = []
    for step in campaign.steps.all():
        try:
            config = render_config(campaign, step, "next", earlier_outputs=_outputs_before(runs, step.position))
        except bps_config.ConfigError as error:
            config = f"# {error}"
        configs.append((step, config))
    return configs


def preflight_problems(campaign: Campaign, step: Step, *, rendered_config: str | None = None) -> list[Problem]:
    """What stops this step from being submitted now (empty when nothing does)."""
    problems = []
    if campaign.release is None:
        problems.append(Problem("release", "The campaign names no pipeline release."))
    else:
        problems.extend(Problem("release", message) for message in release_problems(campaign, campaign.release))
    try:
        # The keys are the definition's concern: rendered without reading the earlier steps' outputs (a query).
        rendered = (
            rendered_config
            if rendered_config is not None
            else render_config(campaign, step, "preflight", earlier_outputs=[])
        )
        missing = bps_config.missing_keys(rendered)
        if missing:
            problems.append(Problem("config", f"The BPS configuration lacks {', '.join(missing)}."))
    except bps_config.ConfigError as error:
        problems.append(Problem("config", str(error)))
    if not campaign.butler_repo:
        problems.append(Problem("repository", "The campaign names no Butler repository."))
    elif "://" not in campaign.butler_repo and not (Path(campaign.butler_repo) / "butler.yaml").exists():
        problems.append(Problem("repository", f"No Butler repository at {campaign.butler_repo} (no butler.yaml)."))
    if step.depends_on_id is not None and not steps_completed([step.depends_on_id]):
        problems.append(Problem("previous-step", f"The step {step.depends_on.name} it depends on is not complete."))
    return problems


def compute_site_section(site: ComputeSite | None, submission_number: int | str = "") -> dict | None:
    """The BPS ``site`` section of the campaign's compute site (``bps_config.site_section``) for a submission;
    None for none."""
    if site is None:
        return None
    return bps_config.site_section(
        name=site.name,
        kind=site.kind,
        partition=site.partition,
        nodes=site.nodes,
        cores_per_node=site.cores_per_node,
        walltime=site.walltime,
        account=site.account,
        memory_per_node_gb=site.memory_per_node_gb,
        address=site.submit_host.address or "",
        submission_number=submission_number,
    )


def render_config(
    campaign: Campaign,
    step: Step,
    submission_number: int | str,
    group: StepGroup | None = None,
    *,
    memory_factor: float = 1.0,
    earlier_outputs: list[str] | None = None,
) -> str:
    """The BPS configuration of a submission of the step (of one of its groups): its query is the group's slice
    of the step's, and it reads the outputs of the earlier steps (``earlier_step_outputs`` unless given) before
    the campaign's inputs."""
    if earlier_outputs is None:
        earlier_outputs = earlier_step_outputs(step) if step.position > 1 else []
    return bps_config.render(
        template=campaign.bps_template,
        overrides=campaign.bps_overrides,
        workflow_system=campaign.workflow_system,
        pipeline=campaign.pipeline,
        butler_repo=campaign.butler_repo,
        input_collections=[*earlier_outputs, *campaign.input_collections],
        data_query=group_query(step.data_query or campaign.data_query, group),
        output_run=output_run_for(campaign, step, submission_number, group),
        step_name=step.name,
        pipeline_subset=step.pipeline_subset,
        step_overrides=step.bps_overrides,
        memory_factor=memory_factor,
        site=compute_site_section(campaign.compute_site, submission_number),
    )
