from django.urls import path

from milestones import views

app_name = "milestones"

urlpatterns = [
    path("", views.report, name="report"),
    path("sections/<slug:key>/", views.report_section, name="report-section"),
    path("report.md", views.report_markdown, name="report-markdown"),
    path("report.csv", views.report_csv, name="report-csv"),
    path("import/", views.milestone_import, name="milestone-import"),
    path("syncs/", views.sync_list, name="sync-list"),
    path("syncs/now/", views.sync_now, name="sync-now"),
    path("dashboard-card/", views.dashboard_card, name="dashboard-card"),
    path("proposals/<int:pk>/confirm/", views.proposal_confirm, name="proposal-confirm"),
    path("proposals/<int:pk>/dismiss/", views.proposal_dismiss, name="proposal-dismiss"),
    path("<jira_key:jira_key>/", views.milestone_detail, name="milestone-detail"),
    path("<jira_key:jira_key>/edit/", views.milestone_edit, name="milestone-edit"),
    path("<jira_key:jira_key>/owner/", views.milestone_owner, name="milestone-owner"),
    path("<jira_key:jira_key>/link/", views.milestone_link, name="milestone-link"),
    path("<jira_key:jira_key>/unlink/", views.milestone_unlink, name="milestone-unlink"),
    path("<jira_key:jira_key>/evidence/", views.evidence_create, name="evidence-create"),
    path("<jira_key:jira_key>/evidence/<int:pk>/delete/", views.evidence_delete, name="evidence-delete"),
]
