"""Who may call the milestone pages' actions and API endpoints, and the services (``console.permissions``)."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from console.permissions import Rule
from console.roles import Role, user_has_role
from milestones import selectors

# Who changes milestones by hand, imports tables, links evidence and decides on proposals.
MILESTONE_EDITORS = (Role.TASK_FORCE_LEAD,)

IMPORT = Rule("import milestones", roles=MILESTONE_EDITORS)
SYNC = Rule("sync milestones from Jira", roles=MILESTONE_EDITORS)
# The owner of a milestone changes it too; ``milestone_update`` checks that the milestone is theirs (``may_change``).
CHANGE = Rule(
    "change milestones",
    roles=MILESTONE_EDITORS,
    also=selectors.owns_milestones,
    who="the task force lead or the milestone's owner",
)
ASSIGN_OWNERS = Rule("assign milestone owners", roles=MILESTONE_EDITORS)
LINK = Rule("link milestones", roles=MILESTONE_EDITORS)
UNLINK = Rule("unlink milestones", roles=MILESTONE_EDITORS)
LINK_EVIDENCE = Rule("link evidence to milestones", roles=MILESTONE_EDITORS)
UNLINK_EVIDENCE = Rule("unlink evidence", roles=MILESTONE_EDITORS)
CONFIRM_PROPOSALS = Rule("confirm milestone proposals", roles=MILESTONE_EDITORS)
DISMISS_PROPOSALS = Rule("dismiss milestone proposals", roles=MILESTONE_EDITORS)


def may_change(user: AbstractBaseUser | AnonymousUser, milestone) -> bool:
    """Whether the user may change this milestone by hand: the task force lead (and staff), or its owner."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user_has_role(user, *MILESTONE_EDITORS) or (milestone.owner_id is not None and milestone.owner_id == user.pk)
