from rest_framework import serializers

from campaigns import bps_config
from campaigns.choices import WorkflowSystem
from campaigns.models import Campaign, Step, Submission
from console.api import fields
from console.api.fields import SlugRelatedField
from releases.models import Release

# What one request may define: far above a real campaign, and bounded so that a body cannot make the work grow.
MAX_INPUT_COLLECTIONS = 100
MAX_STEPS = 50


class SubmissionSerializer(fields.ModelSerializer):
    step = fields.CharField(source="step.name", read_only=True)
    campaign = fields.IntegerField(source="step.campaign_id", read_only=True)
    requested_by = fields.CharField(source="requested_by.username", read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "campaign",
            "step",
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
        fields = ["id", "name", "position", "pipeline_subset", "data_query", "depends_on"]


class StepInputSerializer(serializers.Serializer):
    name = fields.SlugField(max_length=50)
    pipeline_subset = fields.CharField(required=False, allow_blank=True, default="")
    data_query = fields.CharField(required=False, allow_blank=True, default="")
    depends_on = fields.SlugField(required=False, allow_null=True, default=None)


class CampaignSerializer(fields.ModelSerializer):
    release = serializers.SlugRelatedField(slug_field="version", read_only=True, allow_null=True)
    owner = fields.CharField(source="owner.username", read_only=True, allow_null=True)
    steps = StepSerializer(many=True, read_only=True)

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
        ]


class CampaignCreateSerializer(serializers.Serializer):
    name = fields.CharField(max_length=100)
    description = fields.CharField(required=False, allow_blank=True, default="")
    dataset_label = fields.CharField(required=False, allow_blank=True, default="")
    butler_repo = fields.CharField(max_length=500)
    input_collections = serializers.ListField(
        child=fields.CharField(max_length=500), min_length=1, max_length=MAX_INPUT_COLLECTIONS
    )
    output_prefix = fields.CharField(max_length=200)
    data_query = fields.CharField(required=False, allow_blank=True, default="")
    pipeline = fields.CharField(max_length=500)
    release = SlugRelatedField(slug_field="version", queryset=Release.objects.all(), allow_null=True)
    workflow_system = serializers.ChoiceField(choices=WorkflowSystem.choices, default=WorkflowSystem.PARSL)
    bps_template = fields.CharField(
        required=False, allow_blank=True, default="", max_length=bps_config.MAX_YAML_CHARS, help_text="YAML mapping"
    )
    bps_overrides = fields.CharField(
        required=False, allow_blank=True, default="", max_length=bps_config.MAX_YAML_CHARS, help_text="YAML mapping"
    )
    steps = StepInputSerializer(many=True, required=False, max_length=MAX_STEPS)

    def validate_bps_template(self, text: str) -> str:
        return _yaml_mapping(text, "BPS template")

    def validate_bps_overrides(self, text: str) -> str:
        return _yaml_mapping(text, "overrides")


class CloneSerializer(serializers.Serializer):
    name = fields.CharField(max_length=100)


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
