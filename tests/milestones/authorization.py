"""Who may call the milestones' endpoints: imports, the Jira sync, evidence and its proposals, edits and
links, pages and API (assembled into the authorization table by ``tests/authorization/table.py``)."""

from tests.authorization.rules import LEAD_ONLY, Rule

ENDPOINTS: dict[str, Rule] = {
    "milestones:milestone-import": LEAD_ONLY,
    "api:milestone-import": LEAD_ONLY,
    "milestones:sync-now": LEAD_ONLY,
    "milestones:proposal-confirm": LEAD_ONLY,
    "milestones:proposal-dismiss": LEAD_ONLY,
    "milestones:milestone-edit": LEAD_ONLY,
    "milestones:milestone-link": LEAD_ONLY,
    "milestones:milestone-unlink": LEAD_ONLY,
    "milestones:evidence-create": LEAD_ONLY,
    "milestones:evidence-delete": LEAD_ONLY,
    "api:milestone-proposal-confirm": LEAD_ONLY,
    "api:milestone-proposal-dismiss": LEAD_ONLY,
}
