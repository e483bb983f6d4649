"""A campaign's life: defined (``campaign_create``, ``campaign_clone``), paused and resumed, moved onto another
release (``campaign_release_change``), its steps accepted, archived and unarchived (``campaign_archive``); and the
one status move of a campaign and of a submission, each checking the transition table and writing its audit row
(``campaign_move``, ``submission_move``), with what a submission's end does to its campaign."""

from enum import Enum
from typing import Literal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from campaigns import bps_config, events, preflight, selectors
from campaigns import permissions as may
from campaigns.choices import (
    ACTIVE_SUBMISSION_STATUSES,
    CAMPAIGN_RELEASE_FIXED,
    CAMPAIGN_TRANSITIONS,
    FAILED_SUBMISSION_STATUSES,
    SUBMISSION_TRANSITIONS,
    CampaignKind,
    CampaignStatus,
    SubmissionStatus,
    WorkflowSystem,
)
from campaigns.error_rules import failure_classify
from campaigns.models import (
    Campaign,
    CampaignReleaseChange,
    ComputeSite,
    Step,
    StepGroup,
    Submission,
    lock_rows,
    steps_completed,
)
from console.errors import Conflict, InvalidInput
from console.services import audit_record
from console.tasks import enqueue_on_commit
from console.text_limits import DESCRIPTION, text_check
from console.transitions import require_transition
from releases.models import Release

CAMPAIGN_FIELDS = Campaign.DEFINITION_FIELDS
# The largest concurrency limit a campaign may set (its workflow system's own limit applies too).
MAX_RUNNING_GROUPS = 100_000


def _definition(campaign: Campaign) -> dict:
    values = {name: getattr(campaign, name) for name in CAMPAIGN_FIELDS}
    values["release"] = str(campaign.release) if campaign.release_id else None
    values["compute_site"] = str(campaign.compute_site) if campaign.compute_site_id else None
    return values


@transaction.atomic
def campaign_create(
    *,
    actor: AbstractBaseUser,
    name: str,
    steps: list[dict] | None = None,
    source: str = "system",
    **definition,
) -> Campaign:
    """Define a campaign (a draft) with its steps; one step named ``all`` when none are given."""
    may.DEFINE.check(actor)
    unknown = set(definition) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown campaign field(s): {', '.join(sorted(unknown))}.")
    name = name.strip()
    if not name:
        raise InvalidInput("A campaign needs a name.")
    if Campaign.objects.filter(name=name).exists():
        raise Conflict(f"A campaign named {name!r} exists already.")
    text_check(definition.get("description") or "", limit=DESCRIPTION, what="The description")
    if definition.get("workflow_system", WorkflowSystem.PARSL) not in WorkflowSystem.values:
        raise InvalidInput(f"Unknown workflow system {definition['workflow_system']!r}.")
    _check_kind(definition.get("kind", CampaignKind.PRODUCTION), definition.get("release"))
    limit = definition.get("max_running_groups")
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_RUNNING_GROUPS
    ):
        raise InvalidInput(f"max_running_groups must be a whole number from 1 to {MAX_RUNNING_GROUPS}, not {limit!r}.")
    site = definition.get("compute_site")
    if site is not None and (not isinstance(site, ComputeSite) or site.pk is None):
        raise InvalidInput(f"compute_site must be a facility's compute site (or none: this host), not {site!r}.")
    campaign = Campaign.objects.create(name=name, owner=actor, **definition)
    _create_steps(campaign, steps or [{"name": "all"}])
    audit_record(
        actor=actor,
        action="campaign.created",
        obj=campaign,
        after={**_definition(campaign), "steps": [step.name for step in campaign.steps.all()]},
        system_actor=source,
    )
    return campaign


def _check_kind(kind: str, release) -> None:
    """A known kind; a production campaign runs a release, never a weekly build (a mini run may run either)."""
    if kind not in CampaignKind.values:
        raise InvalidInput(f"Unknown campaign kind {kind!r}; the kinds are {', '.join(CampaignKind.values)}.")
    if kind == CampaignKind.PRODUCTION and release is not None and release.is_weekly:
        raise InvalidInput(
            f"A production campaign runs a release; {release} is a weekly build: make this a mini run, or name a "
            "release cut from it."
        )


