from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from console import text_limits
from console.api import fields
from console.api.fields import SlugRelatedField
from console.identifiers import (
    RELEASE_VERSION,
    RELEASE_VERSION_AS_WRITTEN,
    RFC_ID,
    TICKET,
    release_version_normalized,
    validate_release_version,
    validate_rfc_id,
    validate_ticket,
)
from releases.choices import ReleaseKind
from releases.models import BackportRequest, Release

# What a version may be sent as: the stored form, or the short forms people write ("v23" for v23.0.0, "v23.1" for
# v23.1.0, "w_2021_28" for w.2021.28), stored in the long form.
VERSION_SCHEMA = {
    "type": "string",
    "pattern": rf"^(?:{RELEASE_VERSION_AS_WRITTEN})$",
    "maxLength": RELEASE_VERSION.max_length,
    "description": "v23.0.0 (or v23), a patch v23.0.1, or a weekly build w.2021.28 (or w_2021_28)",
}


@extend_schema_field(VERSION_SCHEMA)
class ReleaseVersionField(fields.CharField):
    """A release version as people write it ("v23" is v23.0.0, "w_2021_28" is w.2021.28), checked once normalized."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", RELEASE_VERSION.max_length)
        kwargs.setdefault("validators", [validate_release_version])
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return release_version_normalized(super().to_internal_value(data))


@extend_schema_field(VERSION_SCHEMA)
class ReleaseRelatedField(SlugRelatedField):
    """A release named by its version as people write it ("v23" is v23.0.0)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Release.objects.all())
        super().__init__(slug_field="version", **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(release_version_normalized(data))


class ReleaseSerializer(fields.ModelSerializer):
    kind = serializers.ChoiceField(choices=ReleaseKind.choices, read_only=True)
    base_release = serializers.SlugRelatedField(slug_field="version", read_only=True, allow_null=True)
    cut_from = serializers.SlugRelatedField(
        slug_field="version", read_only=True, allow_null=True, help_text="the weekly build it was cut from"
    )
    support_days_left = serializers.SerializerMethodField()
    recorded_by = fields.CharField(
        source="recorded_by.username",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="when its approval was recorded after the fact (history from before the console): who recorded it",
    )

    class Meta:
        model = Release
        fields = [
            "id",
            "version",
            "kind",
            "base_release",
            "cut_from",
            "status",
            "approved_on",
            "support_until",
            "support_days_left",
            "withdrawn_on",
            "notes",
            "recorded_by",
            "recorded_at",
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
    version = ReleaseVersionField()
    base_release = ReleaseRelatedField(required=False, allow_null=True, help_text="for a patch: the release it patches")
    cut_from = ReleaseRelatedField(
        required=False, allow_null=True, help_text="the weekly build (w.2021.28) the release was cut from"
    )
    notes = fields.CharField(required=False, allow_blank=True, default="", max_length=text_limits.NOTES)


class SupportWindowSerializer(serializers.Serializer):
    support_until = fields.DateField()


class RecordHistorySerializer(serializers.Serializer):
    """A release approved before the console (``services.release_record_history``)."""

    approved_on = fields.DateField(help_text="the day it was approved, in the past")
    support_until = fields.DateField(
        required=False, allow_null=True, default=None, help_text="its last day of support; default one year on"
    )
    withdrawn_on = fields.DateField(
        required=False, allow_null=True, default=None, help_text="the day it was withdrawn, if it was"
    )


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
    rationale = fields.CharField(max_length=text_limits.RATIONALE)
    target_release = ReleaseRelatedField()


class BackportShipSerializer(serializers.Serializer):
    patch_release = ReleaseRelatedField()
