from django.urls import path

from qa import views

app_name = "qa"

urlpatterns = [
    path("", views.run_list, name="run-list"),
    path("runs/<int:submission_id>/", views.run_qa, name="run-qa"),
    path("runs/<int:submission_id>/csv/", views.run_qa_csv, name="run-qa-csv"),
    path("compare/", views.run_compare, name="run-compare"),
    path("compare/csv/", views.run_compare_csv, name="run-compare-csv"),
    path("trend/", views.metric_trend, name="metric-trend"),
    path("trend/csv/", views.metric_trend_csv, name="metric-trend-csv"),
    path("metrics/", views.metric_list, name="metric-list"),
    path("metrics/csv/", views.metric_list_csv, name="metric-list-csv"),
    path("metrics/specifications/new/", views.specification_create, name="specification-create"),
    # The QA gate of a campaign's steps: a fragment of the campaign page, and its two buttons.
    path("campaigns/<int:campaign_id>/gate/", views.campaign_gate, name="campaign-gate"),
    path("steps/<int:step_id>/accept/", views.step_accept, name="step-accept"),
    path("steps/<int:step_id>/waiver/", views.waiver_grant, name="waiver-grant"),
    # The dashboard's QA cards, loaded by htmx.
    path("dashboard/failing/", views.dashboard_failing, name="dashboard-failing"),
    path("dashboard/regressions/", views.dashboard_regressions, name="dashboard-regressions"),
]
