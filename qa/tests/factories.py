import uuid

import factory
from django.utils import timezone

from campaigns.models import Submission
from campaigns.tests.factories import CampaignFactory
from qa.models import Measurement, Metric, Specification


class MetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Metric
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"demo.metric_{n}")
    unit = "mmag"


class SpecificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specification

    metric = factory.SubFactory(MetricFactory)
    level = "design"
    statistic = "median"
    operator = "<"
    threshold = 10.0


def measure(submission: Submission, metric: Metric, values, **tags) -> None:
    """Measurements of one metric for a run, with the same tags."""
    Measurement.objects.bulk_create(
        Measurement(submission=submission, metric=metric, value=value, tags=tags, measured_at=timezone.now())
        for value in values
    )


def succeeded_run(campaign=None, **fields) -> Submission:
    """A succeeded submission of the campaign's first step (a campaign with one step is made if needed)."""
    from campaigns.models import Step
    from console.tests.factories import UserFactory

    campaign = campaign or CampaignFactory()
    step = campaign.steps.first() or Step.objects.create(campaign=campaign, name="all", position=1)
    return Submission.objects.create(
        step=step,
        idempotency_key=uuid.uuid4().hex,
        requested_by=UserFactory(),
        status="succeeded",
        ended_at=timezone.now(),
        run_collection=f"u/test/{campaign.name}/{step.name}",
        **fields,
    )
