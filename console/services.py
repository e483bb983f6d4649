"""Writes that span the console: the audit trail, roles, API tokens and sign-in lockouts."""

from datetime import datetime
from typing import Any

from axes.models import AccessAttempt
from django.contrib.auth.models import AbstractBaseUser, Group, User
from django.db import models, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from console.errors import Conflict, InvalidInput, NotPermitted
from console.identifiers import USERNAME
from console.logging import current_request_id
from console.models import AuditEvent, WorkerHeartbeat
from console.permissions import GRANT_ROLES, REVOKE_ROLES
from console.roles import ROLE_MANAGERS, Role, forget_cached_roles, user_roles


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    system_actor: str = "system",
) -> AuditEvent:
    """Write the audit row of a change, in the transaction that makes the change.

    Called by every service that changes something; refusing to run outside a
    transaction keeps the change and its record from being committed apart.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=actor.get_username() if actor is not None and actor.is_authenticated else system_actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        request_id=current_request_id(),
    )


def _role_group(role: str) -> Group:
    if role not in Role.values:
        raise InvalidInput(f"Unknown role {role!r}; the roles are {', '.join(Role.values)}.")
    return Group.objects.get_or_create(name=role)[0]


@transaction.atomic
def user_role_grant(*, actor: AbstractBaseUser, user: User, role: str) -> User:
    """Give a user a role. Only the task force lead (or staff) may."""
    GRANT_ROLES.check(actor)
    group = _role_group(role)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = sorted(user_roles(user))
    if role in before:
        raise Conflict(f"{user.username} already has the role {role}.")
    user.groups.add(group)
    forget_cached_roles(user)
    audit_record(
        actor=actor,
        action="user.role-granted",
        obj=user,
        before={"roles": before},
        after={"roles": sorted(user_roles(user))},
    )
    return user


@transaction.atomic
def user_role_revoke(*, actor: AbstractBaseUser, user: User, role: str) -> User:
    """Take a role from a user. Only the task force lead (or staff) may."""
    REVOKE_ROLES.check(actor)
    group = _role_group(role)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = sorted(user_roles(user))
    if role not in before:
        raise Conflict(f"{user.username} does not have the role {role}.")
    if actor.pk == user.pk and role in ROLE_MANAGERS and not actor.is_staff:
        raise Conflict("You cannot revoke your own task force lead role; ask another lead or an administrator.")
    user.groups.remove(group)
    forget_cached_roles(user)
    audit_record(
        actor=actor,
        action="user.role-revoked",
        obj=user,
        before={"roles": before},
        after={"roles": sorted(user_roles(user))},
    )
    return user


@transaction.atomic
def api_token_regenerate(*, user: User) -> Token:
    """Replace the user's API token with a new one (the old one stops working at once)."""
    had_token = Token.objects.filter(user=user).delete()[0] > 0
    token = Token.objects.create(user=user)
    # The token itself never goes into the audit trail.
    audit_record(
        actor=user,
        action="user.api-token-regenerated" if had_token else "user.api-token-created",
        obj=user,
    )
    return token


def worker_heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    """Note that a worker is alive (not audited: it changes nothing of the domain)."""
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        hostname=hostname[:200], defaults={"last_seen": timezone.now()}
    )
    return heartbeat


@transaction.atomic
def user_create(
    *,
    actor: AbstractBaseUser | None,
    username: str,
    roles: list[str],
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_staff: bool = False,
    source: str = "system",
) -> User:
    """Create a console user with roles (a user with no password can sign in only through the proxy)."""
    if problem := USERNAME.problem(username):
        raise InvalidInput(f"username {problem}")
    user = User.objects.create_user(
        username=username,
        password=password,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=is_staff,
        is_superuser=is_staff,
    )
    user.groups.add(*(_role_group(role) for role in roles))
    audit_record(
        actor=actor,
        action="user.created",
        obj=user,
        after={"roles": sorted(roles), "is_staff": is_staff},
        system_actor=source,
    )
    return user


@transaction.atomic
def sign_in_lockout_record(
    *, username: str | None, address: str | None, failures: int, locked_until: datetime, path: str
) -> AuditEvent | None:
    """Record in the audit trail that sign-in was locked after repeated failures (``console.auth``).

    The event's object is the user when the name is one of the console's users, else django-axes' record of the
    failed attempts; the actor is the address they came from.
    """
    user = User.objects.filter(username=username).first() if username else None
    attempt = AccessAttempt.objects.filter(username=username, ip_address=address).order_by("-attempt_time").first()
    if user is None and attempt is None:
        return None
    return audit_record(
        actor=None,
        action="sign-in.locked-out",
        obj=user or attempt,
        after={
            "username": username,
            "address": address,
            "failures": failures,
            "locked_until": locked_until.isoformat(),
            "path": path,
        },
        system_actor=address or "unknown address",
    )


@transaction.atomic
def sign_in_unlock(*, actor: AbstractBaseUser, attempts: models.QuerySet[AccessAttempt]) -> int:
    """Clear failed sign-in attempts, which unlocks their user names and addresses; staff only, each one audited."""
    if not (actor.is_authenticated and actor.is_staff):
        raise NotPermitted("Only staff may unlock sign-in.")
    attempts = list(attempts.select_for_update().order_by("pk"))
    users = {user.username: user for user in User.objects.filter(username__in={a.username for a in attempts})}
    for attempt in attempts:
        audit_record(
            actor=actor,
            action="sign-in.unlocked",
            obj=users.get(attempt.username) or attempt,
            before={
                "username": attempt.username,
                "address": attempt.ip_address,
                "failures": attempt.failures_since_start,
            },
        )
    AccessAttempt.objects.filter(pk__in=[attempt.pk for attempt in attempts]).delete()
    return len(attempts)
