from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import APIRootView
from rest_framework.urlpatterns import format_suffix_patterns

import campaigns.api.urls
import committee.api.urls
import console.api.urls
import dashboard.api.urls
import milestones.api.urls
import qa.api.urls
import releases.api.urls
from console import views

# Every app's endpoints under /api/v1/, in one "api" namespace. Higher apps first: qa's
# /submissions/<id>/qa/ must be matched before campaigns' /submissions/<id>/ routes.
API_APPS = [
    console.api.urls,
    dashboard.api.urls,
    milestones.api.urls,
    qa.api.urls,
    campaigns.api.urls,
    committee.api.urls,
    releases.api.urls,
]
api_root = APIRootView.as_view(
    api_root_dict={prefix: f"{basename}-list" for app in API_APPS for prefix, _, basename in app.router.registry}
)
api_patterns = [
    *format_suffix_patterns([path("", api_root, name="api-root")]),
    *(pattern for app in API_APPS for pattern in app.urlpatterns),
]


urlpatterns = [
    path("", include("dashboard.urls")),
    path("", include("console.urls")),
    path("releases/", include("releases.urls")),
    path("committee/", include("committee.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("milestones/", include("milestones.urls")),
    path("qa/", include("qa.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_patterns, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # DRF views answer 401 themselves; the docs are a page, so they send to the login page instead.
    path("api/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
]

# The console's own error pages (JSON under /api/): console/error_pages.py.
handler400 = "console.error_pages.bad_request"
handler403 = "console.error_pages.permission_denied"
handler404 = "console.error_pages.page_not_found"
handler500 = "console.error_pages.server_error"
