from django.contrib import admin

from console.admin import ReadOnlyAdmin
from milestones.models import Milestone


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ["jira_key", "project_id", "title", "due_date", "level", "status", "team"]
    list_filter = ["status", "level", "team"]
    search_fields = ["jira_key", "project_id", "title"]