def _create_steps(campaign: Campaign, steps: list[dict]) -> None:
    created: dict[str, Step] = {}
    for position, spec in enumerate(steps, start=1):
        depends_on = spec.get("depends_on")
        try:
            overrides = bps_config.parse_yaml_mapping(
                spec.get("bps_overrides", ""), f"BPS overrides of step {spec['name']!r}"
            )
        except bps_config.ConfigError as error:
            raise InvalidInput(str(error)) from None
        if owned := bps_config.console_owned_keys(overrides):
            raise InvalidInput(
                f"The BPS overrides of step {spec['name']!r} set {', '.join(owned)}, which the console sets for each "
                "submission (the step's or group's query, its output run, the repository and inputs): set them on "
                "the campaign or the step's fields instead."
            )
        if depends_on and depends_on not in created:
            raise InvalidInput(f"Step {spec['name']!r} depends on {depends_on!r}, which does not come before it.")
        created[spec["name"]] = Step.objects.create(
            campaign=campaign,
            name=spec["name"],
            position=position,
            pipeline_subset=spec.get("pipeline_subset", ""),
            data_query=spec.get("data_query", ""),
            bps_overrides=spec.get("bps_overrides", ""),
            depends_on=created.get(depends_on) if depends_on else None,
        )


class _Same(Enum):
    SITE = "the original's compute site"


# ``campaign_clone``'s compute site when none is named: the copy runs where the original runs.
SAME_SITE = _Same.SITE


@transaction.atomic
def campaign_clone(
    *,
    actor: AbstractBaseUser,
    campaign: Campaign,
    name: str,
    compute_site: ComputeSite | None | Literal[_Same.SITE] = SAME_SITE,
) -> Campaign:
    """A new draft campaign with the same definition and steps, each with its breakpoint (``hold_before``) and its
    groups (not their holds: the copy has run nothing). It runs at ``compute_site`` when one is named (None: this
    host, the console's own worker), else where the original runs."""
    originals = list(campaign.steps.select_related("depends_on").prefetch_related("groups"))
    steps = [
        {
            "name": step.name,
            "pipeline_subset": step.pipeline_subset,
            "data_query": step.data_query,
            "bps_overrides": step.bps_overrides,
            "depends_on": step.depends_on.name if step.depends_on_id else None,
        }
        for step in originals
    ]
    definition = {field: getattr(campaign, field) for field in CAMPAIGN_FIELDS}
    if compute_site is not SAME_SITE:
        # The same processing at another facility (the planning document's "duplicate the IDF processing at
        # IN2P3"): compared run for run with the comparison of QA.
        definition["compute_site"] = compute_site
    clone = campaign_create(actor=actor, name=name, steps=steps, **definition)
    copies = {step.name: step for step in clone.steps.all()}
    clone.steps.filter(name__in=[step.name for step in originals if step.hold_before]).update(hold_before=True)
    StepGroup.objects.bulk_create(
        StepGroup(step=copies[step.name], name=group.name, position=group.position, data_query=group.data_query)
        for step in originals
        for group in step.groups.all()
    )
    audit_record(actor=actor, action="campaign.cloned", obj=clone, after={"from": campaign.name})
    return clone


RELEASE_CHANGE_REASON_MAX_LENGTH = CampaignReleaseChange._meta.get_field("reason").max_length


