from django.apps import AppConfig


class CommitteeConfig(AppConfig):
    name = "committee"
    verbose_name = "Committees and decisions"

    def ready(self) -> None:
        from campaigns import preflight
        from committee.checks import release_approval_problem

        # A campaign runs only a release the policy committee approved for it (a mini run excepted).
        preflight.register_release_check(release_approval_problem)

        from campaigns import pages as campaign_pages
        from committee.pages import (
            approval_draft_url,
            campaign_approvals_section,
            patch_campaigns_section,
            release_approvals_section,
        )
        from releases import pages as release_pages

        # A release's page shows the campaigns the committee approved it for and, for a patch, the campaigns that
        # may move onto it, to put to the committee.
        release_pages.register_section(release_approvals_section)
        release_pages.register_section(patch_campaigns_section)
        # A campaign's page shows its approvals and the ones it needs, each with a pre-filled draft (also offered
        # after a clone).
        campaign_pages.register_section(campaign_approvals_section)
        campaign_pages.register_approval_request_link(approval_draft_url)
