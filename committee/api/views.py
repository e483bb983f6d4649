from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from committee import selectors, services
from committee.api.serializers import (
    CommitteeCreateSerializer,
    CommitteeSerializer,
    DecisionCreateSerializer,
    DecisionDetailSerializer,
    DecisionRecordPastSerializer,
    DecisionSerializer,
    DelegationCreateSerializer,
    DelegationEndSerializer,
    DelegationSerializer,
    EndorsementSerializer,
    QuorumSerializer,
    SeatAddSerializer,
    SeatChoiceSerializer,
    SeatHolderSerializer,
    SeatSerializer,
    VoteCastSerializer,
    VoteSerializer,
)
from committee.filters import DecisionFilter, VoteFilter
from committee.models import Committee, Seat, Vote
from committee.permissions import (
    ASSIGN_SEATS,
    CHANGE_QUORUM,
    CHANGE_SEATS,
    CREATE_COMMITTEES,
    END_DELEGATION,
    ENDORSE,
    MOVE_CHAIR,
    NAME_DELEGATE,
    OPEN,
    PROPOSE,
    RECORD_HISTORY,
    VOTE,
)
from console.api.base import ConsoleAPIView
from console.api.payload import validated_payload
from console.identifiers import COMMITTEE_SLUG


class CommitteeViewSet(ConsoleAPIView, viewsets.ReadOnlyModelViewSet):
    """Committees with their seats, holders and delegations; the task force lead (or staff) creates them and
    manages their seats, holders, chair and quorum rule. Each change is its own POST and writes an audit row."""

    rules = {
        "create": CREATE_COMMITTEES,
        "seats": CHANGE_SEATS,
        "remove_seat": CHANGE_SEATS,
        "holder": ASSIGN_SEATS,
        "chair": MOVE_CHAIR,
        "quorum": CHANGE_QUORUM,
        "delegations": NAME_DELEGATE,
        "end_delegation": END_DELEGATION,
    }

    serializer_class = CommitteeSerializer
    lookup_field = "slug"
    lookup_value_regex = COMMITTEE_SLUG.regex

    def get_queryset(self):
        return selectors.committees_with_seats()

    def _respond_with(self, committee: Committee, code=status.HTTP_200_OK) -> Response:
        """The committee read again, with its seats, as the answer of a change."""
        return Response(CommitteeSerializer(self.get_queryset().get(pk=committee.pk)).data, status=code)

    @staticmethod
    def _seat_of(committee: Committee, seat: Seat, field: str = "seat") -> Seat:
        if seat.committee_id != committee.pk:
            raise ValidationError({field: [f"Seat {seat.pk} is not a seat of {committee}."]})
        return seat

    @extend_schema(request=CommitteeCreateSerializer, responses={201: CommitteeSerializer})
    def create(self, request: Request) -> Response:
        """Create a committee with one vacant seat per area (its chair: the seat of the area ``chair``)."""
        data = validated_payload(CommitteeCreateSerializer, request)
        data["areas"] = tuple(data["areas"])
        return self._respond_with(services.committee_create(actor=request.user, **data), status.HTTP_201_CREATED)

    @extend_schema(request=SeatAddSerializer, responses={201: SeatSerializer})
    @action(detail=True, methods=["post"])
    def seats(self, request: Request, slug: str) -> Response:
        """Add a vacant seat for an area."""
        committee = self.get_object()
        data = validated_payload(SeatAddSerializer, request)
        seat = services.seat_add(actor=request.user, committee=committee, **data)
        return Response(SeatSerializer(seat).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SeatChoiceSerializer, responses=CommitteeSerializer)
    @action(detail=True, methods=["post"], url_path="remove-seat")
    def remove_seat(self, request: Request, slug: str) -> Response:
        """Remove a vacant seat that never voted (409 for one that voted: vacate it instead)."""
        committee = self.get_object()
        seat = self._seat_of(committee, validated_payload(SeatChoiceSerializer, request)["seat"])
        services.seat_remove(actor=request.user, seat=seat)
        return self._respond_with(committee)

    @extend_schema(request=SeatHolderSerializer, responses=CommitteeSerializer)
    @action(detail=True, methods=["post"])
    def holder(self, request: Request, slug: str) -> Response:
        """Give a seat to a person (an active user with the committee's member role; for the leadership team, the
        task force lead role or staff), or leave it vacant (``"holder": null``)."""
        committee = self.get_object()
        data = validated_payload(SeatHolderSerializer, request)
        seat = self._seat_of(committee, data["seat"])
        services.seat_assign(actor=request.user, seat=seat, holder=data["holder"])
        return self._respond_with(committee)

    @extend_schema(request=SeatChoiceSerializer, responses=CommitteeSerializer)
    @action(detail=True, methods=["post"])
    def chair(self, request: Request, slug: str) -> Response:
        """Move the committee's chair to a seat."""
        committee = self.get_object()
        seat = self._seat_of(committee, validated_payload(SeatChoiceSerializer, request)["seat"])
        services.committee_move_chair(actor=request.user, committee=committee, seat=seat)
        return self._respond_with(committee)

    @extend_schema(request=QuorumSerializer, responses=CommitteeSerializer)
    @action(detail=True, methods=["post"])
    def quorum(self, request: Request, slug: str) -> Response:
        """Change the quorum rule (it applies to the committee's open decisions too)."""
        committee = self.get_object()
        data = validated_payload(QuorumSerializer, request)
        services.committee_change_quorum(actor=request.user, committee=committee, **data)
        return self._respond_with(committee)

    @extend_schema(request=DelegationEndSerializer, responses=CommitteeSerializer)
    @action(detail=True, methods=["post"], url_path="end-delegation")
    def end_delegation(self, request: Request, slug: str) -> Response:
        """End a delegation of one of the committee's seats at once: one that started before today now ends
        yesterday; one that starts today or later is removed."""
        committee = self.get_object()
        delegation = validated_payload(DelegationEndSerializer, request)["delegation"]
        if delegation.seat.committee_id != committee.pk:
            raise ValidationError({"delegation": [f"Delegation {delegation.pk} is not of a seat of {committee}."]})
        services.delegation_end(actor=request.user, delegation=delegation)
        return self._respond_with(committee)

    @extend_schema(request=DelegationCreateSerializer, responses={201: DelegationSerializer})
    @action(detail=True, methods=["post"])
    def delegations(self, request: Request, slug: str) -> Response:
        """Name a delegate for a seat of this committee, for a period."""
        committee = self.get_object()
        data = validated_payload(DelegationCreateSerializer, request)
        if data["seat"].committee_id != committee.pk:
            return Response({"seat": [f"Seat {data['seat'].pk} is not a seat of {committee}."]}, status=400)
        delegation = services.delegation_create(actor=request.user, **data)
        return Response(DelegationSerializer(delegation).data, status=status.HTTP_201_CREATED)


