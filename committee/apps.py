from django.apps import AppConfig


class CommitteeConfig(AppConfig):
    name = "committee"
    verbose_name = "Committees and decisions"

    def ready(self) -> None:
        from campaigns import preflight
        from committee.checks import release_approval_problem

        # A campaign runs only a release the policy committee approved for it (a mini run excepted).
        preflight.register_release_check(release_approval_problem)

        from committee.pages import release_approvals_section
        from releases import pages as release_pages

        # A release's page shows the campaigns the committee approved it for.
        release_pages.register_section(release_approvals_section)
