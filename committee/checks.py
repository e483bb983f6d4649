"""What the committee's decisions gate in the apps below it (registered in ``CommitteeConfig.ready``)."""

from campaigns.models import Campaign
from committee.selectors import release_is_approved_for
from releases.models import Release


def release_approval_problem(campaign: Campaign, release: Release) -> str:
    """A production campaign runs only a release the policy committee approved for it (by a pipeline-version or
    a patch decision in effect); a mini run runs any release without a decision."""
    if campaign.is_mini_run or release_is_approved_for(release=release, campaign=campaign):
        return ""
    return (
        f"{release} is not approved for {campaign.name}: the policy committee approves a release for a campaign "
        "with a pipeline-version decision (a patch decision for a patch of its release)."
    )
