from django.contrib.auth.models import User
from rest_framework import serializers

from console.api.fields import SlugRelatedField
from milestones.models import EvidenceProposal, JiraSync, Milestone, MilestoneChange, MilestoneEvidence
from milestones.reports import SUMMARY_COLUMNS


class MilestoneSerializer(serializers.ModelSerializer):
    slip_days = serializers.IntegerField(read_only=True)
    owner = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="the user name of the person who answers for it; null: nobody",
    )

    class Meta:
        model = Milestone
        fields = [
            "id",
            "jira_key",
            "project_id",
            "title",
            "team",
            "owner",
            "level",
            "status",
            "due_date",
            "baseline_due_date",
            "forecast_date",
            "completed_date",
            "slip_days",
            "updated_at",
        ]


class MilestoneOwnerSerializer(serializers.Serializer):
    owner = SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        help_text="the user name of the person who answers for the milestone; null: nobody",
    )

    def to_internal_value(self, data):
        # DRF reads "" as null for a nullable relation; the schema (and this API) say null for nobody.
        if isinstance(data, dict) and data.get("owner") == "":
            raise serializers.ValidationError({"owner": ["Name an active user, or null for nobody; not ''."]})
        return super().to_internal_value(data)


class MilestoneChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = MilestoneChange
        fields = ["field", "old_value", "new_value", "changed_at", "origin", "actor_name", "sync", "note"]


class MilestoneEvidenceSerializer(serializers.ModelSerializer):
    target = serializers.CharField(read_only=True)

    class Meta:
        model = MilestoneEvidence
        fields = ["id", "kind", "target", "campaign", "step", "release", "proposed_status", "created_at"]


class EvidenceProposalSerializer(serializers.ModelSerializer):
    milestone = serializers.SlugRelatedField(slug_field="jira_key", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = EvidenceProposal
        fields = [
            "id",
            "milestone",
            "kind",
            "event",
            "proposed_status",
            "state",
            "observed_at",
            "decided_by",
            "decided_at",
        ]


class MilestoneDetailSerializer(MilestoneSerializer):
    history = MilestoneChangeSerializer(many=True, read_only=True)
    evidence_links = MilestoneEvidenceSerializer(many=True, read_only=True)
    proposals = EvidenceProposalSerializer(many=True, read_only=True)
    campaigns = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    releases = serializers.SlugRelatedField(slug_field="version", many=True, read_only=True)
    decisions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta(MilestoneSerializer.Meta):
        fields = [
            *MilestoneSerializer.Meta.fields,
            "description",
            "history",
            "evidence_links",
            "proposals",
            "campaigns",
            "releases",
            "decisions",
        ]


class JiraSyncSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = JiraSync
        fields = [
            "id",
            "trigger",
            "requested_by",
            "started_at",
            "finished_at",
            "status",
            "issues_seen",
            "pages",
            "retries",
            "created_count",
            "updated_count",
            "unchanged_count",
            "summary",
            "notes",
            "error",
        ]


# The report (plain data from milestones.reports, not models) ----------------------------------------


class SlipSerializer(serializers.Serializer):
    recorded_on = serializers.DateField()
    old = serializers.DateField()
    new = serializers.DateField()
    days = serializers.IntegerField()
    origin = serializers.CharField()
    note = serializers.CharField()


class ReportRowSerializer(serializers.Serializer):
    jira_key = serializers.CharField()
    project_id = serializers.CharField()
    title = serializers.CharField()
    team = serializers.CharField()
    level = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    baseline_due_date = serializers.DateField(allow_null=True)
    forecast_date = serializers.DateField(allow_null=True)
    completed_date = serializers.DateField(allow_null=True)
    slip_days = serializers.IntegerField()
    slips = SlipSerializer(many=True)


class ReportSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    milestones = ReportRowSerializer(many=True, source="rows")


class SummaryLineSerializer(serializers.Serializer):
    label = serializers.CharField()
    counts = serializers.SerializerMethodField()

    def get_counts(self, line) -> dict[str, int]:
        return {column: line.counts.get(column, 0) for column in SUMMARY_COLUMNS}


class StatusReportSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    filters = serializers.CharField()
    totals = SummaryLineSerializer()
    by_team = SummaryLineSerializer(many=True)
    by_level = SummaryLineSerializer(many=True)
    sections = ReportSectionSerializer(many=True)


class MilestoneImportSerializer(serializers.Serializer):
    table = serializers.CharField(
        trim_whitespace=False,
        help_text="the table as text: CSV or tab-separated, headers as the import page takes them (the planning "
        "document's, the console's export, or Jira's CSV export)",
    )
    dry_run = serializers.BooleanField(default=False, help_text="say what would change, change nothing")


class MilestoneImportChangeSerializer(serializers.Serializer):
    jira_key = serializers.CharField()
    changes = serializers.DictField(child=serializers.ListField(child=serializers.CharField(allow_null=True)))


class MilestoneImportPlanSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField()
    created = serializers.ListField(child=serializers.CharField(), help_text="the Jira keys of new milestones")
    updated = MilestoneImportChangeSerializer(many=True)
    unchanged = serializers.IntegerField()
    unused_columns = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField()
    lines = serializers.ListField(child=serializers.CharField())
