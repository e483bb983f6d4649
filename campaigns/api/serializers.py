from rest_framework import serializers

from campaigns import bps_config, selectors
from campaigns.choices import CampaignKind, WorkflowSystem
from campaigns.models import Campaign, CampaignReleaseChange, ComputeSite, Step, Submission
from campaigns.services.lifecycle import ARCHIVE_REASON_MAX_LENGTH, MAX_RUNNING_GROUPS
from console import text_limits
from console.api import fields
from releases.api.serializers import ReleaseRelatedField

# What one request may define: far above a real campaign, and bounded so that a body cannot make the work grow.
MAX_INPUT_COLLECTIONS = 100
MAX_STEPS = 50
RELEASE_CHANGE_REASON_MAX_LENGTH = CampaignReleaseChange._meta.get_field("reason").max_length


class SubmissionSerializer(fields.ModelSerializer):
    step = fields.CharField(source="step.name", read_only=True)
    campaign = fields.IntegerField(source="step.campaign_id", read_only=True)
    requested_by = fields.CharField(source="requested_by.username", read_only=True)
    release = serializers.SlugRelatedField(slug_field="version", read_only=True, allow_null=True)
    group = fields.IntegerField(
        source="group_id", read_only=True, allow_null=True, help_text="the group of the step it runs, if split"
    )
    batch_job_ids = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="the run's Slurm job ids (at a Slurm compute site)"
    )

    class Meta:
        model = Submission
        fields = [
            "id",
            "campaign",
            "step",
            "group",
            "release",
            "idempotency_key",
            "attempt",
            "restarts",
            "status",
            "requested_by",
            "created_at",
            "dispatched_at",
            "started_at",
            "ended_at",
            "last_polled_at",
            "run_collection",
            "working_dir",
            "submit_dir",
            "wms_run_id",
            "batch_job_ids",
            "host",
            "pid",
            "quanta_expected",
            "quanta_succeeded",
            "quanta_failed",
            "task_counts",
            "failures",
            "error",
            "retries",
            "retry_at",
        ]
        read_only_fields = fields


# "facility-slug/site-name": a slug and a site name (a slug too) of at most 50 characters each.
COMPUTE_SITE_REFERENCE_MAX_LENGTH = 101


def _compute_site_field(help_text: str) -> fields.CharField:
    return fields.CharField(
        required=False,
        allow_null=True,
        max_length=COMPUTE_SITE_REFERENCE_MAX_LENGTH,
        help_text=f"facility-slug/site-name, as GET /api/v1/facilities/ lists them; {help_text}",
    )


def _compute_site(reference: str | None) -> ComputeSite | None:
    """The compute site the text names; ValidationError naming the text when there is none such."""
    if reference is None:
        return None
    site = selectors.compute_site_by_reference(reference)
    if site is None:
        raise serializers.ValidationError(
            f"There is no compute site {reference!r}: name one as facility-slug/site-name, as GET "
            "/api/v1/facilities/ lists them (or null: this host)."
        )
    return site


def _yaml_mapping(text: str, what: str) -> str:
    """The text, once it reads as a YAML mapping within the bounds of ``bps_config.parse_yaml_mapping``."""
    try:
        bps_config.parse_yaml_mapping(text, what)
    except bps_config.ConfigError as error:
        raise serializers.ValidationError(str(error)) from None
    return text


class StepSerializer(fields.ModelSerializer):
    depends_on = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)

    class Meta:
        model = Step
        fields = [
            "id",
            "name",
            "position",
            "pipeline_subset",
            "data_query",
            "bps_overrides",
            "depends_on",
            "hold_before",
        ]


class StepInputSerializer(serializers.Serializer):
    name = fields.SlugField(max_length=50)
    pipeline_subset = fields.CharField(required=False, allow_blank=True, default="")
    data_query = fields.CharField(required=False, allow_blank=True, default="")
    bps_overrides = fields.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=bps_config.MAX_YAML_CHARS,
        help_text="YAML merged over the campaign's BPS configuration for this step",
    )
    depends_on = fields.SlugField(required=False, allow_null=True, default=None)


class CampaignSerializer(fields.ModelSerializer):
    release = serializers.SlugRelatedField(slug_field="version", read_only=True, allow_null=True)
    owner = fields.CharField(source="owner.username", read_only=True, allow_null=True)
    steps = StepSerializer(many=True, read_only=True)
    archived_by = fields.CharField(source="archived_by.username", read_only=True, allow_null=True)
    automation_by = fields.CharField(source="automation_by.username", read_only=True, allow_null=True)
    compute_site = fields.CharField(
        source="compute_site.reference",
        read_only=True,
        allow_null=True,
        help_text="facility-slug/site-name (GET /api/v1/facilities/); null: this host, the console's own worker",
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            *Campaign.DEFINITION_FIELDS,
            "owner",
            "status",
            "steps",
            "created_at",
            "updated_at",
            "archived_at",
            "archived_by",
            "run_automatically",
            "automation_by",
        ]


class ArchiveSerializer(serializers.Serializer):
    reason = fields.CharField(required=False, allow_blank=True, default="", max_length=ARCHIVE_REASON_MAX_LENGTH)


