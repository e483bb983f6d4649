from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from console import text_limits
from console.api import fields
from console.api.fields import SlugRelatedField
from qa.choices import GateState, SpecLevel, SpecOperator, SpecStatistic
from qa.ingest_rows import ISO_DATE_TIME, METRIC_NAME, NUMBER
from qa.limits import (
    METRIC_NAME_MAX_CHARS,
    TAG_KEY_MAX_CHARS,
    TAG_VALUE_MAX_CHARS,
    TAGS_MAX,
    VALUE_MAX_MAGNITUDE,
    VALUE_MIN_MAGNITUDE,
)
from qa.models import Metric, Specification
from releases.models import Release


class MetricSerializer(fields.ModelSerializer):
    class Meta:
        model = Metric
        fields = ["id", "name", "unit", "description", "higher_is_better"]


class SpecificationSerializer(fields.ModelSerializer):
    metric = SlugRelatedField(slug_field="name", queryset=Metric.objects.all())
    min_release = SlugRelatedField(
        slug_field="version", queryset=Release.objects.all(), required=False, allow_null=True
    )
    max_release = SlugRelatedField(
        slug_field="version", queryset=Release.objects.all(), required=False, allow_null=True
    )
    level = serializers.ChoiceField(choices=SpecLevel.choices)
    operator = serializers.ChoiceField(choices=SpecOperator.choices)
    statistic = serializers.ChoiceField(choices=SpecStatistic.choices, default=SpecStatistic.MEDIAN)

    class Meta:
        model = Specification
        fields = [
            "id",
            "metric",
            "level",
            "statistic",
            "operator",
            "threshold",
            "tag_key",
            "tag_value",
            "min_release",
            "max_release",
            "blocking",
        ]


def _described(schema: dict, *, required: bool = False) -> serializers.Field:
    """A field that only says, in the schema, what qa.ingest_rows takes in its place (it never validates anything)."""
    return extend_schema_field(schema)(type("Described", (serializers.Field,), {}))(required=required)


class MeasurementRowSerializer(serializers.Serializer):
    """One measurement as uploaded: the API reads a JSON list of these (or a CSV or Parquet file).

    Only the schema's description of a row: ``qa.ingest_rows`` reads the rows, within the limits of ``qa.limits``.
    A field of a row other than these four is a tag, when the row has no ``tags``.
    """

    metric = fields.CharField(max_length=METRIC_NAME_MAX_CHARS, validators=[RegexValidator(f"^{METRIC_NAME.pattern}$")])
    value = _described(
        {
            "anyOf": [
                {"type": "number", "minimum": -VALUE_MAX_MAGNITUDE, "maximum": VALUE_MAX_MAGNITUDE},
                {"type": "string", "pattern": f"^{NUMBER.pattern}$"},
            ],
            "description": f"0, or a magnitude from {VALUE_MIN_MAGNITUDE!r} to {VALUE_MAX_MAGNITUDE:g}; "
            "a number, or a decimal as text",
        },
        required=True,
    )
    tags = _described(
        {
            "anyOf": [
                {
                    "type": "object",
                    "additionalProperties": {
                        "anyOf": [{"type": "string", "maxLength": TAG_VALUE_MAX_CHARS}, {"type": "number"}],
                        "nullable": True,
                        "description": "text, or a number (written as its shortest decimal); null leaves it out",
                    },
                    "maxProperties": TAGS_MAX,
                },
                {"type": "string", "description": "the same object as JSON text"},
            ],
            "description": f"at most {TAGS_MAX} tags; a key of 1 to {TAG_KEY_MAX_CHARS} characters",
        }
    )
    measured_at = _described(
        {
            "type": "string",
            "nullable": True,
            "pattern": f"^(|{ISO_DATE_TIME.pattern})$",
            "description": "ISO 8601, without an offset in UTC; missing, empty or null: now",
        }
    )


class IngestResultSerializer(serializers.Serializer):
    ingested = fields.IntegerField()
    registered_metrics = serializers.ListField(child=fields.CharField())


class MetricStatisticsSerializer(serializers.Serializer):
    metric = fields.CharField()
    unit = fields.CharField()
    count = fields.IntegerField()
    mean = fields.FloatField()
    min = fields.FloatField()
    p05 = fields.FloatField()
    median = fields.FloatField()
    p95 = fields.FloatField()
    max = fields.FloatField()


class SpecResultSerializer(serializers.Serializer):
    specification = fields.CharField()
    level = fields.CharField()
    blocking = fields.BooleanField()
    value = fields.FloatField(allow_null=True)
    passed = fields.BooleanField(allow_null=True)


class GateResultSerializer(SpecResultSerializer):
    verdict = fields.CharField(help_text='e.g. "demo.measure.std median 14.2 > 12.0 (minimum)"')


class StepGateSerializer(serializers.Serializer):
    """A step at the QA gate (``qa.gate``)."""

    step = fields.IntegerField()
    state = serializers.ChoiceField(choices=GateState.choices)
    label = fields.CharField()
    submission = fields.IntegerField(allow_null=True, help_text="the run judged: the step's latest successful one")
    blocking = GateResultSerializer(many=True, help_text="the blocking specifications that apply to the run, judged")
    failing = serializers.ListField(child=fields.CharField(), help_text="the verdict of each one the run does not pass")
    waiver = fields.IntegerField(allow_null=True)
    metrics_expected_until = fields.DateTimeField(allow_null=True, help_text="while waiting for metrics")
    refusal = fields.CharField(help_text="why the step may not be accepted now; empty when it may")


class WaiverInputSerializer(serializers.Serializer):
    reason = fields.CharField(max_length=text_limits.REASON)
    decision = fields.IntegerField()
