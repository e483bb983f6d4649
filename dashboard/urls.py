from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="home"),
    path("dashboard/services/", views.service_status, name="service-status"),
    path("dashboard/attention-count/", views.attention_count, name="attention-count"),
    path("dashboard/refused-release-runs/", views.refused_release_runs, name="refused-release-runs"),
]