@transaction.atomic
def campaign_release_change(
    *, actor: AbstractBaseUser, campaign: Campaign, release: Release, reason: str = "", source: str = ""
) -> Campaign:
    """Move a campaign onto another release (onto a patch of the one it runs, say): a row of its release history
    (``CampaignReleaseChange``) and an audit row ``campaign.release-changed``.

    Only onto a release the campaign may run now (``preflight.release_problems``: open, no weekly for a production
    campaign, and the registered checks: approved for it by the policy committee unless it is a mini run); the
    refusal names each problem. A cancelled or accepted campaign keeps the release it ran with.

    Allowed while a run is in progress: the running submission keeps the release it was requested with
    (``Submission.release``) and is not stopped; the campaign's next submissions and restarts run with the new one.

    Someone who may change campaigns asks for it (``permissions.CHANGE_RELEASE``), or a decision in effect does:
    ``source`` names it ("decision #12"), the decision is the authority and no role is checked, and ``actor`` is
    the person whose act brought it into effect (the endorser), recorded as the one who changed the release.
    """
    if actor is None:
        raise ValueError("A release change records who made it: give the actor (for a decision, its endorser).")
    if not source:
        may.CHANGE_RELEASE.check(actor)
    reason = reason.strip()
    if len(reason) > RELEASE_CHANGE_REASON_MAX_LENGTH:
        raise InvalidInput(f"The reason has at most {RELEASE_CHANGE_REASON_MAX_LENGTH} characters, not {len(reason)}.")
    campaign = lock_rows(campaign_id=campaign.pk).campaign
    before = campaign.release
    if campaign.release_id == release.pk:
        raise Conflict(f"{campaign.name} runs {release} already.")
    if campaign.status in CAMPAIGN_RELEASE_FIXED:
        raise Conflict(f"{campaign.name} is {campaign.status}; it keeps the release it ran with ({before}).")
    problems = preflight.release_problems(campaign, release)
    if problems:
        raise Conflict(f"{campaign.name} cannot move onto {release}: " + " ".join(problems))
    CampaignReleaseChange.objects.create(
        campaign=campaign,
        from_release=before,
        to_release=release,
        changed_by=actor,
        changed_at=timezone.now(),
        reason=reason,
    )
    campaign.release = release
    campaign.save(update_fields=["release", "updated_at"])
    audit_record(
        actor=actor,
        action="campaign.release-changed",
        obj=campaign,
        before={"release": str(before) if before else None},
        after={"release": str(release), "reason": reason, **({"source": source} if source else {})},
        system_actor=source or "system",
    )
    return campaign


def advance_on_commit(campaign: Campaign) -> None:
    """Advance a campaign that runs automatically once the current transaction commits (a run of it ended, it was
    resumed, it was just set to run automatically): ``services.automation.campaign_advance``."""
    from campaigns.tasks import advance_campaign_task

    if campaign.run_automatically:
        enqueue_on_commit(advance_campaign_task, campaign.pk, what=f"the advance of campaign {campaign.pk}; beat will")


def campaign_move(
    campaign: Campaign, to: str, *, actor: AbstractBaseUser | None, reason: str = "", automatic: bool = False
) -> None:
    """Move a locked campaign to a new status (no-op when it is there already); ``automatic``: moved by its
    automation (``services.automation``), as its audit row says."""
    if campaign.status == to:
        return
    require_transition(CAMPAIGN_TRANSITIONS, campaign, campaign.status, to)
    before = campaign.status
    campaign.status = to
    campaign.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=f"campaign.{to}",
        obj=campaign,
        before={"status": before},
        after={"status": to, **({"reason": reason} if reason else {}), **({"automatic": True} if automatic else {})},
        system_actor="automation" if automatic else "workflow",
    )
    if to == CampaignStatus.RUNNING:
        events.campaign_started.publish(campaign=campaign, actor=actor)


@transaction.atomic
def step_accept(*, actor: AbstractBaseUser, step: Step, submission: Submission, gate: dict | None = None) -> Step:
    """Record that a step is accepted with this successful run; the campaign is accepted with its last step.

    The QA app decides whether the run may be accepted (its gate) and calls this with what the gate found,
    which goes into the audit row; the roles are checked there too.
    """
    campaign, step, _ = lock_rows(campaign_id=step.campaign_id, step_id=step.pk)
    if campaign.acceptance_refusal():
        raise Conflict(campaign.acceptance_refusal())
    if step.accepted_at is not None:
        raise Conflict(f"The step {step.name} was accepted already.")
    if submission.step_id != step.pk or submission.status != SubmissionStatus.SUCCEEDED:
        raise Conflict(f"Submission {submission.pk} is not a successful run of the step {step.name}.")
    step.accepted_submission, step.accepted_at, step.accepted_by = submission, timezone.now(), actor
    step.save(update_fields=["accepted_submission", "accepted_at", "accepted_by"])
    audit_record(
        actor=actor,
        action="step.accepted",
        obj=campaign,
        after={"step": step.name, "submission": submission.pk, **(gate or {})},
    )
    events.step_accepted.publish(step=step, actor=actor)
    if campaign.status == CampaignStatus.COMPLETED and not campaign.steps.filter(accepted_at__isnull=True).exists():
        campaign_move(campaign, CampaignStatus.ACCEPTED, actor=actor)
    return step


