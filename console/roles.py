"""Roles of the console users, held as Django groups.

A role is a group with one of the names below. Who may do what is declared once, as the
``Rule``s of each app's ``permissions.py`` (``console.permissions``), which pages, API and
services all check; ``user_has_role`` (and the ``roles`` template context) decide which
buttons to draw.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db import models


class Role(models.TextChoices):
    TASK_FORCE_LEAD = "task-force-lead", "Task force lead"
    COMMITTEE_MEMBER = "committee-member", "Committee member"
    CCB_MEMBER = "ccb-member", "Change control board member"
    OPERATOR = "operator", "Operator"
    VIEWER = "viewer", "Viewer"


# Who may grant and revoke roles (staff may too).
ROLE_MANAGERS = (Role.TASK_FORCE_LEAD,)


def ensure_role_groups() -> None:
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The role names of a user, read once per user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_console_roles", None)
    if cached is None:
        names = user.groups.filter(name__in=Role.values).values_list("name", flat=True)
        cached = frozenset(names)
        user._console_roles = cached
    return cached


def forget_cached_roles(user: AbstractBaseUser) -> None:
    user.__dict__.pop("_console_roles", None)


def user_has_role(user: AbstractBaseUser | AnonymousUser, *roles: str) -> bool:
    """True if the user holds any of the roles; staff hold every role."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True
    return bool(user_roles(user) & set(roles))


def roles_context(request) -> dict:
    """Template context: ``roles`` (the user's role names) and ``is_role_manager``."""
    user = getattr(request, "user", AnonymousUser())
    return {
        "roles": user_roles(user),
        "is_role_manager": user_has_role(user, *ROLE_MANAGERS),
    }
