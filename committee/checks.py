"""What the committee's decisions gate in the apps below it (registered in ``CommitteeConfig.ready``)."""

from campaigns.models import Campaign, Step
from campaigns.preflight import Problem
from committee.selectors import release_is_approved_for


def release_approved_for_campaign(campaign: Campaign, step: Step) -> list[Problem]:
    """Pre-flight: the campaign's release must be approved for it by a pipeline-version decision."""
    if campaign.release is None or release_is_approved_for(release=campaign.release, campaign=campaign):
        return []
    message = (
        f"{campaign.release} is not approved for {campaign.name}: the policy committee "
        "approves a release for a campaign with a pipeline-version decision."
    )
    return [Problem("release", message)]
