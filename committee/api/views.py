from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from committee import selectors, services
from committee.api.serializers import (
    CommitteeSerializer,
    DecisionCreateSerializer,
    DecisionDetailSerializer,
    DecisionSerializer,
    DelegationCreateSerializer,
    DelegationSerializer,
    EndorsementSerializer,
    VoteCastSerializer,
    VoteSerializer,
)
from committee.filters import DecisionFilter, VoteFilter
from committee.models import Vote
from committee.permissions import ENDORSE, NAME_DELEGATE, OPEN, PROPOSE, VOTE
from console.api.base import ConsoleAPIView
from console.api.payload import validated_payload
from console.identifiers import COMMITTEE_SLUG


class CommitteeViewSet(ConsoleAPIView, viewsets.ReadOnlyModelViewSet):
    """Committees with their seats, holders and delegations."""

    rules = {"delegations": NAME_DELEGATE}

    serializer_class = CommitteeSerializer
    lookup_field = "slug"
    lookup_value_regex = COMMITTEE_SLUG.regex

    def get_queryset(self):
        return selectors.committees_with_seats()

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
