import factory

from releases.choices import BackportStatus, ReleaseStatus
from releases.models import BackportRequest, Release
from tests.console.factories import UserFactory


class ReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Release
        django_get_or_create = ("version",)

    version = factory.Sequence(lambda n: f"v{30 + n}.0.0")
    status = ReleaseStatus.CANDIDATE


class SupportedReleaseFactory(ReleaseFactory):
    status = ReleaseStatus.SUPPORTED
    approved_on = factory.Faker("date_between", start_date="-60d", end_date="-30d")
    support_until = factory.LazyAttribute(
        lambda release: release.approved_on.replace(year=release.approved_on.year + 1)
    )


class BackportRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BackportRequest

    rfc_id = factory.Sequence(lambda n: f"RFC-{900 + n}")
    ticket = factory.Sequence(lambda n: f"DM-{40000 + n}")
    title = factory.Faker("sentence", nb_words=6)
    rationale = factory.Faker("paragraph")
    target_release = factory.SubFactory(SupportedReleaseFactory)
    requester = factory.SubFactory(UserFactory)
    status = BackportStatus.PROPOSED
