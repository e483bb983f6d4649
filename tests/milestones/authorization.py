"""Who may call the milestones' endpoints: imports, the Jira sync, evidence and its proposals, edits and
links, pages and API (assembled into the authorization table by ``tests/authorization/table.py``)."""

from tests.authorization.rules import CCB, LEAD, LEAD_ONLY, MEMBER, OPERATOR, STAFF, VIEWER, Rule, roles

# The task force lead changes any milestone by hand, its owner (whoever it is) that one.
MILESTONE_CHANGE = Rule(
    anyone=roles(LEAD, STAFF),
    owners=roles(VIEWER, OPERATOR, MEMBER, CCB),
    ownership="the user owns the milestone",
    own_roles=roles(VIEWER, OPERATOR, MEMBER, CCB, LEAD, STAFF),
)

ENDPOINTS: dict[str, Rule] = {
    "milestones:milestone-import": LEAD_ONLY,
    "api:milestone-import": LEAD_ONLY,
    "milestones:sync-now": LEAD_ONLY,
    "milestones:proposal-confirm": LEAD_ONLY,
    "milestones:proposal-dismiss": LEAD_ONLY,
    "milestones:milestone-edit": MILESTONE_CHANGE,
    "milestones:milestone-owner": LEAD_ONLY,
    "api:milestone-owner": LEAD_ONLY,
    "milestones:milestone-link": LEAD_ONLY,
    "milestones:milestone-unlink": LEAD_ONLY,
    "milestones:evidence-create": LEAD_ONLY,
    "milestones:evidence-delete": LEAD_ONLY,
    "api:milestone-proposal-confirm": LEAD_ONLY,
    "api:milestone-proposal-dismiss": LEAD_ONLY,
}
