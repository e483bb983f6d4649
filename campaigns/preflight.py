"""Checks made before any submission, each with a message a person can act on."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from campaigns import bps_config
from campaigns.choices import SubmissionStatus
from campaigns.models import Campaign, Step, Submission


@dataclass(frozen=True)
class Problem:
    check: str
    message: str


# Checks that apps above this one add (``register_check`` in their ``AppConfig.ready``): each takes the campaign
# and step and returns its problems. The committee app registers "the release is approved for this campaign".
REGISTERED_CHECKS: list[Callable[[Campaign, Step], list[Problem]]] = []


def register_check(check: Callable[[Campaign, Step], list[Problem]]) -> Callable[[Campaign, Step], list[Problem]]:
    if check not in REGISTERED_CHECKS:
        REGISTERED_CHECKS.append(check)
    return check


def output_run_for(campaign: Campaign, step: Step, submission_number: int) -> str:
    return f"{campaign.output_prefix.rstrip('/')}/{step.name}/submission-{submission_number}"


def preflight_problems(campaign: Campaign, step: Step, *, rendered_config: str | None = None) -> list[Problem]:
    """What stops this step from being submitted now (empty when nothing does)."""
    problems = []
    if campaign.release is None:
        problems.append(Problem("release", "The campaign names no pipeline release."))
    else:
        # The release's own rule (status and date): a withdrawn or ended release, or one past its last day of
        # support that the daily task has not moved yet, takes no new submission.
        closed = campaign.release.closed_reason(timezone.localdate())
        if closed:
            problems.append(Problem("release", f"{closed}; it takes no new submissions."))
    for check in REGISTERED_CHECKS:
        problems.extend(check(campaign, step))
    try:
        rendered = rendered_config if rendered_config is not None else render_config(campaign, step, "preflight")
        missing = bps_config.missing_keys(rendered)
        if missing:
            problems.append(Problem("config", f"The BPS configuration lacks {', '.join(missing)}."))
    except bps_config.ConfigError as error:
        problems.append(Problem("config", str(error)))
    if not campaign.butler_repo:
        problems.append(Problem("repository", "The campaign names no Butler repository."))
    elif "://" not in campaign.butler_repo and not (Path(campaign.butler_repo) / "butler.yaml").exists():
        problems.append(Problem("repository", f"No Butler repository at {campaign.butler_repo} (no butler.yaml)."))
    if step.depends_on_id is not None:
        done = Submission.objects.filter(step_id=step.depends_on_id, status=SubmissionStatus.SUCCEEDED).exists()
        if not done:
            problems.append(Problem("previous-step", f"The step {step.depends_on.name} it depends on is not complete."))
    return problems


def render_config(campaign: Campaign, step: Step, submission_number: int | str) -> str:
    return bps_config.render(
        template=campaign.bps_template,
        overrides=campaign.bps_overrides,
        workflow_system=campaign.workflow_system,
        pipeline=campaign.pipeline,
        butler_repo=campaign.butler_repo,
        input_collections=campaign.input_collections,
        data_query=campaign.data_query,
        output_run=output_run_for(campaign, step, submission_number),
        step_name=step.name,
        pipeline_subset=step.pipeline_subset,
        step_query=step.data_query,
    )
