from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from console import views

console_patterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard/services/", views.service_status, name="service-status"),
    path("audit/", views.audit_list, name="audit-list"),
    path("people/", views.people_list, name="people-list"),
    path("people/<username:username>/", views.person_detail, name="person-detail"),
    path("people/<username:username>/roles/grant/", views.person_role_grant, name="person-role-grant"),
    path("people/<username:username>/roles/revoke/", views.person_role_revoke, name="person-role-revoke"),
    path("account/", views.account, name="account"),
    path("account/token/", views.account_token_regenerate, name="account-token-regenerate"),
]

urlpatterns = [
    path("", include((console_patterns, "console"))),
    path("releases/", include("releases.urls")),
    path("committee/", include("committee.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("milestones/", include("milestones.urls")),
    path("qa/", include("qa.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("console.api.urls", "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # DRF views answer 401 themselves; the docs are a page, so they send to the login page instead.
    path("api/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
]

handler404 = "console.errors.not_found"
