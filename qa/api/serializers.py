from rest_framework import serializers

from console.api.fields import SlugRelatedField
from qa.choices import SpecLevel, SpecOperator, SpecStatistic
from qa.models import Metric, Specification
from releases.models import Release


class MetricSerializer(serializers.ModelSerializer):
    class Meta:
        model = Metric
        fields = ["id", "name", "unit", "description", "higher_is_better"]


class SpecificationSerializer(serializers.ModelSerializer):
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


class MeasurementRowSerializer(serializers.Serializer):
    """One measurement as uploaded: the API reads a JSON list of these (or a CSV or Parquet file)."""

    metric = serializers.CharField()
    value = serializers.FloatField()
    tags = serializers.DictField(child=serializers.CharField(), required=False)
    measured_at = serializers.DateTimeField(required=False)


class IngestResultSerializer(serializers.Serializer):
    ingested = serializers.IntegerField()
    registered_metrics = serializers.ListField(child=serializers.CharField())


class MetricStatisticsSerializer(serializers.Serializer):
    metric = serializers.CharField()
    unit = serializers.CharField()
    count = serializers.IntegerField()
    mean = serializers.FloatField()
    min = serializers.FloatField()
    p05 = serializers.FloatField()
    median = serializers.FloatField()
    p95 = serializers.FloatField()
    max = serializers.FloatField()


class SpecResultSerializer(serializers.Serializer):
    specification = serializers.CharField()
    level = serializers.CharField()
    blocking = serializers.BooleanField()
    value = serializers.FloatField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True)


class WaiverInputSerializer(serializers.Serializer):
    reason = serializers.CharField()
    decision = serializers.IntegerField()
