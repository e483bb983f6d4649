from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Campaigns and submissions"

    def ready(self) -> None:
        from campaigns import events
        from campaigns.services.products import on_submission_succeeded

        # A successful run may deliver data products: a campaign that declares some has them counted.
        events.submission_succeeded.subscribe(on_submission_succeeded)