class DecisionViewSet(ConsoleAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Committee decisions. Each transition is its own POST; every one writes an audit row."""

    rules = {
        "create": PROPOSE,
        "open": OPEN,
        "vote": VOTE,
        "endorse": ENDORSE,
        "refuse_endorsement": ENDORSE,
        "record_past": RECORD_HISTORY,
    }

    filterset_class = DecisionFilter

    def get_queryset(self):
        decisions = selectors.decision_list()
        if self.action != "list":
            votes = Vote.objects.select_related("seat", "cast_by", "on_behalf_of").order_by("cast_at", "id")
            decisions = decisions.prefetch_related(Prefetch("votes", queryset=votes))
        return decisions

    def get_serializer_class(self):
        return DecisionSerializer if self.action in ("list", "awaiting_my_vote") else DecisionDetailSerializer

    def _respond_with_detail(self, decision, code=status.HTTP_200_OK) -> Response:
        """The decision read again, with its votes, as the answer of a transition."""
        return Response(DecisionDetailSerializer(self.get_queryset().get(pk=decision.pk)).data, status=code)

    @extend_schema(request=DecisionCreateSerializer, responses={201: DecisionDetailSerializer})
    def create(self, request: Request) -> Response:
        data = validated_payload(DecisionCreateSerializer, request)
        return self._respond_with_detail(services.decision_create(actor=request.user, **data), status.HTTP_201_CREATED)

    @extend_schema(request=DecisionRecordPastSerializer, responses={201: DecisionDetailSerializer})
    @action(detail=False, methods=["post"], url_path="record-past")
    def record_past(self, request: Request) -> Response:
        """Record a decision taken before the console, with its real dates and outcome (the task force lead or
        staff): it is marked as recorded after the fact, and takes effect on its real day when it is in effect."""
        data = validated_payload(DecisionRecordPastSerializer, request)
        decision = services.decision_record_past(actor=request.user, **data)
        return self._respond_with_detail(decision, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=DecisionDetailSerializer)
    @action(detail=True, methods=["post"])
    def open(self, request: Request, pk: str) -> Response:
        return self._respond_with_detail(services.decision_open(actor=request.user, decision=self.get_object()))

    @extend_schema(request=VoteCastSerializer, responses={201: VoteSerializer})
    @action(detail=True, methods=["post"])
    def vote(self, request: Request, pk: str) -> Response:
        decision = self.get_object()
        data = validated_payload(VoteCastSerializer, request)
        vote = services.vote_cast(actor=request.user, decision=decision, **data)
        vote = Vote.objects.select_related("seat", "cast_by", "on_behalf_of").get(pk=vote.pk)
        return Response(VoteSerializer(vote).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EndorsementSerializer, responses=DecisionDetailSerializer)
    @action(detail=True, methods=["post"])
    def endorse(self, request: Request, pk: str) -> Response:
        decision = self.get_object()
        data = validated_payload(EndorsementSerializer, request)
        return self._respond_with_detail(services.decision_endorse(actor=request.user, decision=decision, **data))

    @extend_schema(request=EndorsementSerializer, responses=DecisionDetailSerializer)
    @action(detail=True, methods=["post"], url_path="refuse-endorsement")
    def refuse_endorsement(self, request: Request, pk: str) -> Response:
        decision = self.get_object()
        data = validated_payload(EndorsementSerializer, request)
        decision = services.decision_refuse_endorsement(actor=request.user, decision=decision, **data)
        return self._respond_with_detail(decision)

    @extend_schema(responses=DecisionSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="awaiting-my-vote")
    def awaiting_my_vote(self, request: Request) -> Response:
        """Open decisions where a seat you hold, or stand in for today, has not voted."""
        decisions = selectors.decisions_awaiting_vote_of(request.user, today=timezone.localdate())
        page = self.paginate_queryset(self.filter_queryset(decisions))
        return self.get_paginated_response(DecisionSerializer(page, many=True).data)


class VoteViewSet(ConsoleAPIView, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every vote ever cast, superseded ones included (``?decision=ID``)."""

    serializer_class = VoteSerializer
    filterset_class = VoteFilter

    def get_queryset(self):
        return Vote.objects.select_related("seat", "cast_by", "on_behalf_of").order_by("decision_id", "cast_at", "id")
