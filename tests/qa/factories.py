import uuid
from collections import Counter
from collections.abc import Iterable

import factory
from django.db.models import F
from django.utils import timezone

from campaigns.models import Submission
from qa.models import Measurement, Metric, Specification
from tests.campaigns.factories import CampaignFactory


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


def store_measurements(rows: Iterable[Measurement]) -> None:
    """Measurements written straight to the table, quicker than ingest, with the runs' counts kept as ingest does.

    The count makes the runs' stored statistics stale, so that the refresh their readers call first computes them again.
    """
    rows = list(rows)
    Measurement.objects.bulk_create(rows, batch_size=2000)
    for submission_id, n in Counter(row.submission_id for row in rows).items():
        Submission.objects.filter(pk=submission_id).update(measurement_count=F("measurement_count") + n)


def measure(submission: Submission, metric: Metric, values, **tags) -> None:
    """Measurements of one metric for a run, with the same tags."""
    store_measurements(
        Measurement(submission=submission, metric=metric, value=value, tags=tags, measured_at=timezone.now())
        for value in values
    )


def succeeded_run(campaign=None, **fields) -> Submission:
    """A succeeded submission of the campaign's first step (a campaign with one step is made if needed)."""
    from campaigns.models import Step
    from tests.console.factories import UserFactory

    campaign = campaign or CampaignFactory()
    step = campaign.steps.first() or Step.objects.create(campaign=campaign, name="all", position=1)
    return Submission.objects.create(
        step=step,
        idempotency_key=uuid.uuid4().hex,
        requested_by=UserFactory(),
        run_collection=f"u/test/{campaign.name}/{step.name}",
        **{"status": "succeeded", "ended_at": timezone.now(), **fields},
    )
