from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.models import Step, Submission
from console.api.base import ConsoleAPIView
from console.api.payload import validated_payload
from console.errors import InvalidInput
from qa import selectors, services
from qa.api.parsers import JSONRows, JSONValue, StreamingJSONParser
from qa.api.serializers import (
    IngestResultSerializer,
    MeasurementRowSerializer,
    MetricSerializer,
    MetricStatisticsSerializer,
    SpecificationSerializer,
    SpecResultSerializer,
    StepGateSerializer,
    WaiverInputSerializer,
)
from qa.choices import GateState
from qa.gate import StepGate
from qa.judging import fresh_statistics
from qa.permissions import ACCEPT_STEPS, RECORD_WAIVERS, SET_SPECIFICATIONS, UPLOAD_MEASUREMENTS
from qa.readers import rows_from_file


class MetricViewSet(ConsoleAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """QA metrics (registered by uploads that ask for it, or by the stack-side reader)."""

    serializer_class = MetricSerializer
    queryset = selectors.metrics()
    filterset_fields = {"name": ["exact", "startswith"]}


class SpecificationViewSet(ConsoleAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Thresholds a metric's statistic must meet, by level; blocking ones guard step acceptance."""

    rules = {"create": SET_SPECIFICATIONS}

    serializer_class = SpecificationSerializer
    filterset_fields = ["level", "blocking"]

    def get_queryset(self):
        return selectors.specifications()

    def create(self, request: Request) -> Response:
        data = validated_payload(SpecificationSerializer, request)
        spec = services.specification_create(actor=request.user, **data)
        return Response(SpecificationSerializer(spec).data, status=status.HTTP_201_CREATED)


def _submission(pk: int) -> Submission:
    submission = selectors.run_by_id(pk)
    if submission is None:
        raise NotFound(f"No submission {pk}.")
    return submission


def _what_was_sent(request: Request) -> str:
    if request.content_type.startswith("multipart/"):
        return "a form without a `file` field"
    if isinstance(request.data, JSONValue):
        return f"a JSON {request.data.kind}"
    return "an empty body"


class SubmissionMeasurementsView(ConsoleAPIView, APIView):
    """A run's measurements: upload them in bulk, or read their statistics per metric."""

    rules = {"post": UPLOAD_MEASUREMENTS}
    parser_classes = [StreamingJSONParser, MultiPartParser]

    @extend_schema(
        parameters=[OpenApiParameter("register_unknown", bool, description="register metrics not known yet")],
        request={
            "application/json": MeasurementRowSerializer(many=True, min_length=1),
            "multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}},
        },
        responses={201: IngestResultSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        """All rows are written, or none: a bad row anywhere answers 400 naming the rows."""
        submission = _submission(pk)
        register = request.query_params.get("register_unknown", "").lower() in ("1", "true", "yes")
        if "file" in request.FILES:
            upload = request.FILES["file"]
            rows, source = rows_from_file(upload, upload.name), f"upload:{upload.name}"
        elif isinstance(request.data, JSONRows):
            rows, source = request.data, "api"
        else:
            raise InvalidInput(
                "Send a JSON list of measurements (objects with metric and value), or a CSV or Parquet file as "
                f"`file`; this request sent {_what_was_sent(request)}."
            )
        report = services.measurements_upload(
            actor=request.user, submission=submission, rows=rows, register_unknown=register, source=source
        )
        return Response(
            {"ingested": report.rows, "registered_metrics": report.registered_metrics}, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses=MetricStatisticsSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        submission = _submission(pk)
        statistics = fresh_statistics([submission.pk])
        metrics = selectors.metrics_by_id(metric_id for _run, metric_id in statistics)
        rows = [
            {"metric": metrics[metric_id].name, "unit": metrics[metric_id].unit, **row}
            for (_run, metric_id), row in statistics.items()
        ]
        return Response(sorted(rows, key=lambda row: row["metric"]))


class SubmissionQAView(ConsoleAPIView, APIView):
    """Every specification that applies to the run, judged."""

    @extend_schema(responses=SpecResultSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        results = services.submission_qa(_submission(pk))
        return Response(
            [
                {
                    "specification": str(result.spec),
                    "level": result.spec.level,
                    "blocking": result.spec.blocking,
                    "value": result.value,
                    "passed": result.passed,
                }
                for result in results
            ]
        )


def _step(pk: int) -> Step:
    step = selectors.step_by_id(pk)
    if step is None:
        raise NotFound(f"No step {pk}.")
    return step


def _result(result) -> dict:
    return {
        "specification": str(result.spec),
        "level": result.spec.level,
        "blocking": result.spec.blocking,
        "value": result.value,
        "passed": result.passed,
    }


class StepGateView(ConsoleAPIView, APIView):
    """The QA gate of a step: its state (waiting for the run's metrics, failing, waived, passing, nothing to judge,
    accepted, no successful run), the run judged, each blocking specification's verdict, and why the step may not
    be accepted now. What the campaign page's gate shows."""

    @extend_schema(responses=StepGateSerializer)
    def get(self, request: Request, pk: int) -> Response:
        step = _step(pk)
        if step.accepted_at is not None:
            gate = StepGate(step=step, state=GateState.ACCEPTED, submission=step.accepted_submission)
        else:
            gate = services.step_gate(step)
        return Response(
            {
                "step": step.pk,
                "state": gate.state.value,
                "label": gate.label,
                "submission": gate.submission.pk if gate.submission else None,
                "blocking": [{**_result(result), "verdict": result.verdict} for result in gate.blocking],
                "failing": [result.verdict for result in gate.failing],
                "waiver": gate.waiver.pk if gate.waiver else None,
                "metrics_expected_until": gate.metrics_expected_until
                if gate.state == GateState.WAITING_FOR_METRICS
                else None,
                "refusal": gate.refusal(),
            }
        )


class StepAcceptView(ConsoleAPIView, APIView):
    """The QA gate: accept the step's latest successful run (refused while a blocking spec fails unwaived)."""

    rules = {"post": ACCEPT_STEPS}

    @extend_schema(request=None, responses={200: {"type": "object"}})
    def post(self, request: Request, pk: int) -> Response:
        step = services.step_accept(actor=request.user, step=_step(pk))
        return Response({"step": step.name, "accepted_at": step.accepted_at, "submission": step.accepted_submission_id})


class StepWaiverView(ConsoleAPIView, APIView):
    """Record a waiver: a committee decision allows accepting the step's run despite failing specifications."""

    rules = {"post": RECORD_WAIVERS}

    @extend_schema(request=WaiverInputSerializer, responses={201: {"type": "object"}})
    def post(self, request: Request, pk: int) -> Response:
        step = _step(pk)
        data = validated_payload(WaiverInputSerializer, request)
        decision = selectors.decision_by_id(data["decision"])
        if decision is None:
            raise ValidationError({"decision": [f"No decision {data['decision']}."]})
        waiver = services.waiver_grant(actor=request.user, step=step, reason=data["reason"], decision=decision)
        return Response({"waiver": waiver.pk, "submission": waiver.submission_id}, status=status.HTTP_201_CREATED)
