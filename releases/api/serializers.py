from rest_framework import serializers

from console.api import fields
from console.api.fields import SlugRelatedField
from console.identifiers import (
    RELEASE_VERSION,
    RFC_ID,
    TICKET,
    validate_release_version,
    validate_rfc_id,
    validate_ticket,
)
from releases.models import BackportRequest, Release


class ReleaseSerializer(fields.ModelSerializer):
    base_release = serializers.SlugRelatedField(slug_field="version", read_only=True, allow_null=True)
    support_days_left = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = [
            "id",
            "version",
            "base_release",
            "status",
            "approved_on",
            "support_until",
            "support_days_left",
            "withdrawn_on",
            "notes",
        ]

    def get_support_days_left(self, release: Release) -> int | None:
        return release.support_days_left()


class ReleaseApprovalSerializer(serializers.Serializer):
    """A campaign the release is approved for (the approval is a row of the committee app, above this one)."""

    campaign = fields.CharField(source="campaign.name", read_only=True)
    decision = serializers.IntegerField(source="decision_id", read_only=True)
    approved_at = serializers.DateTimeField(read_only=True)


class ReleaseDetailSerializer(ReleaseSerializer):
    approvals = ReleaseApprovalSerializer(many=True, read_only=True)

    class Meta(ReleaseSerializer.Meta):
        fields = [*ReleaseSerializer.Meta.fields, "approvals"]


class ReleaseCreateSerializer(serializers.Serializer):
    version = fields.CharField(max_length=RELEASE_VERSION.max_length, validators=[validate_release_version])
    base_release = SlugRelatedField(
        slug_field="version", queryset=Release.objects.all(), required=False, allow_null=True
    )
    notes = fields.CharField(required=False, allow_blank=True, default="")


class SupportWindowSerializer(serializers.Serializer):
    support_until = fields.DateField()


class MarkSupportedSerializer(serializers.Serializer):
    support_until = fields.DateField(required=False, allow_null=True, default=None)


class BackportRequestSerializer(fields.ModelSerializer):
    target_release = serializers.SlugRelatedField(slug_field="version", read_only=True)
    shipped_in = serializers.SlugRelatedField(slug_field="version", read_only=True, allow_null=True)
    requester = fields.CharField(source="requester.username", read_only=True)

    class Meta:
        model = BackportRequest
        fields = [
            "id",
            "rfc_id",
            "ticket",
            "title",
            "rationale",
            "target_release",
            "requester",
            "status",
            "shipped_in",
            "created_at",
            "updated_at",
        ]


class BackportRequestCreateSerializer(serializers.Serializer):
    rfc_id = fields.CharField(max_length=RFC_ID.max_length, validators=[validate_rfc_id])
    ticket = fields.CharField(max_length=TICKET.max_length, validators=[validate_ticket])
    title = fields.CharField(max_length=200)
    rationale = fields.CharField()
    target_release = SlugRelatedField(slug_field="version", queryset=Release.objects.all())


class BackportShipSerializer(serializers.Serializer):
    patch_release = SlugRelatedField(slug_field="version", queryset=Release.objects.all())
