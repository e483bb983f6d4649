from django.db import models


class MilestoneStatus(models.TextChoices):
    TO_DO = "To Do", "To Do"
    IN_PROGRESS = "In Progress", "In Progress"
    DONE = "Done", "Done"
    WONT_FIX = "Won't Fix", "Won't Fix"


OPEN_STATUSES = (MilestoneStatus.TO_DO, MilestoneStatus.IN_PROGRESS)

# Status -> the statuses a person may move a milestone to in the console. Jira
# and imported tables are the record of the milestones, so what they say is
# taken as it is; this table only guards changes made by hand.
MILESTONE_TRANSITIONS: dict[str, set[str]] = {
    MilestoneStatus.TO_DO: {MilestoneStatus.IN_PROGRESS, MilestoneStatus.DONE, MilestoneStatus.WONT_FIX},
    MilestoneStatus.IN_PROGRESS: {MilestoneStatus.TO_DO, MilestoneStatus.DONE, MilestoneStatus.WONT_FIX},
    MilestoneStatus.DONE: {MilestoneStatus.IN_PROGRESS},
    MilestoneStatus.WONT_FIX: {MilestoneStatus.TO_DO},
}

MILESTONE_STATUS_COLOURS = {
    MilestoneStatus.TO_DO: "secondary",
    MilestoneStatus.IN_PROGRESS: "primary",
    MilestoneStatus.DONE: "success",
    MilestoneStatus.WONT_FIX: "dark",
}

LEVELS = (1, 2, 3)


class ChangeOrigin(models.TextChoices):
    """Where a change of a milestone came from."""

    JIRA = "jira", "Jira"
    IMPORT = "import", "Import"
    PERSON = "person", "Person"


class TrackedField(models.TextChoices):
    """The fields whose every change is kept in the milestone's history."""

    DUE_DATE = "due_date", "Due date"
    FORECAST_DATE = "forecast_date", "Forecast date"
    STATUS = "status", "Status"
    LEVEL = "level", "Level"


class EvidenceKind(models.TextChoices):
    """Campaign events that can prove a milestone."""

    CAMPAIGN_STARTED = "campaign-started", "Campaign started"
    STEP_ACCEPTED = "step-accepted", "Step accepted"
    RELEASE_APPROVED = "release-approved", "Release approved"
    DATA_PRODUCTS_DELIVERED = "data-products", "Data products delivered"


# Evidence kind -> the field of MilestoneEvidence that names what the event happens to.
EVIDENCE_TARGETS = {
    EvidenceKind.CAMPAIGN_STARTED: "campaign",
    EvidenceKind.STEP_ACCEPTED: "step",
    EvidenceKind.RELEASE_APPROVED: "release",
    EvidenceKind.DATA_PRODUCTS_DELIVERED: "campaign",
}


class ProposalState(models.TextChoices):
    PENDING = "pending", "Awaiting the task force lead"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


PROPOSAL_TRANSITIONS: dict[str, set[str]] = {
    ProposalState.PENDING: {ProposalState.CONFIRMED, ProposalState.DISMISSED},
    ProposalState.CONFIRMED: set(),
    ProposalState.DISMISSED: set(),
}


class SyncStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class SyncTrigger(models.TextChoices):
    PERIODIC = "periodic", "Periodic task"
    COMMAND = "command", "manage.py sync_jira"
    PERSON = "person", "Sync now, from the page"
