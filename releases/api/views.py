from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from console.api.base import ConsoleAPIView
from console.api.payload import validated_payload
from console.identifiers import RELEASE_VERSION, RFC_ID
from releases import permissions as may
from releases import selectors, services
from releases.api.serializers import (
    BackportRequestCreateSerializer,
    BackportRequestSerializer,
    BackportShipSerializer,
    MarkSupportedSerializer,
    RecordHistorySerializer,
    ReleaseCreateSerializer,
    ReleaseDetailSerializer,
    ReleaseSerializer,
    SupportWindowSerializer,
)
from releases.filters import BackportRequestFilter, ReleaseFilter


class ReleaseViewSet(ConsoleAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pipeline releases by version. Approval comes from a policy committee decision, not from here."""

    rules = {
        "create": may.RECORD_RELEASES,
        "supported": may.MARK_SUPPORTED,
        "end_support": may.END_SUPPORT,
        "withdraw": may.WITHDRAW,
        "support_window": may.CHANGE_SUPPORT_WINDOW,
        "record_history": may.RECORD_HISTORY,
    }

    lookup_field = "version"
    lookup_value_regex = RELEASE_VERSION.regex
    filterset_class = ReleaseFilter

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.release_list().prefetch_related("approvals__campaign")
        return selectors.release_list()

    def get_serializer_class(self):
        return ReleaseDetailSerializer if self.action == "retrieve" else ReleaseSerializer

    def _respond_with_detail(self, release, code=status.HTTP_200_OK) -> Response:
        """The release read again, in its detail form, as the answer of a change."""
        return Response(ReleaseDetailSerializer(self.get_queryset().get(pk=release.pk)).data, status=code)

    @extend_schema(request=ReleaseCreateSerializer, responses={201: ReleaseDetailSerializer})
    def create(self, request: Request) -> Response:
        data = validated_payload(ReleaseCreateSerializer, request)
        release = services.release_create(actor=request.user, **data)
        return self._respond_with_detail(release, status.HTTP_201_CREATED)

    @extend_schema(request=MarkSupportedSerializer, responses=ReleaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def supported(self, request: Request, version: str) -> Response:
        data = validated_payload(MarkSupportedSerializer, request)
        return self._respond_with_detail(
            services.release_mark_supported(actor=request.user, release=self.get_object(), **data)
        )

    @extend_schema(request=None, responses=ReleaseDetailSerializer)
    @action(detail=True, methods=["post"], url_path="end-support")
    def end_support(self, request: Request, version: str) -> Response:
        return self._respond_with_detail(services.release_end_support(actor=request.user, release=self.get_object()))

    @extend_schema(request=None, responses=ReleaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, version: str) -> Response:
        return self._respond_with_detail(services.release_withdraw(actor=request.user, release=self.get_object()))

    @extend_schema(request=SupportWindowSerializer, responses=ReleaseDetailSerializer)
    @action(detail=True, methods=["post"], url_path="support-window")
    def support_window(self, request: Request, version: str) -> Response:
        data = validated_payload(SupportWindowSerializer, request)
        return self._respond_with_detail(
            services.release_set_support_until(actor=request.user, release=self.get_object(), **data)
        )

    @extend_schema(request=RecordHistorySerializer, responses=ReleaseDetailSerializer)
    @action(detail=True, methods=["post"], url_path="record-history")
    def record_history(self, request: Request, version: str) -> Response:
        """Record a release approved before the console, on its real day, with its support end, past or future
        (the task force lead or staff): it is marked as recorded after the fact."""
        data = validated_payload(RecordHistorySerializer, request)
        return self._respond_with_detail(
            services.release_record_history(actor=request.user, release=self.get_object(), **data)
        )


class BackportRequestViewSet(ConsoleAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Backport requests (RFCs). Review, approval and rejection follow from a change control board decision."""

    rules = {"create": may.REQUEST_BACKPORTS, "merge": may.RECORD_MERGES, "ship": may.RECORD_SHIPMENTS}

    serializer_class = BackportRequestSerializer
    lookup_field = "rfc_id"
    lookup_value_regex = RFC_ID.regex
    filterset_class = BackportRequestFilter

    def get_queryset(self):
        return selectors.backport_queue()

    def _respond_with_detail(self, backport, code=status.HTTP_200_OK) -> Response:
        """The backport request read again, as the answer of a change."""
        return Response(BackportRequestSerializer(self.get_queryset().get(pk=backport.pk)).data, status=code)

    @extend_schema(request=BackportRequestCreateSerializer, responses={201: BackportRequestSerializer})
    def create(self, request: Request) -> Response:
        data = validated_payload(BackportRequestCreateSerializer, request)
        return self._respond_with_detail(
            services.backport_request_create(actor=request.user, **data), status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses=BackportRequestSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, rfc_id: str) -> Response:
        return self._respond_with_detail(services.backport_mark_merged(actor=request.user, backport=self.get_object()))

    @extend_schema(request=BackportShipSerializer, responses=BackportRequestSerializer)
    @action(detail=True, methods=["post"])
    def ship(self, request: Request, rfc_id: str) -> Response:
        data = validated_payload(BackportShipSerializer, request)
        return self._respond_with_detail(services.backport_ship(actor=request.user, backport=self.get_object(), **data))
