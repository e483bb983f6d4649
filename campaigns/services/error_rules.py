"""The error types and the rules that classify failures (``campaigns.error_rules``), written by those who may manage
them (``permissions.MANAGE_ERROR_RULES``): created, changed, deactivated (and made active again by a change), each
field checked here with a message naming it and the value, each write audited with the fields it changed.

A rule's patterns are checked for what ``campaigns.error_rules.pattern_problem`` requires (they compile, may not
take long to match) and bounded by their columns; its numbers by what a campaign that runs automatically may do:
at most ``MAX_RETRIES`` retries, memory at most ``MAX_MEMORY_MULTIPLIER`` times, a delay of at most a day.
"""

import math
import re
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from campaigns import error_rules
from campaigns import permissions as may
from campaigns.choices import ErrorAction, ErrorOrigin
from campaigns.models import ErrorRule, ErrorType
from console.errors import Conflict, InvalidInput
from console.identifiers import shown
from console.services import audit_record
from console.text_limits import DESCRIPTION, text_check
from releases.choices import BackportStatus
from releases.models import BackportRequest, Release

MAX_RETRIES = 20
MIN_MEMORY_MULTIPLIER = 1.0
MAX_MEMORY_MULTIPLIER = 8.0
MAX_RETRY_AFTER_SECONDS = int(timedelta(days=1).total_seconds())
MAX_POSITION = 10_000
# Actions that act again on the failure, and so need a number of tries.
REPEATING_ACTIONS = (ErrorAction.RETRY, ErrorAction.RESTART_GROUP)

TYPE_FIELDS = ("name", "origin", "description")
RULE_FIELDS = (
    "name",
    "position",
    "task_pattern",
    "message_pattern",
    "error_type",
    "action",
    "max_retries",
    "memory_multiplier",
    "retry_after_seconds",
    "release",
    "expires_with",
    "active",
)


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def _shown(value) -> str:
    """A value for a message: text in quotes as typed (escaped only when not printable), anything else as Python
    shows it; cut when long."""
    text = f"'{shown(value)}'" if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _audit_value(value):
    """A field's value as the audit trail keeps it: related rows by their name (version, RFC id)."""
    if isinstance(value, ErrorType):
        return value.name
    if isinstance(value, Release):
        return value.version
    if isinstance(value, BackportRequest):
        return value.rfc_id
    return value


def _name(value, *, model, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"The name of {what} is text, not {_shown(value)}.")
    name = value.strip()
    if not name:
        raise InvalidInput(f"The name of {what} must not be blank.")
    limit = _max_length(model, "name")
    if len(name) > limit:
        raise InvalidInput(f"The name {_shown(name)} has {len(name)} characters; at most {limit} fit.")
    return name


def _whole_number(value, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} is a whole number, not {_shown(value)}.")
    if not low <= value <= high:
        raise InvalidInput(f"{field} {value} is out of range: from {low} to {high}.")
    return value


# Error types ------------------------------------------------------------------------------------------------------


def _clean_type(values: dict, *, error_type: ErrorType | None = None) -> dict:
    """The type's fields checked, with the name trimmed; the name free among the others, ignoring case."""
    cleaned = dict(values)
    cleaned["name"] = _name(values["name"], model=ErrorType, what="an error type")
    if values["origin"] not in ErrorOrigin.values:
        raise InvalidInput(
            f"Unknown origin {_shown(values['origin'])}; the origins are {', '.join(ErrorOrigin.values)}."
        )
    if not isinstance(values["description"], str):
        raise InvalidInput(f"The description is text, not {_shown(values['description'])}.")
    text_check(values["description"], limit=DESCRIPTION, what="The description")
    others = ErrorType.objects.filter(name__iexact=cleaned["name"])
    if error_type is not None:
        others = others.exclude(pk=error_type.pk)
    existing = others.first()
    if existing is not None:
        raise Conflict(f"An error type named {existing.name!r} exists already (names are compared ignoring case).")
    return cleaned


@transaction.atomic
def error_type_create(*, actor: AbstractBaseUser, name: str, origin: str, description: str = "") -> ErrorType:
    """A new type of failure, with where it comes from (``ErrorOrigin``)."""
    may.MANAGE_ERROR_RULES.check(actor)
    cleaned = _clean_type({"name": name, "origin": origin, "description": description})
    error_type = ErrorType.objects.create(**cleaned)
    audit_record(actor=actor, action="error-type.created", obj=error_type, after=cleaned)
    return error_type


