"""Writes of milestones: imports of exported tables (``milestones.table`` reads them), changes by people,
links to campaigns, decisions, releases.

Every change of a milestone goes through ``_apply_changes``: it saves the
fields, keeps a ``MilestoneChange`` row per tracked field (due date, forecast,
status, level) saying where the change came from, and writes the audit row,
all in the caller's transaction. Jira and imported tables are the record of
the milestones, so what they say is taken as it is; people's changes of the
status follow ``MILESTONE_TRANSITIONS``.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import models, transaction
from django.utils import timezone

from console.errors import Conflict, InvalidInput, NotPermitted
from console.services import audit_record
from console.transitions import require_transition
from milestones import permissions as may
from milestones.choices import LEVELS, MILESTONE_TRANSITIONS, ChangeOrigin, MilestoneStatus, TrackedField
from milestones.models import JiraSync, Milestone, MilestoneChange
from milestones.rows import MilestoneRow
from milestones.table import read_milestone_table

# Applying changes ----------------------------------------------------------------------------------------


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, AbstractBaseUser):
        return value.get_username()
    return value.isoformat() if isinstance(value, date) else str(value)


def _jsonable(values: dict) -> dict:
    return {
        name: _as_text(value) if isinstance(value, date | AbstractBaseUser) else value for name, value in values.items()
    }


def _owners_of(rows: list[MilestoneRow]) -> dict[str, AbstractBaseUser]:
    """User name -> active user, for the owners the rows name (one query); ``InvalidInput`` naming each user name
    that is no active user of the console, with its rows, before anything is written."""
    named: dict[str, list[str]] = {}
    for row in rows:
        if isinstance(row.owner, str) and row.owner:
            named.setdefault(row.owner, []).append(row.jira_key)
    if not named:
        return {}
    users = {user.get_username(): user for user in User.objects.filter(username__in=named, is_active=True)}
    unknown = [f"{name!r} (owner of {', '.join(keys)})" for name, keys in named.items() if name not in users]
    if unknown:
        raise InvalidInput(
            "The milestone table names owners who are no active users of the console; nothing was imported: "
            + "; ".join(unknown)
            + "."
        )
    return users


def _values_of(row: MilestoneRow, owners: dict[str, AbstractBaseUser]) -> dict[str, Any]:
    """The row's values, its owner's user name read as the user (``_owners_of``; empty: nobody)."""
    values = row.values()
    if "owner" in values:
        values["owner"] = owners[values["owner"]] if values["owner"] else None
    return values


def _differences(milestone: Milestone, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Field -> (what the milestone has, what the source says), for the fields that differ."""
    return {
        name: (getattr(milestone, name), value) for name, value in values.items() if getattr(milestone, name) != value
    }


def _apply_changes(
    milestone: Milestone,
    changes: dict[str, tuple[Any, Any]],
    *,
    origin: str,
    actor: AbstractBaseUser | None,
    source: str,
    sync: JiraSync | None = None,
    note: str = "",
    action: str = "milestone.updated",
) -> None:
    """Save the changes of a locked milestone, its history rows and its audit row."""
    for name, (_, new) in changes.items():
        setattr(milestone, name, new)
    update_fields = [*changes, "updated_at"]
    if milestone.baseline_due_date is None and milestone.due_date is not None:
        # The first due date known becomes the baseline that slips are measured from.
        milestone.baseline_due_date = milestone.due_date
        update_fields.append("baseline_due_date")
    milestone.save(update_fields=update_fields)
    person = actor is not None and actor.is_authenticated
    now = timezone.now()
    MilestoneChange.objects.bulk_create(
        MilestoneChange(
            milestone=milestone,
            field=name,
            old_value=_as_text(old) or "",
            new_value=_as_text(new) or "",
            changed_at=now,
            origin=origin,
            actor=actor if person else None,
            actor_name=actor.get_username() if person else source,
            sync=sync,
            note=note[:500],
        )
        for name, (old, new) in changes.items()
        if name in TrackedField.values
    )
    audit_record(
        actor=actor,
        action=action,
        obj=milestone,
        before=_jsonable({name: old for name, (old, _) in changes.items()}),
        after=_jsonable({name: new for name, (_, new) in changes.items()}),
        system_actor=source,
    )


