"""The endpoints of a step split into groups: its groups (``GET /steps/{id}/groups/``), the split
(``POST /steps/{id}/split/``), a group submitted (``POST /groups/{id}/submit/``) and a held group released
(``POST /groups/{id}/release/``). A group's attempts restart and cancel through the submissions' own endpoints."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import partition, selectors, services
from campaigns import permissions as may
from campaigns.api.serializers import SubmissionSerializer, SubmitSerializer
from campaigns.choices import SubmissionStatus
from campaigns.models import Step, StepGroup
from campaigns.services.groups import SPLIT_MODES
from console.api import fields
from console.api.base import ConsoleAPIView
from console.api.payload import validated_payload
from console.ratelimit import SubmissionRateThrottle


class StepGroupSerializer(serializers.Serializer):
    """One group of a split step (``selectors.step_groups``), with its current attempt (its newest submission)."""

    id = fields.IntegerField(read_only=True)
    name = fields.CharField(read_only=True)
    position = fields.IntegerField(read_only=True)
    data_query = fields.CharField(read_only=True, help_text="this group's slice, ANDed with the step's query")
    state = serializers.ChoiceField(choices=selectors.GROUP_STATES, read_only=True)
    held_at = serializers.DateTimeField(read_only=True, allow_null=True)
    held_reason = fields.CharField(read_only=True)
    attempts = fields.IntegerField(read_only=True, help_text="submissions of the group, restarts included")
    current_submission = fields.IntegerField(source="current_submission_id", read_only=True, allow_null=True)
    status = serializers.ChoiceField(
        source="current_status", choices=SubmissionStatus.choices, read_only=True, allow_null=True
    )
    quanta_expected = fields.IntegerField(source="current.quanta_expected", read_only=True, allow_null=True)
    quanta_succeeded = fields.IntegerField(source="current.quanta_succeeded", read_only=True, allow_null=True)
    quanta_failed = fields.IntegerField(source="current.quanta_failed", read_only=True, allow_null=True)


class StepSplitSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=list(SPLIT_MODES.items()))
    dimension = fields.CharField(
        required=False, allow_blank=True, default="", max_length=100, help_text="for ranges and count, e.g. visit"
    )
    ranges = fields.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=partition.RANGES_MAX_CHARS,
        help_text="for ranges: e.g. 1-100, 101-200, 250",
    )
    count = fields.IntegerField(
        required=False,
        min_value=1,
        max_value=partition.MAX_GROUPS,
        help_text="for count: this many groups of the dimension's values, read from the Butler",
    )
    groups = fields.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=partition.LIST_MAX_CHARS,
        help_text="for list: one group per line, 'name: query' or just the query",
    )

    NEEDS = {"ranges": ("dimension", "ranges"), "count": ("dimension", "count"), "list": ("groups",)}

    def validate(self, data: dict) -> dict:
        needed = self.NEEDS[data["mode"]]
        missing = {name: [f"Needed to split by {data['mode']}."] for name in needed if not data.get(name)}
        if missing:
            raise ValidationError(missing)
        return data


class SplitResultSerializer(serializers.Serializer):
    step = fields.IntegerField()
    groups = fields.IntegerField(help_text="how many groups the step has now")
    first = fields.CharField(help_text="the first group's name")
    last = fields.CharField(help_text="the last group's name")


class GroupSubmitSerializer(SubmitSerializer):
    """A group's submission: only the idempotency key (the group names the step)."""

    step = None


def _step(pk: int) -> Step:
    return get_object_or_404(selectors.steps_with_campaign(), pk=pk)


def _group(pk: int) -> StepGroup:
    return get_object_or_404(selectors.groups_with_step(), pk=pk)


def _group_now(group: StepGroup) -> dict:
    """The group as it is now, read again with its state and current attempt."""
    fresh = selectors.group_current_submissions([selectors.step_groups(group.step_id).get(pk=group.pk)])[0]
    return StepGroupSerializer(fresh).data


class StepGroupListView(ConsoleAPIView, generics.ListAPIView):
    """The groups of a step, in order, each with its state and its current attempt's quanta (``?state=failed``:
    only those in that state)."""

    serializer_class = StepGroupSerializer
    filter_backends = []

    def get_queryset(self):
        step = _step(self.kwargs["pk"])
        groups = selectors.step_groups(step.pk)
        if state := self.request.query_params.get("state"):
            groups = groups.filter(state=state)
        return groups

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return selectors.group_current_submissions(list(page)) if page is not None else None

    @extend_schema(
        parameters=[OpenApiParameter("state", str, enum=list(selectors.GROUP_STATES), description="only these")]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class StepSplitView(ConsoleAPIView, APIView):
    """Split the step into groups (replacing the ones it has): by ``ranges`` over a ``dimension``, by a ``count`` of
    groups over the dimension's values in the Butler, or by a ``list`` of groups. 409 once the step has a
    submission, or for a campaign archived, cancelled or accepted; 400 naming the range, line or value that is
    wrong."""

    rules = {"post": may.SPLIT}

    @extend_schema(request=StepSplitSerializer, responses={201: SplitResultSerializer})
    def post(self, request: Request, pk: int) -> Response:
        step = _step(pk)
        data = validated_payload(StepSplitSerializer, request)
        groups = services.step_split(actor=request.user, step=step, **data)
        return Response(
            {"step": step.pk, "groups": len(groups), "first": groups[0].name, "last": groups[-1].name},
            status=status.HTTP_201_CREATED,
        )


class GroupSubmitView(ConsoleAPIView, APIView):
    """Submit one group of a split step: answered at once with the pending submission; the run starts in the
    background. The same idempotency key gives the same submission."""

    rules = {"post": may.SUBMIT}
    throttle_classes = [SubmissionRateThrottle]

    @extend_schema(
        request=GroupSubmitSerializer,
        responses={202: SubmissionSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    def post(self, request: Request, pk: int) -> Response:
        group = _group(pk)
        data = validated_payload(GroupSubmitSerializer, request)
        key = data.get("idempotency_key") or request.headers.get("Idempotency-Key", "")
        if not key:
            raise ValidationError({"idempotency_key": ["Give an idempotency_key (or an Idempotency-Key header)."]})
        submission = services.submission_request(actor=request.user, step=group.step, group=group, idempotency_key=key)
        submission = selectors.submissions_with_step().get(pk=submission.pk)
        return Response(SubmissionSerializer(submission).data, status=status.HTTP_202_ACCEPTED)


class GroupReleaseView(ConsoleAPIView, APIView):
    """Release a held group: a campaign that runs automatically acts on it again. 409 when it is not held."""

    rules = {"post": may.AUTOMATE}

    @extend_schema(request=None, responses=StepGroupSerializer)
    def post(self, request: Request, pk: int) -> Response:
        group = services.group_release(actor=request.user, group=_group(pk))
        return Response(_group_now(group))
