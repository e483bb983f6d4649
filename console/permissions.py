"""Who may call a page action or an API endpoint: checked first, before the form or body is read.

Each app declares its rules in ``<app>/permissions.py``; its page views carry ``@requires(rule)`` and its API
views name the rule of each action (``console.api.base.ConsoleAPIView.rules``). A caller the rule refuses
gets 403 whatever they sent, not a 400, 404 or 409 that would tell them what the form expects or whether
an object exists. The services check the same rule (``RULE.check(actor)``), whoever calls them, and then the
object (the seat, the proposer) themselves: one declaration of who may, in one wording, for pages, API and
services.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from console.errors import NotPermitted
from console.roles import ROLE_MANAGERS, Role, user_roles


@dataclass(frozen=True)
class Rule:
    """Who may do one thing: staff (unless ``staff`` is false), the users holding one of ``roles``, and those for
    whom ``also`` holds (a seat holder, the proposer...).

    ``action`` completes the refusal, "Only a task force lead or operator may {action}.", in the words of the
    service's own refusal; ``who`` replaces the list of roles in it when ``also`` lets others in.
    """

    action: str
    roles: tuple[str, ...] = ()
    also: Callable[[AbstractBaseUser], bool] | None = None
    who: str = ""
    staff: bool = True

    def allows(self, user: AbstractBaseUser | AnonymousUser) -> bool:
        if not user.is_authenticated or not user.is_active:
            return False
        if user.is_staff and self.staff:
            return True
        return bool(user_roles(user) & set(self.roles)) or (self.also is not None and self.also(user))

    def refusal(self) -> str:
        who = self.who or "a " + " or ".join(Role(role).label.lower() for role in self.roles)
        return f"Only {who} may {self.action}."

    def check(self, user: AbstractBaseUser | AnonymousUser) -> None:
        """Raise ``NotPermitted`` (403) unless the rule allows the user."""
        if not user.is_authenticated:
            raise NotPermitted(f"You must sign in to {self.action}.")
        if not self.allows(user):
            raise NotPermitted(self.refusal())


def requires(rule: Rule):
    """Decorate a page view: the rule is checked before the view reads its form (403 page when refused)."""

    def decorate(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            rule.check(request.user)
            return view(request, *args, **kwargs)

        checked.rule = rule
        return checked

    return decorate


GRANT_ROLES = Rule("grant roles", roles=ROLE_MANAGERS)
REVOKE_ROLES = Rule("revoke roles", roles=ROLE_MANAGERS)