@transaction.atomic
def campaign_pause(*, actor: AbstractBaseUser, campaign: Campaign) -> Campaign:
    """No new submissions until resumed; runs in progress go on."""
    may.PAUSE.check(actor)
    campaign = lock_rows(campaign_id=campaign.pk).campaign
    require_transition(CAMPAIGN_TRANSITIONS, campaign, campaign.status, CampaignStatus.PAUSED)
    campaign_move(campaign, CampaignStatus.PAUSED, actor=actor)
    return campaign


@transaction.atomic
def campaign_resume(*, actor: AbstractBaseUser, campaign: Campaign) -> Campaign:
    may.RESUME.check(actor)
    campaign = lock_rows(campaign_id=campaign.pk).campaign
    if campaign.status != CampaignStatus.PAUSED:
        raise Conflict(f"{campaign} is {campaign.status}, not paused.")
    if campaign.is_archived:
        raise Conflict(f"{campaign} is archived: unarchive it before resuming it.")
    pause_reason = selectors.campaign_pause_reason(campaign)
    campaign_move(campaign, CampaignStatus.RUNNING, actor=actor)
    if campaign.run_automatically:
        # Resuming a campaign held at a breakpoint lets it past.
        breakpoint_release(campaign, actor, pause_reason=pause_reason)
        advance_on_commit(campaign)
    return campaign


def breakpoint_reason(step: Step) -> str:
    """Why the automation paused its campaign before the step (``services.automation``): what a resume looks for
    to release that breakpoint, and no other."""
    return f"breakpoint: held for review before the step {step.name}; resume to go on"


def breakpoint_release(campaign: Campaign, actor: AbstractBaseUser, *, pause_reason: str) -> None:
    """The campaign (locked), paused for ``pause_reason``, goes on: when it was paused at the breakpoint of its
    current step, that breakpoint is released (a pause for another reason, a QA gate or by hand, releases none)."""
    step = campaign.current_step()
    if step is None or not step.hold_before or step.hold_released_at is not None:
        return
    if pause_reason != breakpoint_reason(step):
        return
    step.hold_released_at, step.hold_released_by = timezone.now(), actor
    step.save(update_fields=["hold_released_at", "hold_released_by"])
    audit_record(actor=actor, action="step.breakpoint-released", obj=campaign, after={"step": step.name})


# An archive's reason goes into the audit row only: a sentence, not a report.
ARCHIVE_REASON_MAX_LENGTH = 500


def _archive_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) > ARCHIVE_REASON_MAX_LENGTH:
        raise InvalidInput(f"The reason has at most {ARCHIVE_REASON_MAX_LENGTH} characters, not {len(reason)}.")
    return reason


@transaction.atomic
def campaign_archive(*, actor: AbstractBaseUser, campaign: Campaign, reason: str = "") -> Campaign:
    """Hide a campaign from lists and pickers (its page still opens) and close it to submissions, until it is
    unarchived; refused while a submission of it is in progress or it runs (``Campaign.archive_refusal``).
    Nothing is deleted: a campaign that ran is never deleted."""
    may.ARCHIVE.check(actor)
    reason = _archive_reason(reason)
    campaign = lock_rows(campaign_id=campaign.pk).campaign
    if refusal := campaign.archive_refusal():
        raise Conflict(refusal)
    campaign.archived_at, campaign.archived_by = timezone.now(), actor
    campaign.save(update_fields=["archived_at", "archived_by", "updated_at"])
    audit_record(
        actor=actor,
        action="campaign.archived",
        obj=campaign,
        before={"archived": False},
        after={"archived": True, "status": campaign.status, **({"reason": reason} if reason else {})},
    )
    return campaign


