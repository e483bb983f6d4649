from django.contrib import admin

from console.admin import ReadOnlyAdmin
from milestones.models import EvidenceProposal, JiraSync, Milestone, MilestoneChange, MilestoneEvidence


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ["jira_key", "project_id", "title", "due_date", "baseline_due_date", "level", "status", "team"]
    list_filter = ["status", "level", "team"]
    search_fields = ["jira_key", "project_id", "title"]


@admin.register(MilestoneChange)
class MilestoneChangeAdmin(ReadOnlyAdmin):
    list_display = ["milestone", "field", "old_value", "new_value", "changed_at", "origin", "actor_name"]
    list_filter = ["field", "origin"]
    search_fields = ["milestone__jira_key"]


@admin.register(MilestoneEvidence)
class MilestoneEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["milestone", "kind", "campaign", "step", "release", "proposed_status"]
    list_filter = ["kind"]


@admin.register(EvidenceProposal)
class EvidenceProposalAdmin(ReadOnlyAdmin):
    list_display = ["milestone", "event", "proposed_status", "state", "observed_at", "decided_by"]
    list_filter = ["state", "kind"]


@admin.register(JiraSync)
class JiraSyncAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "trigger", "status", "issues_seen", "created_count", "updated_count", "retries"]
    list_filter = ["status", "trigger"]
