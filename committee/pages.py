"""What the committee adds to the pages of the apps below it (registered in ``CommitteeConfig.ready``)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from campaigns.choices import CAMPAIGN_RELEASE_FIXED
from campaigns.models import Campaign
from committee.choices import CommitteeKind, DecisionKind
from committee.models import Committee, ReleaseApproval
from releases.choices import ReleaseStatus
from releases.models import BackportRequest, Release

# Releases that take no new work: no draft asks for their approval.
CLOSED_RELEASE_STATUSES = (ReleaseStatus.WITHDRAWN, ReleaseStatus.END_OF_SUPPORT)


def _policy_committee() -> Committee | None:
    return Committee.objects.filter(kind=CommitteeKind.POLICY).order_by("pk").first()


def draft_url(*, kind: str, release: Release, campaigns: list[Campaign], committee: Committee | None) -> str:
    """The decision create page with a draft filled in (``forms.draft_initial``): "approve this release for these
    campaigns"."""
    query = [("kind", kind), ("release", release.version), *(("campaigns", campaign.pk) for campaign in campaigns)]
    if committee is not None:
        query.append(("committee", committee.slug))
    return f"{reverse('committee:decision-create')}?{urlencode(query)}"


def backport_review_draft_url(backport: BackportRequest) -> str:
    """The decision create page with the change control board's decision about the backport request drafted."""
    query = [("kind", DecisionKind.BACKPORT), ("backport_request", backport.rfc_id)]
    return f"{reverse('committee:decision-create')}?{urlencode(query)}"


def approval_draft_url(campaign: Campaign, release: Release) -> str:
    """Where to ask the policy committee for the release's approval for the campaign (``campaigns.pages``): a patch
    decision when the release is a later patch of the campaign's release, else a pipeline-version decision."""
    kind = DecisionKind.PATCH if release.supersedes(campaign.release) else DecisionKind.PIPELINE_VERSION
    return draft_url(kind=kind, release=release, campaigns=[campaign], committee=_policy_committee())


def release_approvals_section(release: Release) -> tuple[str, dict]:
    """The release page's "Approved for campaigns": each approval with its campaign and decision (one query)."""
    approvals = ReleaseApproval.objects.filter(release=release).select_related("campaign", "decision")
    return "committee/_release_approvals.html", {"approvals": list(approvals)}


def patch_campaigns_section(release: Release) -> tuple[str, dict]:
    """A patch's page: the campaigns running its base or an earlier patch of it (``Release.supersedes``), not closed,
    to pick for a patch decision of the policy committee ("ask the committee to approve this patch for the selected
    campaigns"). Three queries; nothing for a release that is no patch."""
    if not release.is_patch:
        return "committee/_patch_campaigns.html", {"patch": None}
    root = release.family_root_id
    running_family = (
        Campaign.objects.not_archived()
        .filter(Q(release_id=root) | Q(release__base_release_id=root))
        .exclude(status__in=CAMPAIGN_RELEASE_FIXED)
        .select_related("release")
        .order_by("name")
    )
    campaigns = [campaign for campaign in running_family if release.supersedes(campaign.release)]
    approved = set(ReleaseApproval.objects.filter(release=release).values_list("campaign_id", flat=True))
    for campaign in campaigns:
        campaign.patch_approved = campaign.pk in approved
    return "committee/_patch_campaigns.html", {
        "patch": release,
        "campaigns": campaigns,
        "committee": _policy_committee(),
        "kind": DecisionKind.PATCH.value,
        "closed": release.status in CLOSED_RELEASE_STATUSES,
    }


@dataclass(frozen=True)
class ApprovalNeeded:
    """A release the campaign may not run (or move onto) until the policy committee approves it for it."""

    release: Release
    why: str
    draft_url: str


def campaign_approvals_section(campaign: Campaign) -> tuple[str, dict]:
    """A campaign's page: the releases approved for it (with their decisions) and, for a production campaign not
    closed, the approvals it needs, each with a pre-filled draft: its own release when it is not approved for it, and
    each later open patch of its release's family. Two queries, three when an approval is needed."""
    approvals = list(ReleaseApproval.objects.filter(campaign=campaign).select_related("release", "decision"))
    needs: list[tuple[Release, str, str]] = []
    current = campaign.release
    if current is not None and not campaign.is_mini_run and campaign.status not in CAMPAIGN_RELEASE_FIXED:
        approved = {approval.release_id for approval in approvals}
        if current.pk not in approved:
            why = (
                f"{campaign.name} runs {current}, which is not approved for it: the policy committee approves a "
                "release per campaign."
            )
            needs.append((current, why, DecisionKind.PIPELINE_VERSION))
        patches = Release.objects.filter(base_release_id=current.family_root_id).exclude(
            Q(status__in=CLOSED_RELEASE_STATUSES) | Q(pk__in=approved)
        )
        for patch in patches.order_by("-major", "-minor", "-patch"):
            if patch.supersedes(current):
                why = (
                    f"{patch}, a later patch of {current}'s family, is not approved for {campaign.name}: the policy "
                    "committee decides whether it moves onto it."
                )
                needs.append((patch, why, DecisionKind.PATCH))
    committee = _policy_committee() if needs else None
    needed = [
        ApprovalNeeded(release, why, draft_url(kind=kind, release=release, campaigns=[campaign], committee=committee))
        for release, why, kind in needs
    ]
    return "committee/_campaign_approvals.html", {"campaign": campaign, "approvals": approvals, "needed": needed}