def _upsert(
    *,
    actor: AbstractBaseUser | None,
    row: MilestoneRow,
    source: str,
    origin: str,
    sync: JiraSync | None = None,
    owners: dict[str, AbstractBaseUser] | None = None,
) -> tuple[Milestone, str, dict[str, tuple[Any, Any]]]:
    """Create or update the milestone of a row: (milestone, "created" | "updated" | "unchanged", changes).
    ``owners``: the users the rows name as owners (``_owners_of``), read for this row when not given."""
    values = _values_of(row, _owners_of([row]) if owners is None else owners)
    milestone = Milestone.objects.select_for_update(no_key=True).filter(jira_key=row.jira_key).first()
    if milestone is None:
        if not values.get("title"):
            raise InvalidInput(f"{row.jira_key} is new and has no title.")
        milestone = Milestone.objects.create(jira_key=row.jira_key, baseline_due_date=values.get("due_date"), **values)
        audit_record(
            actor=actor, action="milestone.created", obj=milestone, after=_jsonable(values), system_actor=source
        )
        return milestone, "created", {name: (None, value) for name, value in values.items()}
    changes = _differences(milestone, values)
    if not changes:
        return milestone, "unchanged", {}
    _apply_changes(milestone, changes, origin=origin, actor=actor, source=source, sync=sync)
    return milestone, "updated", changes


@transaction.atomic
def milestone_upsert(
    *, actor: AbstractBaseUser | None, row: MilestoneRow, source: str, origin: str = ChangeOrigin.IMPORT
) -> Milestone | None:
    """Create or update the milestone of a row; returns it if anything changed, else None."""
    milestone, action, _ = _upsert(actor=actor, row=row, source=source, origin=origin)
    return None if action == "unchanged" else milestone


