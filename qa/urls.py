from django.urls import path

from qa.views import compare, dashboard, gate, metrics, runs, specifications, trend

app_name = "qa"

urlpatterns = [
    path("", runs.run_list, name="run-list"),
    path("runs/<int:submission_id>/", runs.run_qa, name="run-qa"),
    path("runs/<int:submission_id>/csv/", runs.run_qa_csv, name="run-qa-csv"),
    path("compare/", compare.run_compare, name="run-compare"),
    path("compare/csv/", compare.run_compare_csv, name="run-compare-csv"),
    path("trend/", trend.metric_trend, name="metric-trend"),
    path("trend/csv/", trend.metric_trend_csv, name="metric-trend-csv"),
    path("metrics/", metrics.metric_list, name="metric-list"),
    path("metrics/csv/", metrics.metric_list_csv, name="metric-list-csv"),
    path("metrics/specifications/new/", specifications.specification_create, name="specification-create"),
    # The QA gate of a campaign's steps: a fragment of the campaign page, and its two buttons.
    path("campaigns/<int:campaign_id>/gate/", gate.campaign_gate, name="campaign-gate"),
    path("steps/<int:step_id>/accept/", gate.step_accept, name="step-accept"),
    path("steps/<int:step_id>/waiver/", gate.waiver_grant, name="waiver-grant"),
    # The dashboard's QA cards, loaded by htmx.
    path("dashboard/failing/", dashboard.dashboard_failing, name="dashboard-failing"),
    path("dashboard/regressions/", dashboard.dashboard_regressions, name="dashboard-regressions"),
]
