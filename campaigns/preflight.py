"""Checks made before any submission, each with a message a person can act on."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.utils import timezone

from campaigns import bps_config
from campaigns.choices import SubmissionStatus
from campaigns.models import Campaign, Step, Submission
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


def output_run_for(campaign: Campaign, step: Step, submission_number: int) -> str:
    return f"{campaign.output_prefix.rstrip('/')}/{step.name}/submission-{submission_number}"


def preflight_problems(campaign: Campaign, step: Step, *, rendered_config: str | None = None) -> list[Problem]:
    """What stops this step from being submitted now (empty when nothing does)."""
    problems = []
    if campaign.release is None:
        problems.append(Problem("release", "The campaign names no pipeline release."))
    else:
        problems.extend(Problem("release", message) for message in release_problems(campaign, campaign.release))
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
