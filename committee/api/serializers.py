from django.contrib.auth.models import User
from rest_framework import serializers

from campaigns.models import Campaign
from committee.choices import CommitteeKind, DecisionKind, QuorumRule, VoteChoice
from committee.models import Committee, Decision, Delegation, Seat, Vote
from committee.services.history import PAST_OUTCOMES
from console import text_limits
from console.api import fields
from console.api.fields import SlugRelatedField
from console.identifiers import COMMITTEE_SLUG, validate_committee_slug
from releases.models import BackportRequest, Release


class DelegationSerializer(fields.ModelSerializer):
    delegate = fields.CharField(source="delegate.username")

    class Meta:
        model = Delegation
        fields = ["id", "delegate", "starts_on", "ends_on"]


class SeatSerializer(fields.ModelSerializer):
    holder = fields.CharField(source="holder.username", allow_null=True, default=None)
    delegations = DelegationSerializer(many=True, read_only=True)

    class Meta:
        model = Seat
        fields = ["id", "area", "holder", "chair", "delegations"]


class CommitteeSerializer(fields.ModelSerializer):
    seats = SeatSerializer(many=True, read_only=True)

    class Meta:
        model = Committee
        fields = ["id", "slug", "name", "kind", "quorum", "seats"]


class CommitteeCreateSerializer(serializers.Serializer):
    name = fields.CharField(max_length=Committee._meta.get_field("name").max_length)
    slug = fields.CharField(max_length=COMMITTEE_SLUG.max_length, validators=[validate_committee_slug])
    kind = serializers.ChoiceField(choices=CommitteeKind.choices)
    quorum = serializers.ChoiceField(choices=QuorumRule.choices, required=False, default=QuorumRule.EVERY_SEAT)
    areas = serializers.ListField(
        child=fields.CharField(max_length=Seat._meta.get_field("area").max_length),
        allow_empty=False,
        min_length=1,
        help_text="one vacant seat per area",
    )
    chair = fields.CharField(
        required=False, allow_null=True, default=None, help_text="the area whose seat chairs the committee"
    )


class SeatAddSerializer(serializers.Serializer):
    area = fields.CharField(max_length=Seat._meta.get_field("area").max_length)


class SeatChoiceSerializer(serializers.Serializer):
    """A seat of the committee: to remove, or to make its chair."""

    seat = fields.PrimaryKeyRelatedField(queryset=Seat.objects.all())


class SeatHolderSerializer(serializers.Serializer):
    seat = fields.PrimaryKeyRelatedField(queryset=Seat.objects.all())
    holder = SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), allow_null=True, help_text="null leaves the seat vacant"
    )


class QuorumSerializer(serializers.Serializer):
    quorum = serializers.ChoiceField(choices=QuorumRule.choices)


class DelegationEndSerializer(serializers.Serializer):
    delegation = fields.PrimaryKeyRelatedField(queryset=Delegation.objects.select_related("seat"))


class DelegationCreateSerializer(serializers.Serializer):
    seat = fields.PrimaryKeyRelatedField(queryset=Seat.objects.all())
    delegate = SlugRelatedField(slug_field="username", queryset=User.objects.filter(is_active=True))
    starts_on = fields.DateField()
    ends_on = fields.DateField()


class VoteSerializer(fields.ModelSerializer):
    seat = fields.CharField(source="seat.area")
    cast_by = fields.CharField(source="cast_by.username")
    on_behalf_of = fields.CharField(source="on_behalf_of.username", allow_null=True, default=None)
    current = serializers.SerializerMethodField()

    class Meta:
        model = Vote
        fields = [
            "id",
            "decision",
            "seat",
            "choice",
            "comment",
            "cast_by",
            "on_behalf_of",
            "cast_at",
            "superseded_at",
            "current",
        ]

    def get_current(self, vote: Vote) -> bool:
        return vote.superseded_at is None


class DecisionSerializer(fields.ModelSerializer):
    committee = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    release = serializers.SlugRelatedField(slug_field="version", read_only=True, allow_null=True)
    backport_request = serializers.SlugRelatedField(slug_field="rfc_id", read_only=True, allow_null=True)
    campaigns = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    proposed_by = fields.CharField(source="proposed_by.username", read_only=True)
    status_label = serializers.CharField(
        read_only=True, help_text='the status as said on the pages: "Approved by the committee, awaiting endorsement"'
    )
    awaits_endorsement = serializers.BooleanField(
        read_only=True, help_text="approved by the policy committee, not endorsed by the leadership team yet"
    )
    in_effect = serializers.BooleanField(
        read_only=True,
        help_text="approved and, for the policy committee's decisions, endorsed: what it decides applies now",
    )
    recorded_by = fields.CharField(
        source="recorded_by.username",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="for a decision taken before the console, recorded after the fact: who recorded it",
    )

    class Meta:
        model = Decision
        fields = [
            "id",
            "committee",
            "kind",
            "title",
            "proposal",
            "release",
            "backport_request",
            "campaigns",
            "deadline",
            "status",
            "status_label",
            "awaits_endorsement",
            "in_effect",
            "proposed_by",
            "created_at",
            "opened_at",
            "closed_at",
            "outcome_summary",
            "endorsed_at",
            "endorsement_note",
            "recorded_by",
            "recorded_at",
        ]


class DecisionDetailSerializer(DecisionSerializer):
    votes = VoteSerializer(many=True, read_only=True)

    class Meta(DecisionSerializer.Meta):
        fields = [*DecisionSerializer.Meta.fields, "votes"]


class DecisionSubjectSerializer(serializers.Serializer):
    """What a decision is about, whether it is proposed now or recorded after the fact."""

    committee = SlugRelatedField(slug_field="slug", queryset=Committee.objects.all())
    kind = serializers.ChoiceField(choices=DecisionKind.choices)
    title = fields.CharField(max_length=200)
    proposal = fields.CharField(max_length=text_limits.PROPOSAL)
    release = SlugRelatedField(
        slug_field="version", queryset=Release.objects.all(), required=False, allow_null=True, default=None
    )
    backport_request = SlugRelatedField(
        slug_field="rfc_id", queryset=BackportRequest.objects.all(), required=False, allow_null=True, default=None
    )
    campaigns = SlugRelatedField(
        slug_field="name", queryset=Campaign.objects.all(), many=True, required=False, default=list
    )


class DecisionCreateSerializer(DecisionSubjectSerializer):
    deadline = fields.DateTimeField()


class DecisionRecordPastSerializer(DecisionSubjectSerializer):
    """A decision taken before the console, with its real dates and outcome (``services.decision_record_past``)."""

    opened_on = fields.DateField()
    closed_on = fields.DateField()
    outcome = serializers.ChoiceField(choices=[(status.value, status.label) for status in PAST_OUTCOMES])
    endorsed_on = fields.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="for the policy committee's approval: the day the leadership team endorsed it, or refused to",
    )
    endorsement_refused = fields.BooleanField(required=False, default=False)
    outcome_summary = fields.CharField(
        required=False, allow_blank=True, default="", max_length=150, help_text='e.g. "4 approve, 0 reject"'
    )


class VoteCastSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(choices=VoteChoice.choices)
    comment = fields.CharField(required=False, allow_blank=True, default="", max_length=text_limits.COMMENT)
    seat = fields.PrimaryKeyRelatedField(queryset=Seat.objects.all(), required=False, allow_null=True, default=None)


class EndorsementSerializer(serializers.Serializer):
    note = fields.CharField(required=False, allow_blank=True, default="", max_length=text_limits.NOTE)
