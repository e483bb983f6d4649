from rest_framework import serializers

from campaigns.choices import WorkflowSystem
from campaigns.models import Campaign, Step, Submission
from console.api.fields import SlugRelatedField
from releases.models import Release


class SubmissionSerializer(serializers.ModelSerializer):
    step = serializers.CharField(source="step.name", read_only=True)
    campaign = serializers.IntegerField(source="step.campaign_id", read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)

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


class StepSerializer(serializers.ModelSerializer):
    depends_on = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)

    class Meta:
        model = Step
        fields = ["id", "name", "position", "pipeline_subset", "data_query", "depends_on"]


class StepInputSerializer(serializers.Serializer):
    name = serializers.SlugField(max_length=50)
    pipeline_subset = serializers.CharField(required=False, allow_blank=True, default="")
    data_query = serializers.CharField(required=False, allow_blank=True, default="")
    depends_on = serializers.SlugField(required=False, allow_null=True, default=None)


class CampaignSerializer(serializers.ModelSerializer):
    release = serializers.SlugRelatedField(slug_field="version", read_only=True, allow_null=True)
    owner = serializers.CharField(source="owner.username", read_only=True, allow_null=True)
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
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    dataset_label = serializers.CharField(required=False, allow_blank=True, default="")
    butler_repo = serializers.CharField(max_length=500)
    input_collections = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    output_prefix = serializers.CharField(max_length=200)
    data_query = serializers.CharField(required=False, allow_blank=True, default="")
    pipeline = serializers.CharField(max_length=500)
    release = SlugRelatedField(slug_field="version", queryset=Release.objects.all(), allow_null=True)
    workflow_system = serializers.ChoiceField(choices=WorkflowSystem.choices, default=WorkflowSystem.PARSL)
    bps_template = serializers.CharField(required=False, allow_blank=True, default="")
    bps_overrides = serializers.CharField(required=False, allow_blank=True, default="")
    steps = StepInputSerializer(many=True, required=False)


class CloneSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class SubmitSerializer(serializers.Serializer):
    step = serializers.SlugField(required=False, help_text="the step's name; may be left out for a one-step campaign")
    idempotency_key = serializers.CharField(
        max_length=100,
        required=False,
        help_text="or the Idempotency-Key header; the same key gives the same submission",
    )


class RestartSerializer(serializers.Serializer):
    idempotency_key = serializers.CharField(max_length=100, required=False)


class PreflightSerializer(serializers.Serializer):
    step = serializers.CharField()
    problems = serializers.ListField(child=serializers.DictField())
    config = serializers.CharField()


class DiffRowSerializer(serializers.Serializer):
    field = serializers.CharField()
    left = serializers.JSONField()
    right = serializers.JSONField()
    differs = serializers.BooleanField()
