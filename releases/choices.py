from django.db import models


class ReleaseKind(models.TextChoices):
    """A version (v23.0.0 and its patches), or a weekly build of the stack (w.2021.28), which mini runs use and a
    version is cut from."""

    VERSION = "version", "Release"
    WEEKLY = "weekly", "Weekly build"


class ReleaseStatus(models.TextChoices):
    CANDIDATE = "candidate", "Candidate"
    APPROVED = "approved", "Approved"
    SUPPORTED = "supported", "Supported"
    END_OF_SUPPORT = "end-of-support", "End of support"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Release status -> the statuses a transition may take it to. Approval comes
# only from a pipeline-version decision of the policy committee. An ended
# release goes back into support only by the lead extending its support window
# (``release_set_support_until``), never by "put into support".
RELEASE_TRANSITIONS: dict[str, set[str]] = {
    ReleaseStatus.CANDIDATE: {ReleaseStatus.APPROVED, ReleaseStatus.WITHDRAWN},
    ReleaseStatus.APPROVED: {ReleaseStatus.SUPPORTED, ReleaseStatus.WITHDRAWN, ReleaseStatus.CANDIDATE},
    ReleaseStatus.SUPPORTED: {ReleaseStatus.END_OF_SUPPORT, ReleaseStatus.WITHDRAWN},
    ReleaseStatus.END_OF_SUPPORT: {ReleaseStatus.SUPPORTED},
    ReleaseStatus.WITHDRAWN: set(),
}

RELEASE_STATUS_COLOURS = {
    ReleaseStatus.CANDIDATE: "info",
    ReleaseStatus.APPROVED: "primary",
    ReleaseStatus.SUPPORTED: "success",
    ReleaseStatus.END_OF_SUPPORT: "secondary",
    ReleaseStatus.WITHDRAWN: "dark",
}


class BackportStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    UNDER_REVIEW = "under-review", "Under review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    MERGED = "merged", "Merged"
    SHIPPED = "shipped", "Shipped"


# Review, approval and rejection follow from a change control board decision;
# merging and shipping are recorded by people.
BACKPORT_TRANSITIONS: dict[str, set[str]] = {
    BackportStatus.PROPOSED: {BackportStatus.UNDER_REVIEW},
    BackportStatus.UNDER_REVIEW: {BackportStatus.APPROVED, BackportStatus.REJECTED, BackportStatus.PROPOSED},
    BackportStatus.APPROVED: {BackportStatus.MERGED},
    BackportStatus.REJECTED: set(),
    BackportStatus.MERGED: {BackportStatus.SHIPPED},
    BackportStatus.SHIPPED: set(),
}

BACKPORT_STATUS_COLOURS = {
    BackportStatus.PROPOSED: "info",
    BackportStatus.UNDER_REVIEW: "warning",
    BackportStatus.APPROVED: "primary",
    BackportStatus.REJECTED: "danger",
    BackportStatus.MERGED: "secondary",
    BackportStatus.SHIPPED: "success",
}