@transaction.atomic
def campaign_unarchive(*, actor: AbstractBaseUser, campaign: Campaign, reason: str = "") -> Campaign:
    """Show an archived campaign in lists and pickers again; it takes submissions again as its status allows."""
    may.UNARCHIVE.check(actor)
    reason = _archive_reason(reason)
    campaign = lock_rows(campaign_id=campaign.pk).campaign
    if not campaign.is_archived:
        raise Conflict(f"{campaign} is not archived.")
    before = {"archived": True, "archived_at": campaign.archived_at.isoformat()}
    campaign.archived_at, campaign.archived_by = None, None
    campaign.save(update_fields=["archived_at", "archived_by", "updated_at"])
    audit_record(
        actor=actor,
        action="campaign.unarchived",
        obj=campaign,
        before=before,
        after={"archived": False, **({"reason": reason} if reason else {})},
    )
    return campaign


def submission_move(
    submission: Submission, to: str, *, actor: AbstractBaseUser | None, changes: dict, audit_after: dict | None = None
) -> Submission:
    """Move a locked submission to a new status with the fields that change with it, and write the audit row."""
    require_transition(SUBMISSION_TRANSITIONS, f"Submission {submission.pk}", submission.status, to)
    before = submission.status
    submission.status = to
    changed = {"status"}
    for name, value in changes.items():
        if name == "task_counts":
            submission.set_task_counts(value)
            changed |= {"task_counts", "quanta_expected", "quanta_succeeded", "quanta_failed"}
        else:
            setattr(submission, name, value)
            changed.add(name)
    if to in FAILED_SUBMISSION_STATUSES:
        # Classified from its own evidence (task labels, error lines, what bps printed) by the error rules.
        rule = failure_classify(submission)
        changed |= {"error_type", "error_rule"}
        if audit_after is not None or rule is not None:
            audit_after = {**(audit_after or {}), "error_type": str(rule.error_type) if rule else None}
    # Only what moved: the row holds columns others write meanwhile (ingest's measurement count).
    submission.save(update_fields=sorted(changed))
    audit_record(
        actor=actor,
        action=f"submission.{to}",
        obj=submission,
        before={"status": before},
        after={"status": to, **(audit_after or {})},
        system_actor="workflow",
    )
    return submission


def _steps_all_succeeded(campaign: Campaign) -> bool:
    """Every step of the campaign did all its work (``steps_completed``: every group of a split step)."""
    step_ids = set(campaign.steps.values_list("pk", flat=True))
    return steps_completed(step_ids) >= step_ids


def campaign_move_after_submission_ended(campaign: Campaign, submission: Submission) -> None:
    """A submission's run ended (succeeded, failed or lost): its running (locked) campaign is completed when
    every step succeeded, failed on a failure; a campaign that runs automatically is not failed by one (its error
    rules act on it: ``services.automation``), and is advanced once this commits."""
    if campaign.status != CampaignStatus.RUNNING:
        return
    if submission.status == SubmissionStatus.SUCCEEDED:
        if _steps_all_succeeded(campaign):
            campaign_move(campaign, CampaignStatus.COMPLETED, actor=None)
        else:
            advance_on_commit(campaign)
    elif campaign.run_automatically:
        advance_on_commit(campaign)
    elif submission.status in FAILED_SUBMISSION_STATUSES:
        campaign_move(
            campaign, CampaignStatus.FAILED, actor=None, reason=f"submission {submission.pk} {submission.status}"
        )


def campaign_move_after_submission_cancelled(
    campaign: Campaign, submission: Submission, actor: AbstractBaseUser
) -> None:
    """A submission was cancelled: with nothing left running, its running (locked) campaign is completed (every
    step done) or paused for a decision."""
    if campaign.status != CampaignStatus.RUNNING:
        return
    if Submission.objects.filter(step__campaign=campaign, status__in=ACTIVE_SUBMISSION_STATUSES).exists():
        return
    if _steps_all_succeeded(campaign):
        campaign_move(campaign, CampaignStatus.COMPLETED, actor=actor)
    else:
        campaign_move(campaign, CampaignStatus.PAUSED, actor=actor, reason=f"submission {submission.pk} cancelled")
