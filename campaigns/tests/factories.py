import factory

from campaigns.models import Campaign


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"DC2 RC{n}")
    description = "Reprocessing of a DC2 test-med-1 slice."
