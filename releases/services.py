"""Writes of releases."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from console.errors import Conflict, InvalidInput
from console.roles import Role, require_role
from console.services import audit_record
from releases.choices import ReleaseStatus
from releases.models import Release, validate_version


@transaction.atomic
def release_create(
    *,
    actor: AbstractBaseUser | None,
    version: str,
    status: str = ReleaseStatus.CANDIDATE,
    notes: str = "",
    source: str = "system",
) -> Release:
    """Record a release. People need the task force lead role; system imports pass no actor."""
    if actor is not None:
        require_role(actor, Role.TASK_FORCE_LEAD, action="record releases")
    try:
        validate_version(version)
    except ValidationError as error:
        raise InvalidInput(error.messages[0]) from None
    if Release.objects.filter(version=version).exists():
        raise Conflict(f"Release {version} exists already.")
    release = Release.objects.create(version=version, status=status, notes=notes)
    audit_record(
        actor=actor,
        action="release.created",
        obj=release,
        after={"version": version, "status": status, "notes": notes},
        system_actor=source,
    )
    return release
