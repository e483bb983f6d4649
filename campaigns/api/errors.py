"""The error types and rules under /api/v1/error-types/ and /api/v1/error-rules/ (read by anyone signed in; created
and changed, PATCH with the fields to change, by those who may manage them; a rule deactivated by
``POST .../deactivate/`` or ``active: false``), and the failed runs by error type under /api/v1/errors/ (the error
page's lines, read-only, with its filter)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns import permissions as may
from campaigns import selectors, services
from campaigns.choices import ErrorAction, ErrorOrigin
from campaigns.filters import FailureFilter
from campaigns.models import ErrorRule, ErrorType
from campaigns.services import error_rules as error_rule_services
from console import text_limits
from console.api import fields
from console.api.base import ConsoleAPIView
from console.api.payload import validated_payload
from releases.api.serializers import ReleaseRelatedField
from releases.choices import BackportStatus
from releases.models import BackportRequest


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


# Error types -----------------------------------------------------------------------------------------------------


class ErrorTypeSerializer(fields.ModelSerializer):
    class Meta:
        model = ErrorType
        fields = ["id", "name", "origin", "description", "created_at"]
        read_only_fields = fields


class ErrorTypeInputSerializer(serializers.Serializer):
    name = fields.CharField(max_length=_max_length(ErrorType, "name"), help_text="unique, ignoring case")
    origin = serializers.ChoiceField(choices=ErrorOrigin.choices, help_text="who fixes it")
    description = fields.CharField(max_length=text_limits.DESCRIPTION, required=False, allow_blank=True, default="")


def _partial_payload(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    """The fields a PATCH sends, each checked; those left out are left as they are."""
    payload = serializer_class(data=request.data, partial=True)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


class ErrorTypeViewSet(ConsoleAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Kinds of failure with where they come from (``origin``): the rules classify failed runs into them."""

    rules = {"create": may.MANAGE_ERROR_RULES, "partial_update": may.MANAGE_ERROR_RULES}

    serializer_class = ErrorTypeSerializer

    def get_queryset(self):
        return ErrorType.objects.order_by("name")

    @extend_schema(request=ErrorTypeInputSerializer, responses={201: ErrorTypeSerializer})
    def create(self, request: Request) -> Response:
        data = validated_payload(ErrorTypeInputSerializer, request)
        error_type = services.error_type_create(actor=request.user, **data)
        return Response(ErrorTypeSerializer(error_type).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ErrorTypeInputSerializer, responses=ErrorTypeSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change the fields sent (a name already taken, ignoring case: 409)."""
        error_type = self.get_object()
        data = _partial_payload(ErrorTypeInputSerializer, request)
        error_type = services.error_type_update(actor=request.user, error_type=error_type, **data)
        return Response(ErrorTypeSerializer(error_type).data)


# Error rules -----------------------------------------------------------------------------------------------------


class ErrorRuleSerializer(fields.ModelSerializer):
    error_type = serializers.SlugRelatedField(slug_field="name", read_only=True)
    release = serializers.SlugRelatedField(
        slug_field="version", read_only=True, allow_null=True, help_text="null: every release"
    )
    expires_with = serializers.SlugRelatedField(
        slug_field="rfc_id", read_only=True, allow_null=True, help_text="the backport of the fix, by its RFC id"
    )
    expired = serializers.SerializerMethodField(help_text="its expires_with backport shipped: it no longer applies")
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ErrorRule
        fields = ["id", *error_rule_services.RULE_FIELDS, "expired", "created_by", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_expired(self, rule: ErrorRule) -> bool:
        return rule.expires_with is not None and rule.expires_with.status == BackportStatus.SHIPPED


class ErrorRuleInputSerializer(serializers.Serializer):
    name = fields.CharField(max_length=_max_length(ErrorRule, "name"))
    position = fields.IntegerField(
        min_value=0,
        max_value=error_rule_services.MAX_POSITION,
        required=False,
        default=100,
        help_text="rules are tried from the lowest",
    )
    task_pattern = fields.CharField(
        max_length=_max_length(ErrorRule, "task_pattern"),
        required=False,
        allow_blank=True,
        default="",
        help_text="regular expression searched in the task label; empty: any task, bps's own error included",
    )
    message_pattern = fields.CharField(
        max_length=_max_length(ErrorRule, "message_pattern"),
        help_text="regular expression searched in the message, ignoring case, ^ and $ at each line",
    )
    error_type = fields.SlugRelatedField(
        slug_field="name", queryset=ErrorType.objects.all(), help_text="the error type's name"
    )
    action = serializers.ChoiceField(choices=ErrorAction.choices)
    max_retries = fields.IntegerField(
        min_value=0,
        max_value=error_rule_services.MAX_RETRIES,
        required=False,
        default=0,
        help_text="for a retry or a restart of the group: at least 1; otherwise 0",
    )
    memory_multiplier = fields.FloatField(
        min_value=error_rule_services.MIN_MEMORY_MULTIPLIER,
        max_value=error_rule_services.MAX_MEMORY_MULTIPLIER,
        required=False,
        allow_null=True,
        default=None,
        help_text="for a retry only: each job's memory times this, once per retry",
    )
    retry_after_seconds = fields.IntegerField(
        min_value=0, max_value=error_rule_services.MAX_RETRY_AFTER_SECONDS, required=False, default=0
    )
    release = ReleaseRelatedField(
        required=False, allow_null=True, default=None, help_text="the release it is scoped to; null: every release"
    )
    expires_with = fields.SlugRelatedField(
        slug_field="rfc_id",
        queryset=BackportRequest.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="the RFC id of the fix's backport: once it ships the rule no longer applies",
    )
    active = fields.BooleanField(required=False, default=True)


class ErrorRuleViewSet(ConsoleAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The rules that classify failed runs, in the order they are tried (``position``), active or not."""

    rules = {
        "create": may.MANAGE_ERROR_RULES,
        "partial_update": may.MANAGE_ERROR_RULES,
        "deactivate": may.MANAGE_ERROR_RULES,
    }

    serializer_class = ErrorRuleSerializer

    def get_queryset(self):
        return selectors.error_rules_listed()

    def _respond_with_detail(self, rule: ErrorRule, code: int = status.HTTP_200_OK) -> Response:
        """The rule read again, with its type, release and backport, as the answer of a change."""
        return Response(ErrorRuleSerializer(self.get_queryset().get(pk=rule.pk)).data, status=code)

    @extend_schema(request=ErrorRuleInputSerializer, responses={201: ErrorRuleSerializer})
    def create(self, request: Request) -> Response:
        data = validated_payload(ErrorRuleInputSerializer, request)
        return self._respond_with_detail(
            services.error_rule_create(actor=request.user, **data), status.HTTP_201_CREATED
        )

    @extend_schema(request=ErrorRuleInputSerializer, responses=ErrorRuleSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change the fields sent; the rule as changed is checked whole (``active: true`` makes a deactivated
        rule apply again)."""
        rule = self.get_object()
        data = _partial_payload(ErrorRuleInputSerializer, request)
        return self._respond_with_detail(services.error_rule_update(actor=request.user, rule=rule, **data))

    @extend_schema(request=None, responses=ErrorRuleSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str) -> Response:
        """Stop the rule classifying failures (409 when it is inactive already); those it classified keep their
        type."""
        return self._respond_with_detail(services.error_rule_deactivate(actor=request.user, rule=self.get_object()))


# Failed runs by error type ----------------------------------------------------------------------------------------


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class ErrorTypeLineSerializer(serializers.Serializer):
    error_type = serializers.CharField(
        source="error_type.name", allow_null=True, help_text="the type's name; null: unclassified failures"
    )
    error_type_id = serializers.IntegerField(source="error_type.pk", allow_null=True)
    origin = serializers.ChoiceField(source="error_type.origin", choices=ErrorOrigin.choices, allow_null=True)
    failed_runs = serializers.IntegerField(help_text="failed and lost runs")
    failed_quanta = serializers.IntegerField(help_text="the quanta those runs failed")
    first_seen = serializers.DateTimeField(allow_null=True, help_text="when the first of them ended")
    last_seen = serializers.DateTimeField(allow_null=True, help_text="when the last of them ended")
    releases = serializers.SerializerMethodField(help_text="the versions of the releases the runs ran")
    campaigns = NamedSerializer(many=True)
    rules = NamedSerializer(many=True, help_text="the rules that classified them")

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_releases(self, line: selectors.ErrorTypeLine) -> list[str]:
        return [release.version for release in line.releases]


class ErrorSummaryViewSet(ConsoleAPIView, viewsets.GenericViewSet):
    """The failed runs of every campaign by error type, the most failed runs first (the error page's lines)."""

    serializer_class = ErrorTypeLineSerializer
    filterset_class = FailureFilter
    # One line per error type: a handful, never paged.
    pagination_class = None

    def get_queryset(self):
        return selectors.failed_submissions()

    @extend_schema(responses=ErrorTypeLineSerializer(many=True))
    def list(self, request: Request) -> Response:
        lines = selectors.failures_by_error_type(self.filter_queryset(self.get_queryset()))
        return Response(ErrorTypeLineSerializer(lines, many=True).data)
