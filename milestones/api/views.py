from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from console.api.base import ConsoleAPIView
from console.api.payload import validated_payload
from console.identifiers import JIRA_KEY
from milestones import permissions as may
from milestones import reports, selectors, services
from milestones.api.serializers import (
    EvidenceProposalSerializer,
    JiraSyncSerializer,
    MilestoneDetailSerializer,
    MilestoneImportPlanSerializer,
    MilestoneImportSerializer,
    MilestoneOwnerSerializer,
    MilestoneSerializer,
    StatusReportSerializer,
)
from milestones.choices import ProposalState
from milestones.filters import MilestoneFilter
from milestones.forms import ReportForm


class MilestoneViewSet(ConsoleAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Milestones by Jira key, with their history; the status report as of a date."""

    rules = {"import_table": may.IMPORT, "set_owner": may.ASSIGN_OWNERS}

    lookup_field = "jira_key"
    lookup_value_regex = JIRA_KEY.regex
    filterset_class = MilestoneFilter

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.with_history(selectors.milestone_list()).prefetch_related(
                "evidence_links__campaign",
                "evidence_links__step__campaign",
                "evidence_links__release",
                "proposals__decided_by",
                "campaigns",
                "releases",
                "decisions",
            )
        return selectors.milestone_list()

    def get_serializer_class(self):
        return MilestoneDetailSerializer if self.action == "retrieve" else MilestoneSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="the report's date (default: today)"),
        ],
        responses=StatusReportSerializer,
        filters=True,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def report(self, request: Request) -> Response:
        """The status report as of a date: overdue, due within 30 and in 31 to 90 days, slipped, done;
        by team and by level. Takes the list's filters."""
        report_form = ReportForm(request.query_params)
        if not report_form.is_valid():
            raise ValidationError(report_form.errors)
        as_of = report_form.as_of_date()
        milestone_filter = self.filterset_class(request.query_params, queryset=selectors.milestone_list())
        if not milestone_filter.is_valid():
            raise ValidationError(milestone_filter.errors)
        rows = selectors.milestone_report_rows(milestone_filter.qs, as_of=as_of)
        report = reports.status_report(rows, as_of=as_of, filters=milestone_filter.description())
        return Response(StatusReportSerializer(report).data)

    @extend_schema(request=MilestoneImportSerializer, responses=MilestoneImportPlanSerializer)
    @action(detail=False, methods=["post"], url_path="import", url_name="import")
    def import_table(self, request: Request) -> Response:
        """Import a milestone table, all rows or none (a bad row is named by line, column and value); a dry run
        says what would change. Columns the console does not import are named in ``unused_columns``."""
        data = validated_payload(MilestoneImportSerializer, request)
        plan = services.milestone_import(
            actor=request.user, text=data["table"], dry_run=data["dry_run"], source="import API"
        )
        body = {
            "dry_run": data["dry_run"],
            "rows": plan.rows,
            "created": [row.jira_key for row in plan.created],
            "updated": [
                {"jira_key": key, "changes": {name: [_text(old), _text(new)] for name, (old, new) in changes.items()}}
                for key, changes in plan.updated
            ],
            "unchanged": plan.unchanged,
            "unused_columns": plan.unused_columns,
            "summary": plan.summary(),
            "lines": plan.lines(),
        }
        return Response(MilestoneImportPlanSerializer(body).data)

    @extend_schema(request=MilestoneOwnerSerializer, responses=MilestoneSerializer)
    @action(detail=True, methods=["post"], url_path="owner", url_name="owner")
    def set_owner(self, request: Request, jira_key: str) -> Response:
        """Name the person who answers for the milestone (null: nobody): its slips and overdue days wait on their
        dashboard (``GET /api/v1/attention/``), and they may change its dates, status and level."""
        owner = validated_payload(MilestoneOwnerSerializer, request)["owner"]
        milestone = services.milestone_assign_owner(actor=request.user, milestone=self.get_object(), owner=owner)
        return Response(MilestoneSerializer(selectors.milestone_list().get(pk=milestone.pk)).data)


def _text(value) -> str | None:
    return None if value is None else str(value)


class EvidenceProposalViewSet(
    ConsoleAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Status changes proposed by campaign events; the task force lead confirms or dismisses each."""

    rules = {"confirm": may.CONFIRM_PROPOSALS, "dismiss": may.DISMISS_PROPOSALS}

    serializer_class = EvidenceProposalSerializer

    def get_queryset(self):
        queryset = selectors.proposal_list()
        state = self.request.query_params.get("state")
        if self.action == "list" and state in ProposalState.values:
            queryset = queryset.filter(state=state)
        return queryset

    @extend_schema(
        parameters=[OpenApiParameter("state", OpenApiTypes.STR, enum=ProposalState.values)],
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    def _respond_with_detail(self, proposal) -> Response:
        """The proposal read again, as the answer of a decision on it."""
        return Response(EvidenceProposalSerializer(selectors.proposal_list().get(pk=proposal.pk)).data)

    @extend_schema(request=None, responses=EvidenceProposalSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        return self._respond_with_detail(services.proposal_confirm(actor=request.user, proposal=self.get_object()))

    @extend_schema(request=None, responses=EvidenceProposalSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str) -> Response:
        return self._respond_with_detail(services.proposal_dismiss(actor=request.user, proposal=self.get_object()))


class JiraSyncViewSet(ConsoleAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Each run of the Jira sync: when it ran, how it ended, what it changed."""

    serializer_class = JiraSyncSerializer

    def get_queryset(self):
        return selectors.jira_syncs()
