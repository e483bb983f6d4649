from django.db import models


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    READY = "ready", "Ready"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    ACCEPTED = "accepted", "Accepted"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


CAMPAIGN_STATUS_COLOURS = {
    CampaignStatus.DRAFT: "light",
    CampaignStatus.READY: "info",
    CampaignStatus.RUNNING: "primary",
    CampaignStatus.PAUSED: "warning",
    CampaignStatus.COMPLETED: "success",
    CampaignStatus.ACCEPTED: "success",
    CampaignStatus.FAILED: "danger",
    CampaignStatus.CANCELLED: "secondary",
}

CAMPAIGN_TRANSITIONS: dict[str, set[str]] = {
    CampaignStatus.DRAFT: {CampaignStatus.READY, CampaignStatus.RUNNING, CampaignStatus.CANCELLED},
    CampaignStatus.READY: {CampaignStatus.RUNNING, CampaignStatus.DRAFT, CampaignStatus.CANCELLED},
    CampaignStatus.RUNNING: {
        CampaignStatus.PAUSED,
        CampaignStatus.COMPLETED,
        CampaignStatus.FAILED,
        CampaignStatus.CANCELLED,
    },
    CampaignStatus.PAUSED: {CampaignStatus.RUNNING, CampaignStatus.CANCELLED},
    CampaignStatus.COMPLETED: {CampaignStatus.ACCEPTED, CampaignStatus.RUNNING},
    CampaignStatus.FAILED: {CampaignStatus.RUNNING, CampaignStatus.CANCELLED},
    CampaignStatus.ACCEPTED: set(),
    CampaignStatus.CANCELLED: set(),
}

# A campaign in these statuses takes no new submission or restart (``Campaign.takes_submissions``).
CAMPAIGN_CLOSED_TO_SUBMISSIONS = (CampaignStatus.PAUSED, CampaignStatus.CANCELLED, CampaignStatus.ACCEPTED)
# A campaign in these statuses keeps the release it ran with (``campaign_release_change``): its runs are over and
# were judged with it.
CAMPAIGN_RELEASE_FIXED = (CampaignStatus.CANCELLED, CampaignStatus.ACCEPTED)


class CampaignKind(models.TextChoices):
    """A production campaign runs a release the policy committee approved for it; a mini run (the planning
    document's "mini runs early on") may run a weekly build or an unapproved release, without a decision, and is
    never accepted as production nor counted as a milestone's evidence."""

    PRODUCTION = "production", "Production"
    MINI_RUN = "mini-run", "Mini run"


class WorkflowSystem(models.TextChoices):
    PARSL = "parsl", "Parsl (local)"
    HTCONDOR = "htcondor", "HTCondor"
    PANDA = "panda", "PanDA"


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUBMITTING = "submitting", "Submitting"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    LOST = "lost", "Lost"


ACTIVE_SUBMISSION_STATUSES = (SubmissionStatus.PENDING, SubmissionStatus.SUBMITTING, SubmissionStatus.RUNNING)
# Launched or being launched: what takes a slot of a campaign's and a workflow system's limits.
LAUNCHED_SUBMISSION_STATUSES = (SubmissionStatus.SUBMITTING, SubmissionStatus.RUNNING)
# Ended without doing all its work: a failed campaign, a dashboard card.
FAILED_SUBMISSION_STATUSES = (SubmissionStatus.FAILED, SubmissionStatus.LOST)
# Those that restart, each once (``Submission.restart_refusal``).
RESTARTABLE_SUBMISSION_STATUSES = (SubmissionStatus.FAILED, SubmissionStatus.LOST, SubmissionStatus.CANCELLED)

SUBMISSION_TRANSITIONS: dict[str, set[str]] = {
    SubmissionStatus.PENDING: {SubmissionStatus.SUBMITTING, SubmissionStatus.CANCELLED},
    SubmissionStatus.SUBMITTING: {
        SubmissionStatus.RUNNING,
        SubmissionStatus.PENDING,
        SubmissionStatus.FAILED,
        SubmissionStatus.CANCELLED,
    },
    SubmissionStatus.RUNNING: {
        # bps exited with a transient error before it submitted anything: launched again later.
        SubmissionStatus.PENDING,
        SubmissionStatus.SUCCEEDED,
        SubmissionStatus.FAILED,
        SubmissionStatus.CANCELLED,
        SubmissionStatus.LOST,
    },
    SubmissionStatus.SUCCEEDED: set(),
    SubmissionStatus.FAILED: set(),
    SubmissionStatus.CANCELLED: set(),
    SubmissionStatus.LOST: set(),
}

SUBMISSION_STATUS_COLOURS = {
    SubmissionStatus.PENDING: "light",
    SubmissionStatus.SUBMITTING: "info",
    SubmissionStatus.RUNNING: "primary",
    SubmissionStatus.SUCCEEDED: "success",
    SubmissionStatus.FAILED: "danger",
    SubmissionStatus.CANCELLED: "secondary",
    SubmissionStatus.LOST: "warning",
}


class ErrorOrigin(models.TextChoices):
    """Where a type of failure comes from: who fixes it."""

    INFRASTRUCTURE = "infrastructure", "Infrastructure"
    CONFIGURATION = "configuration", "Configuration"
    PIPELINE = "pipeline", "Pipeline"


ERROR_ORIGIN_COLOURS = {
    ErrorOrigin.INFRASTRUCTURE: "warning",
    ErrorOrigin.CONFIGURATION: "info",
    ErrorOrigin.PIPELINE: "danger",
}


class ErrorAction(models.TextChoices):
    """What a campaign that runs automatically does with a failure of a type (``ErrorRule.action``)."""

    RETRY = "retry", "Retry automatically"
    RESTART_GROUP = "restart-group", "Restart the group"
    HOLD = "hold", "Hold for review"
    FAIL = "fail", "Fail"


class SiteKind(models.TextChoices):
    """How a compute site runs a submission's jobs: on the submit host itself (Parsl's local site), or in pilot jobs
    of a Slurm cluster (``lsst.ctrl.bps.parsl.sites.Slurm``)."""

    LOCAL = "local", "This host (Parsl local)"
    SLURM = "slurm", "Slurm cluster (Parsl pilot jobs)"
