import secrets

import factory
from django.utils import timezone

from campaigns.choices import SubmissionStatus
from campaigns.models import Campaign, Step, Submission
from committee.choices import DecisionKind, DecisionStatus
from committee.models import ReleaseApproval
from tests.committee.factories import DecisionFactory
from tests.console.factories import UserFactory
from tests.releases.factories import SupportedReleaseFactory


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"DC2 RC{n}")
    description = "Reprocessing of a DC2 test-med-1 slice."


class StepFactory(factory.django.DjangoModelFactory):
    """A step appended to its campaign (the next position)."""

    class Meta:
        model = Step

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"step{n}")
    position = factory.LazyAttribute(lambda step: step.campaign.steps.count() + 1)


class SubmissionFactory(factory.django.DjangoModelFactory):
    """A submission as stored (no service, nothing launched); ``task_counts={label: {...}}`` sets the totals too."""

    class Meta:
        model = Submission
        skip_postgeneration_save = True

    step = factory.SubFactory(StepFactory)
    idempotency_key = factory.Sequence(lambda n: f"test-submission-{n}")
    requested_by = factory.SubFactory(UserFactory)
    status = SubmissionStatus.SUCCEEDED
    # As the claim of its launch draws it (a pending submission has none yet: pass launch_token="").
    launch_token = factory.LazyFunction(lambda: secrets.token_hex(8))

    @factory.post_generation
    def task_counts(submission, create, task_counts, **kwargs):
        if task_counts is not None:
            submission.set_task_counts(task_counts)
            if create:
                submission.save()


class SubmittableCampaignFactory(CampaignFactory):
    """A campaign whose steps pass the pre-flight checks: an approved release, a complete BPS configuration,
    a repository given by URI (not looked for on disk). ``approved=False`` leaves the release unapproved."""

    class Meta:
        skip_postgeneration_save = True

    butler_repo = "s3://dc2-repo/main"
    pipeline = "$DRP_PIPE_DIR/pipelines/LSSTCam-imSim/DRP-test-med-1.yaml"
    input_collections = factory.LazyFunction(lambda: ["2.2i/defaults"])
    output_prefix = "u/operator/rc"
    data_query = "instrument='LSSTCam-imSim' AND skymap='DC2' AND tract=3828"
    release = factory.SubFactory(SupportedReleaseFactory)

    @factory.post_generation
    def approved(campaign, create, approved, **kwargs):
        if not create or approved is False:
            return
        decision = DecisionFactory(
            kind=DecisionKind.PIPELINE_VERSION, release=campaign.release, status=DecisionStatus.ENDORSED
        )
        ReleaseApproval.objects.create(
            release=campaign.release, campaign=campaign, decision=decision, approved_at=timezone.now()
        )
