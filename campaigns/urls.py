from django.urls import path

from campaigns import automation_views, error_views, facility_views, group_views, product_views, views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="campaign-list"),
    path("new/", views.campaign_create, name="campaign-create"),
    path("diff/", views.campaign_diff, name="campaign-diff"),
    # The data facilities, their submit hosts and compute sites (campaigns/facility_views.py).
    path("facilities/", facility_views.facility_list, name="facility-list"),
    # The dashboard's card of campaigns blocked by a pre-flight check, loaded by htmx.
    path("blocked/", views.campaign_blocked, name="campaign-blocked"),
    path("<int:pk>/", views.campaign_detail, name="campaign-detail"),
    path("<int:pk>/submissions/", views.campaign_submissions, name="campaign-submissions"),
    path("<int:pk>/submit/", views.campaign_submit, name="campaign-submit"),
    path("<int:pk>/pause/", views.campaign_pause, name="campaign-pause"),
    path("<int:pk>/automate/", automation_views.campaign_automate, name="campaign-automate"),
    path("steps/<int:pk>/breakpoint/", automation_views.step_breakpoint, name="step-breakpoint"),
    path("<int:pk>/resume/", views.campaign_resume, name="campaign-resume"),
    path("<int:pk>/clone/", views.campaign_clone, name="campaign-clone"),
    path("<int:pk>/archive/", views.campaign_archive, name="campaign-archive"),
    path("<int:pk>/unarchive/", views.campaign_unarchive, name="campaign-unarchive"),
    path("<int:pk>/change-release/", views.campaign_change_release, name="campaign-change-release"),
    path("<int:pk>/data-products/", product_views.data_products_declare, name="data-products-declare"),
    path("<int:pk>/data-products/count/", product_views.data_products_count, name="data-products-count"),
    # One older attempt's details, loaded by the submissions panel when opened.
    path("submissions/<int:pk>/details/", views.submission_details, name="submission-details"),
    path("submissions/<int:pk>/restart/", views.submission_restart, name="submission-restart"),
    path("submissions/<int:pk>/cancel/", views.submission_cancel, name="submission-cancel"),
    # A step split into groups (campaigns/group_views.py).
    path("steps/<int:pk>/split/", group_views.step_split, name="step-split"),
    path("steps/<int:pk>/groups/", group_views.step_groups, name="step-groups"),
    path("groups/<int:pk>/submit/", group_views.group_submit, name="group-submit"),
    path("groups/<int:pk>/release/", group_views.group_release, name="group-release"),
    # Failures by error type, and the rules that classify them (campaigns/error_views.py).
    path("errors/", error_views.error_list, name="error-list"),
    path("errors/runs/", error_views.error_runs, name="error-runs"),
    path("errors/rules/", error_views.error_rule_list, name="error-rule-list"),
    path("errors/rules/new/", error_views.error_rule_create, name="error-rule-create"),
    path("errors/rules/<int:pk>/edit/", error_views.error_rule_update, name="error-rule-update"),
    path("errors/rules/<int:pk>/deactivate/", error_views.error_rule_deactivate, name="error-rule-deactivate"),
    path("errors/types/new/", error_views.error_type_create, name="error-type-create"),
    path("errors/types/<int:pk>/edit/", error_views.error_type_update, name="error-type-update"),
]
