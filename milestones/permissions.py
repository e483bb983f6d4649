"""Who may call the milestone pages' actions and API endpoints, and the services (``console.permissions``)."""

from console.permissions import Rule
from console.roles import Role

# Who changes milestones by hand, imports tables, links evidence and decides on proposals.
MILESTONE_EDITORS = (Role.TASK_FORCE_LEAD,)

IMPORT = Rule("import milestones", roles=MILESTONE_EDITORS)
SYNC = Rule("sync milestones from Jira", roles=MILESTONE_EDITORS)
CHANGE = Rule("change milestones", roles=MILESTONE_EDITORS)
LINK = Rule("link milestones", roles=MILESTONE_EDITORS)
UNLINK = Rule("unlink milestones", roles=MILESTONE_EDITORS)
LINK_EVIDENCE = Rule("link evidence to milestones", roles=MILESTONE_EDITORS)
UNLINK_EVIDENCE = Rule("unlink evidence", roles=MILESTONE_EDITORS)
CONFIRM_PROPOSALS = Rule("confirm milestone proposals", roles=MILESTONE_EDITORS)
DISMISS_PROPOSALS = Rule("dismiss milestone proposals", roles=MILESTONE_EDITORS)
