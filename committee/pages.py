"""What the committee adds to the pages of the apps below it (registered in ``CommitteeConfig.ready``)."""

from committee.models import ReleaseApproval
from releases.models import Release


def release_approvals_section(release: Release) -> tuple[str, dict]:
    """The release page's "Approved for campaigns": each approval with its campaign and decision (one query)."""
    approvals = ReleaseApproval.objects.filter(release=release).select_related("campaign", "decision")
    return "committee/_release_approvals.html", {"approvals": list(approvals)}
