from django.apps import AppConfig


class CommitteeConfig(AppConfig):
    name = "committee"
    verbose_name = "Committees and decisions"

    def ready(self) -> None:
        from campaigns import preflight
        from committee.checks import release_approved_for_campaign

        # A campaign's steps may be submitted only with a release the policy committee approved for it.
        preflight.register_check(release_approved_for_campaign)

        from committee.pages import release_approvals_section
        from releases import pages as release_pages

        # A release's page shows the campaigns the committee approved it for.
        release_pages.register_section(release_approvals_section)