class CampaignCreateSerializer(serializers.Serializer):
    name = fields.CharField(max_length=100)
    description = fields.CharField(required=False, allow_blank=True, default="", max_length=text_limits.DESCRIPTION)
    dataset_label = fields.CharField(required=False, allow_blank=True, default="")
    butler_repo = fields.CharField(max_length=500)
    input_collections = serializers.ListField(
        child=fields.CharField(max_length=500), min_length=1, max_length=MAX_INPUT_COLLECTIONS
    )
    output_prefix = fields.CharField(max_length=200)
    data_query = fields.CharField(required=False, allow_blank=True, default="")
    pipeline = fields.CharField(max_length=500)
    release = ReleaseRelatedField(allow_null=True)
    kind = serializers.ChoiceField(
        choices=CampaignKind.choices,
        default=CampaignKind.PRODUCTION,
        help_text="a mini run may run a weekly build or an unapproved release; it is never accepted as production",
    )
    workflow_system = serializers.ChoiceField(choices=WorkflowSystem.choices, default=WorkflowSystem.PARSL)
    bps_template = fields.CharField(
        required=False, allow_blank=True, default="", max_length=bps_config.MAX_YAML_CHARS, help_text="YAML mapping"
    )
    bps_overrides = fields.CharField(
        required=False, allow_blank=True, default="", max_length=bps_config.MAX_YAML_CHARS, help_text="YAML mapping"
    )
    max_running_groups = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=MAX_RUNNING_GROUPS,
        help_text="at most this many of its submissions launched at once; null: no limit of its own",
    )
    steps = StepInputSerializer(many=True, required=False, max_length=MAX_STEPS)
    compute_site = _compute_site_field("null or left out: this host, the console's own worker")

    def validate_compute_site(self, reference: str | None) -> ComputeSite | None:
        return _compute_site(reference)

    def validate_bps_template(self, text: str) -> str:
        return _yaml_mapping(text, "BPS template")

    def validate_bps_overrides(self, text: str) -> str:
        return _yaml_mapping(text, "overrides")


class CloneSerializer(serializers.Serializer):
    name = fields.CharField(max_length=100)
    compute_site = _compute_site_field("null: this host, the console's own worker; left out: where the original runs")

    def validate_compute_site(self, reference: str | None) -> ComputeSite | None:
        return _compute_site(reference)


class ReleasePeriodSerializer(serializers.Serializer):
    """One release the campaign ran with (``selectors.campaign_release_history``)."""

    release = fields.CharField(source="release.version", read_only=True, allow_null=True)
    since = serializers.DateTimeField()
    changed_by = fields.CharField(help_text="empty for the release it was created with")
    reason = fields.CharField()
    submissions = fields.IntegerField(help_text="submissions requested with this release")


class CampaignDetailSerializer(CampaignSerializer):
    """One campaign, with the releases it ran with (``selectors.campaign_release_history``, set by the view)."""

    release_history = ReleasePeriodSerializer(many=True, read_only=True)

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "release_history"]


class CloneResponseSerializer(CampaignSerializer):
    """The copy, and what approval it needs before it may run its release ("" when none)."""

    release_approval_needed = fields.CharField(read_only=True)
    release_approval_draft = fields.CharField(
        read_only=True, help_text="the page with a pre-filled draft decision asking for it; empty when none"
    )

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "release_approval_needed", "release_approval_draft"]


class ReleaseChangeSerializer(serializers.Serializer):
    release = ReleaseRelatedField()
    reason = fields.CharField(required=False, allow_blank=True, default="", max_length=RELEASE_CHANGE_REASON_MAX_LENGTH)


class SubmitSerializer(serializers.Serializer):
    step = fields.SlugField(required=False, help_text="the step's name; may be left out for a one-step campaign")
    idempotency_key = fields.CharField(
        max_length=100,
        required=False,
        help_text="or the Idempotency-Key header; the same key gives the same submission",
    )


class RestartSerializer(serializers.Serializer):
    idempotency_key = fields.CharField(max_length=100, required=False)


class PreflightSerializer(serializers.Serializer):
    step = fields.CharField()
    problems = serializers.ListField(child=serializers.DictField())
    config = fields.CharField()


class DiffRowSerializer(serializers.Serializer):
    field = fields.CharField()
    left = serializers.JSONField()
    right = serializers.JSONField()
    differs = fields.BooleanField()


class AutomateSerializer(serializers.Serializer):
    on = fields.BooleanField(help_text="true: run automatically; false: by hand again")


class BreakpointSerializer(serializers.Serializer):
    step = fields.SlugField(max_length=50, help_text="the step's name")
    hold = fields.BooleanField(help_text="true: hold for review before the step; false: no breakpoint")


class CampaignProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    running = serializers.IntegerField()
    failed = serializers.IntegerField()
    held = serializers.IntegerField()
    percent = serializers.IntegerField()
    started_at = serializers.DateTimeField(allow_null=True)
    rate_per_hour = serializers.FloatField(allow_null=True)
    estimated_completion = serializers.DateTimeField(allow_null=True)