@transaction.atomic
def error_type_update(*, actor: AbstractBaseUser, error_type: ErrorType, **changes) -> ErrorType:
    """Change a type's name, origin or description (those given); the audit row has the fields that changed, and
    nothing is written when none did."""
    may.MANAGE_ERROR_RULES.check(actor)
    unknown = set(changes) - set(TYPE_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown error type field(s): {', '.join(sorted(unknown))}.")
    error_type = ErrorType.objects.select_for_update(no_key=True).get(pk=error_type.pk)
    current = {field: getattr(error_type, field) for field in TYPE_FIELDS}
    cleaned = _clean_type({**current, **changes}, error_type=error_type)
    changed = [field for field in TYPE_FIELDS if cleaned[field] != current[field]]
    if not changed:
        return error_type
    for field in changed:
        setattr(error_type, field, cleaned[field])
    error_type.save(update_fields=changed)
    audit_record(
        actor=actor,
        action="error-type.updated",
        obj=error_type,
        before={field: current[field] for field in changed},
        after={field: cleaned[field] for field in changed},
    )
    return error_type


# Error rules ------------------------------------------------------------------------------------------------------


def _pattern(value, *, field: str, flags: int, required: bool) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{field} is text, not {_shown(value)}.")
    if not value:
        if required:
            raise InvalidInput(f"{field} must not be empty: it is what the rule looks for.")
        return value
    limit = _max_length(ErrorRule, field)
    if len(value) > limit:
        raise InvalidInput(f"{field} has {len(value)} characters; at most {limit} fit.")
    if problem := error_rules.pattern_problem(value, flags=flags):
        raise InvalidInput(f"{field} {_shown(value)} {problem}.")
    if re.search(value, "", flags) is not None:
        raise InvalidInput(
            f"{field} {_shown(value)} matches an empty text, and so every failure: say what to look for "
            "(a trailing | matches anything), or write . for any message."
        )
    return value


def _clean_rule(values: dict) -> dict:
    """The rule's fields checked, each and together; the name trimmed."""
    cleaned = dict(values)
    cleaned["name"] = _name(values["name"], model=ErrorRule, what="an error rule")
    cleaned["position"] = _whole_number(values["position"], field="position", low=0, high=MAX_POSITION)
    cleaned["task_pattern"] = _pattern(values["task_pattern"], field="task_pattern", flags=0, required=False)
    cleaned["message_pattern"] = _pattern(
        values["message_pattern"], field="message_pattern", flags=error_rules.MESSAGE_FLAGS, required=True
    )
    if not isinstance(values["error_type"], ErrorType):
        raise InvalidInput(f"error_type names an error type, not {_shown(values['error_type'])}.")
    action = values["action"]
    if action not in ErrorAction.values:
        raise InvalidInput(f"Unknown action {_shown(action)}; the actions are {', '.join(ErrorAction.values)}.")
    retries = _whole_number(values["max_retries"], field="max_retries", low=0, high=MAX_RETRIES)
    if action in REPEATING_ACTIONS and retries < 1:
        raise InvalidInput(f"max_retries {retries}: the action {action} needs at least 1 (at most {MAX_RETRIES}).")
    if action not in REPEATING_ACTIONS and retries:
        raise InvalidInput(f"max_retries {retries}: only a retry or a restart of the group retries; {action} takes 0.")
    multiplier = values["memory_multiplier"]
    if multiplier is not None:
        if isinstance(multiplier, bool) or not isinstance(multiplier, int | float) or not math.isfinite(multiplier):
            raise InvalidInput(f"memory_multiplier is a number, not {_shown(multiplier)}.")
        if not MIN_MEMORY_MULTIPLIER <= multiplier <= MAX_MEMORY_MULTIPLIER:
            raise InvalidInput(
                f"memory_multiplier {multiplier} is out of range: from {MIN_MEMORY_MULTIPLIER:g} to "
                f"{MAX_MEMORY_MULTIPLIER:g} (times the memory of the failed attempt)."
            )
        if action != ErrorAction.RETRY:
            raise InvalidInput(f"memory_multiplier {multiplier}: only a retry asks for more memory, not {action}.")
        cleaned["memory_multiplier"] = float(multiplier)
    cleaned["retry_after_seconds"] = _whole_number(
        values["retry_after_seconds"], field="retry_after_seconds", low=0, high=MAX_RETRY_AFTER_SECONDS
    )
    if values["release"] is not None and not isinstance(values["release"], Release):
        raise InvalidInput(f"release names a release, not {_shown(values['release'])}.")
    if values["expires_with"] is not None and not isinstance(values["expires_with"], BackportRequest):
        raise InvalidInput(f"expires_with names a backport request, not {_shown(values['expires_with'])}.")
    if not isinstance(values["active"], bool):
        raise InvalidInput(f"active is true or false, not {_shown(values['active'])}.")
    return cleaned


def _check_expiry(backport: BackportRequest | None) -> None:
    """A rule cannot be made to expire with a backport that shipped already: it would never apply."""
    if backport is not None and backport.status == BackportStatus.SHIPPED:
        raise InvalidInput(
            f"expires_with {backport.rfc_id}: that backport shipped already (in {backport.shipped_in}), so the rule "
            "would never apply."
        )


def _rule_values(rule: ErrorRule) -> dict:
    return {field: getattr(rule, field) for field in RULE_FIELDS}


@transaction.atomic
def error_rule_create(
    *,
    actor: AbstractBaseUser,
    name: str,
    message_pattern: str,
    error_type: ErrorType,
    action: str,
    task_pattern: str = "",
    position: int = 100,
    max_retries: int = 0,
    memory_multiplier: float | None = None,
    retry_after_seconds: int = 0,
    release: Release | None = None,
    expires_with: BackportRequest | None = None,
    active: bool = True,
) -> ErrorRule:
    """A new rule: failures whose message (and task label, when it has a task pattern) match become of
    ``error_type``, and a campaign that runs automatically takes ``action`` on them."""
    may.MANAGE_ERROR_RULES.check(actor)
    cleaned = _clean_rule(
        {
            "name": name,
            "position": position,
            "task_pattern": task_pattern,
            "message_pattern": message_pattern,
            "error_type": error_type,
            "action": action,
            "max_retries": max_retries,
            "memory_multiplier": memory_multiplier,
            "retry_after_seconds": retry_after_seconds,
            "release": release,
            "expires_with": expires_with,
            "active": active,
        }
    )
    _check_expiry(cleaned["expires_with"])
    rule = ErrorRule.objects.create(created_by=actor, **cleaned)
    audit_record(
        actor=actor,
        action="error-rule.created",
        obj=rule,
        after={field: _audit_value(value) for field, value in cleaned.items()},
    )
    return rule


@transaction.atomic
def error_rule_update(*, actor: AbstractBaseUser, rule: ErrorRule, **changes) -> ErrorRule:
    """Change the fields given of a rule (``active=True`` makes a deactivated one apply again); the rule as changed
    is checked whole. The audit row has the fields that changed, and nothing is written when none did."""
    may.MANAGE_ERROR_RULES.check(actor)
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown error rule field(s): {', '.join(sorted(unknown))}.")
    rule = ErrorRule.objects.select_for_update(no_key=True, of=("self",)).select_related("expires_with").get(pk=rule.pk)
    current = _rule_values(rule)
    cleaned = _clean_rule({**current, **changes})
    changed = [field for field in RULE_FIELDS if cleaned[field] != current[field]]
    if not changed:
        return rule
    if "expires_with" in changed:
        _check_expiry(cleaned["expires_with"])
    for field in changed:
        setattr(rule, field, cleaned[field])
    rule.save(update_fields=[*changed, "updated_at"])
    action = "error-rule.reactivated" if changed == ["active"] and rule.active else "error-rule.updated"
    audit_record(
        actor=actor,
        action=action,
        obj=rule,
        before={field: _audit_value(current[field]) for field in changed},
        after={field: _audit_value(cleaned[field]) for field in changed},
    )
    return rule


@transaction.atomic
def error_rule_deactivate(*, actor: AbstractBaseUser, rule: ErrorRule) -> ErrorRule:
    """Stop a rule from classifying failures from now on; the failures it classified keep their type. Made active
    again with ``error_rule_update(active=True)``."""
    may.MANAGE_ERROR_RULES.check(actor)
    rule = ErrorRule.objects.select_for_update(no_key=True).get(pk=rule.pk)
    if not rule.active:
        raise Conflict(f"The rule {rule.name!r} is inactive already.")
    rule.active = False
    rule.save(update_fields=["active", "updated_at"])
    audit_record(
        actor=actor, action="error-rule.deactivated", obj=rule, before={"active": True}, after={"active": False}
    )
    return rule