# Imports -------------------------------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """What an import changes (or, for a dry run, would change)."""

    rows: int = 0
    created: list[MilestoneRow] = field(default_factory=list)
    updated: list[tuple[str, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    unchanged: int = 0
    # Columns of the table that the import does not use, as its header names them.
    unused_columns: list[str] = field(default_factory=list)

    @property
    def change_count(self) -> int:
        return len(self.created) + len(self.updated)

    def lines(self) -> list[str]:
        lines = [
            f"create {row.jira_key}: {row.title}, due {_as_text(row.due_date) or 'no date'}, {row.status}"
            for row in self.created
        ]
        for key, changes in self.updated:
            described = "; ".join(f"{name} {_shown(old)} -> {_shown(new)}" for name, (old, new) in changes.items())
            lines.append(f"update {key}: {described}")
        return lines

    def summary(self) -> str:
        return f"{self.rows} row(s): {len(self.created)} new, {len(self.updated)} changed, {self.unchanged} unchanged."

    def unused_note(self) -> str:
        """What of the file was not imported ("" if every column was)."""
        if not self.unused_columns:
            return ""
        return f"Not imported (the console has no field for them): {', '.join(self.unused_columns)}."


def _shown(value: Any) -> str:
    text = _as_text(value)
    if text is None or text == "":
        return "(none)"
    return text if len(text) <= 60 else text[:57] + "..."


def milestone_import(
    *, actor: AbstractBaseUser | None, text: str, dry_run: bool = False, source: str = "import"
) -> ImportPlan:
    """Upsert every row of an exported table by Jira key, all or nothing; a dry run only says what would change.

    People need the task force lead role; ``actor=None`` is a system import (a command).
    """
    if actor is not None:
        may.IMPORT.check(actor)
    table = read_milestone_table(text)
    rows = table.rows
    owners = _owners_of(rows)
    existing = {
        m.jira_key: m
        for m in Milestone.objects.select_related("owner").filter(jira_key__in=[row.jira_key for row in rows])
    }
    plan = ImportPlan(rows=len(rows), unused_columns=table.unused_columns)
    for row in rows:
        milestone = existing.get(row.jira_key)
        if milestone is None:
            plan.created.append(row)
        elif changes := _differences(milestone, _values_of(row, owners)):
            plan.updated.append((row.jira_key, changes))
        else:
            plan.unchanged += 1
    if dry_run or not plan.change_count:
        return plan
    with transaction.atomic():
        for row in rows:
            _upsert(actor=actor, row=row, source=source, origin=ChangeOrigin.IMPORT, owners=owners)
    return plan


# Changes by people ---------------------------------------------------------------------------------------

EDITABLE_FIELDS = ("due_date", "forecast_date", "completed_date", "status", "level")


@transaction.atomic
def milestone_update(*, actor: AbstractBaseUser, milestone: Milestone, note: str = "", **values: Any) -> Milestone:
    """A person changes the dates, status or level of a milestone (the note says why, e.g. why it slipped): the task
    force lead, or the milestone's owner.

    Done sets the completion date to today unless one is given; leaving Done clears it.
    """
    may.CHANGE.check(actor)
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(f"Cannot change {', '.join(sorted(unknown))} here.")
    milestone = Milestone.objects.select_for_update(no_key=True).get(pk=milestone.pk)
    # The rule lets in whoever owns a milestone; this one must be theirs.
    if not may.may_change(actor, milestone):
        raise NotPermitted(f"Only the task force lead or the owner of {milestone.jira_key} may change it.")
    if values.get("level") not in (None, *LEVELS):
        raise InvalidInput(f"Level {values['level']!r} is not 1, 2, 3 or none.")
    status = values.get("status", milestone.status)
    if status != milestone.status:
        require_transition(MILESTONE_TRANSITIONS, milestone, milestone.status, status)
        if status == MilestoneStatus.DONE and not values.get("completed_date"):
            values["completed_date"] = milestone.completed_date or timezone.localdate()
        if milestone.status == MilestoneStatus.DONE:
            values["completed_date"] = None
    changes = _differences(milestone, values)
    if changes:
        _apply_changes(milestone, changes, origin=ChangeOrigin.PERSON, actor=actor, source="person", note=note)
    return milestone


@transaction.atomic
def milestone_assign_owner(
    *, actor: AbstractBaseUser, milestone: Milestone, owner: AbstractBaseUser | None
) -> Milestone:
    """Name the person who answers for a milestone (None: nobody): its slips and overdue days wait on their
    dashboard, and they may change its dates, status and level."""
    may.ASSIGN_OWNERS.check(actor)
    milestone = (
        Milestone.objects.select_for_update(no_key=True, of=("self",)).select_related("owner").get(pk=milestone.pk)
    )
    if owner is not None and not owner.is_active:
        raise InvalidInput(f"{owner.get_username()} cannot sign in: a milestone's owner must be an active user.")
    before = milestone.owner.get_username() if milestone.owner else None
    if milestone.owner_id == (owner.pk if owner else None):
        return milestone
    milestone.owner = owner
    milestone.save(update_fields=["owner", "updated_at"])
    audit_record(
        actor=actor,
        action="milestone.owner-assigned",
        obj=milestone,
        before={"owner": before},
        after={"owner": owner.get_username() if owner else None},
    )
    return milestone


LINK_FIELDS = ("campaigns", "decisions", "releases")


@transaction.atomic
def milestone_link(*, actor: AbstractBaseUser, milestone: Milestone, to: models.Model) -> Milestone:
    """Link a milestone to the campaign, decision or release that it concerns."""
    may.LINK.check(actor)
    relation = _relation_for(milestone, to)
    if relation.filter(pk=to.pk).exists():
        raise Conflict(f"{milestone.jira_key} is linked to {to} already.")
    relation.add(to)
    audit_record(actor=actor, action="milestone.linked", obj=milestone, after={to._meta.model_name: str(to)})
    return milestone


@transaction.atomic
def milestone_unlink(*, actor: AbstractBaseUser, milestone: Milestone, to: models.Model) -> Milestone:
    may.UNLINK.check(actor)
    relation = _relation_for(milestone, to)
    if not relation.filter(pk=to.pk).exists():
        raise Conflict(f"{milestone.jira_key} is not linked to {to}.")
    relation.remove(to)
    audit_record(actor=actor, action="milestone.unlinked", obj=milestone, before={to._meta.model_name: str(to)})
    return milestone


def _relation_for(milestone: Milestone, target: models.Model):
    for name in LINK_FIELDS:
        if isinstance(target, Milestone._meta.get_field(name).related_model):
            return getattr(milestone, name)
    raise InvalidInput(f"A milestone links to campaigns, decisions and releases, not to {target._meta.verbose_name}.")
