"""Writes of milestones (a package: the module grew past one screenful of concerns).

- ``milestone``: imports of exported tables (``milestones.table`` reads them), upserts, changes by people, links;
- ``evidence``: campaign events that propose a status, and the lead's decisions on them;
- ``jira_sync``: the Jira sync run.
"""

from milestones.rows import KEEP, Keep, MilestoneRow
from milestones.services.evidence import (
    evidence_link_create,
    evidence_link_delete,
    evidence_observed,
    proposal_confirm,
    proposal_dismiss,
)
from milestones.services.jira_sync import jira_sync
from milestones.services.milestone import (
    EDITABLE_FIELDS,
    ImportPlan,
    milestone_assign_owner,
    milestone_import,
    milestone_link,
    milestone_unlink,
    milestone_update,
    milestone_upsert,
)
from milestones.table import REQUIRED_COLUMNS, TABLE_COLUMNS, parse_milestone_table, read_milestone_table

__all__ = [
    "EDITABLE_FIELDS",
    "KEEP",
    "REQUIRED_COLUMNS",
    "TABLE_COLUMNS",
    "ImportPlan",
    "Keep",
    "MilestoneRow",
    "evidence_link_create",
    "evidence_link_delete",
    "evidence_observed",
    "jira_sync",
    "milestone_assign_owner",
    "milestone_import",
    "milestone_link",
    "milestone_unlink",
    "milestone_update",
    "milestone_upsert",
    "parse_milestone_table",
    "proposal_confirm",
    "proposal_dismiss",
    "read_milestone_table",
]
