from django.db import models


class CommitteeKind(models.TextChoices):
    POLICY = "policy", "Policy committee"
    CHANGE_CONTROL = "change-control", "Change control board"
    LEADERSHIP = "leadership", "Leadership team"


# Committees that vote on decisions; the leadership team endorses the policy committee's instead.
VOTING_COMMITTEE_KINDS = (CommitteeKind.POLICY, CommitteeKind.CHANGE_CONTROL)


# The policy committee has one seat per area.
POLICY_COMMITTEE_AREAS = (
    "Science Pipelines",
    "Verification & Validation",
    "Middleware",
    "Execution",
)


class QuorumRule(models.TextChoices):
    EVERY_SEAT = "every-seat", "Every seat votes or abstains"
    MAJORITY_OF_SEATS = "majority-of-seats", "More than half of the seats vote or abstain"


class DecisionKind(models.TextChoices):
    CAMPAIGN_POLICY = "campaign-policy", "Campaign policy"
    PIPELINE_VERSION = "pipeline-version", "Pipeline version"
    # The policy committee moves campaigns running a release onto one of its patches.
    PATCH = "patch", "Patch for campaigns"
    # The change control board decides a backport request (the fix a patch will ship).
    BACKPORT = "backport", "Backport"
    QA_TOOLING = "qa-tooling", "QA tooling version"
    OPERATIONAL = "operational", "Operational"


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    ENDORSED = "endorsed", "Endorsed"
    ENDORSEMENT_REFUSED = "endorsement-refused", "Endorsement refused"


# Decision status -> the statuses a transition may take it to. Endorsement
# applies to the policy committee's decisions only (checked by the service).
DECISION_TRANSITIONS: dict[str, set[str]] = {
    DecisionStatus.DRAFT: {DecisionStatus.OPEN},
    DecisionStatus.OPEN: {DecisionStatus.APPROVED, DecisionStatus.REJECTED, DecisionStatus.EXPIRED},
    DecisionStatus.APPROVED: {DecisionStatus.ENDORSED, DecisionStatus.ENDORSEMENT_REFUSED},
    DecisionStatus.REJECTED: set(),
    DecisionStatus.EXPIRED: set(),
    DecisionStatus.ENDORSED: set(),
    DecisionStatus.ENDORSEMENT_REFUSED: set(),
}
DECISION_STATUS_COLOURS = {
    DecisionStatus.DRAFT: "light",
    DecisionStatus.OPEN: "warning",
    DecisionStatus.APPROVED: "primary",
    DecisionStatus.REJECTED: "danger",
    DecisionStatus.EXPIRED: "secondary",
    DecisionStatus.ENDORSED: "success",
    DecisionStatus.ENDORSEMENT_REFUSED: "dark",
}


class VoteChoice(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    ABSTAIN = "abstain", "Abstain"


class NotificationKind(models.TextChoices):
    OPENED = "opened", "Decision opened"
    VOTE_DUE = "vote-due", "Vote due within 2 days"
    CLOSED = "closed", "Decision closed"
