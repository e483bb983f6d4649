"""A step split into groups (``step_split``), and a held group released (``group_release``).

A split replaces the step's groups with those of a partition of its data query (``campaigns.partition``): by ranges
over a dimension, by a count of groups over the dimension's values the Butler holds for the step, or by a list a
person pastes. Each group is then submitted, restarted and cancelled on its own (``submission_request`` with the
group). A split is refused once the step (or any of its groups) has a submission: the groups are what its runs ran.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from campaigns import partition
from campaigns import permissions as may
from campaigns.choices import CampaignStatus
from campaigns.models import Step, StepGroup, lock_rows
from campaigns.workflow.base import StackCommandError, run_stack_json
from console.errors import Conflict, InvalidInput
from console.services import audit_record

# The ways to split a step (``step_split``'s ``mode``), as the forms and the API name them.
SPLIT_MODES = {
    "ranges": "Ranges over a dimension",
    "count": "A number of groups over a dimension's values (read from the Butler)",
    "list": "A list of groups (one per line: name: query)",
}
# A campaign in these statuses is over: its steps are not split again.
CAMPAIGN_CLOSED_TO_SPLITS = (CampaignStatus.CANCELLED, CampaignStatus.ACCEPTED)
# The ranges typed in go into the audit row up to this length (a list's lines are counted, not kept).
AUDITED_RANGES_CHARS = 500


def step_split(
    *,
    actor: AbstractBaseUser,
    step: Step,
    mode: str,
    dimension: str = "",
    ranges: str = "",
    count: int | None = None,
    groups: str = "",
) -> list[StepGroup]:
    """Replace the step's groups with those of a partition of its data query: ``mode`` ``ranges`` (``dimension``
    and ``ranges``, e.g. "1-100, 101-200"), ``count`` (``dimension`` and ``count``: that many groups of the values
    the Butler holds for the step) or ``list`` (``groups``: one line each, "name: query" or a query).

    Refused while the step or one of its groups has a submission (of any status), and for a campaign archived,
    cancelled or accepted; checked again with the campaign and the step locked. One audit row ``step.split``."""
    may.SPLIT.check(actor)
    if mode not in SPLIT_MODES:
        raise InvalidInput(f"Unknown way to split {mode!r}; the ways are {', '.join(SPLIT_MODES)}.")
    # Asked before the Butler is read (seconds), and again below with the rows locked.
    if refusal := split_refusal(step):
        raise Conflict(refusal)
    if mode == "ranges":
        specs = partition.groups_from_ranges(dimension, ranges)
        described = {"dimension": dimension.strip(), "ranges": ranges.strip()[:AUDITED_RANGES_CHARS]}
    elif mode == "count":
        if count is None:
            raise InvalidInput("Give the number of groups to split the step into.")
        values = step_dimension_values(step, dimension)
        specs = partition.groups_from_count(dimension, values, count)
        described = {"dimension": dimension.strip(), "count": count, "values": len(values)}
    else:
        specs = partition.groups_from_list(groups)
        described = {"lines": len(specs)}
    return _groups_replace(actor=actor, step=step, specs=specs, described={"mode": mode, **described})


def split_refusal(step: Step) -> str:
    """Why the step cannot be split (again) now; empty when it can. Its campaign must not be archived, cancelled
    or accepted, and no submission of the step, nor of any of its groups, may exist."""
    campaign = step.campaign
    if campaign.is_archived:
        return f"{campaign} is archived; unarchive it before splitting its steps."
    if campaign.status in CAMPAIGN_CLOSED_TO_SPLITS:
        return f"{campaign} is {campaign.status}; its steps are not split any more."
    if step.submissions.exists():
        return (
            f"The step {step.name} has submissions already: its groups are what they ran, so it is not split "
            "again. Clone the campaign to split it another way."
        )
    return ""


@transaction.atomic
def _groups_replace(
    *, actor: AbstractBaseUser, step: Step, specs: list[partition.GroupSpec], described: dict
) -> list[StepGroup]:
    """The step's groups made anew from the specs, with the campaign and the step locked; ``described``: how they
    were made, for the audit row."""
    campaign, step, _ = lock_rows(campaign_id=step.campaign_id, step_id=step.pk)
    step.campaign = campaign
    if refusal := split_refusal(step):
        raise Conflict(refusal)
    before = step.groups.count()
    step.groups.all().delete()
    created = StepGroup.objects.bulk_create(
        StepGroup(step=step, name=spec.name, position=position, data_query=spec.data_query)
        for position, spec in enumerate(specs, start=1)
    )
    audit_record(
        actor=actor,
        action="step.split",
        obj=campaign,
        before={"step": step.name, "groups": before},
        after={
            "step": step.name,
            "groups": len(created),
            "partition": described,
            "first": created[0].name,
            "last": created[-1].name,
        },
    )
    return created


def step_dimension_values(step: Step, dimension: str) -> list[int | str]:
    """The values the dimension takes in the data the step reads: its campaign's repository and input collections,
    its query (or the campaign's), from the Butler (``console_stack.dimension_values``)."""
    campaign = step.campaign
    if not campaign.butler_repo:
        raise InvalidInput(f"{campaign} names no Butler repository to read the values of {dimension} from.")
    dimension = dimension.strip()
    if not partition.DIMENSION.fullmatch(dimension) or "." in dimension:
        raise InvalidInput(f"The dimension {dimension!r} is not a dimension name (e.g. visit, tract, exposure).")
    arguments = ["console_stack.dimension_values", campaign.butler_repo, dimension]
    if query := (step.data_query or campaign.data_query).strip():
        # As one argument (--where=...), so that a query starting with "-" is never read as an option.
        arguments.append(f"--where={query}")
    if campaign.input_collections:
        arguments.append(f"--collections={','.join(campaign.input_collections)}")
    try:
        answer = run_stack_json(*arguments)
    except StackCommandError as error:
        raise InvalidInput(
            f"The values of {dimension} could not be read from {campaign.butler_repo}: {error}"
        ) from None
    values = answer.get("values") if isinstance(answer, dict) else None
    if not isinstance(values, list):
        raise InvalidInput(f"The values of {dimension} read from {campaign.butler_repo} are not a list.")
    return values


@transaction.atomic
def group_release(*, actor: AbstractBaseUser, group: StepGroup) -> StepGroup:
    """Clear a group's hold (put on it by a campaign that runs automatically, for an error its rules do not
    cover or that they hold for review): the campaign acts on the group again. One audit row ``group.released``."""
    may.AUTOMATE.check(actor)
    campaign, step, _ = lock_rows(campaign_id=group.step.campaign_id, step_id=group.step_id)
    group = StepGroup.objects.select_for_update(no_key=True).get(pk=group.pk)
    group.step = step
    if not group.is_held:
        raise Conflict(f"The group {group.name} of the step {step.name} is not held.")
    before = {"step": step.name, "group": group.name, "held_at": group.held_at.isoformat(), "reason": group.held_reason}
    group.held_at, group.held_reason = None, ""
    group.save(update_fields=["held_at", "held_reason"])
    audit_record(
        actor=actor,
        action="group.released",
        obj=campaign,
        before=before,
        after={"step": step.name, "group": group.name, "released_at": timezone.now().isoformat()},
    )
    return group
