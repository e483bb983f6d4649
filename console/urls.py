"""The base's own pages: the audit trail, people and roles, the account."""

from django.urls import path

from console import views

app_name = "console"

urlpatterns = [
    path("audit/", views.audit_list, name="audit-list"),
    path("people/", views.people_list, name="people-list"),
    path("people/<username:username>/", views.person_detail, name="person-detail"),
    path("people/<username:username>/roles/grant/", views.person_role_grant, name="person-role-grant"),
    path("people/<username:username>/roles/revoke/", views.person_role_revoke, name="person-role-revoke"),
    path("account/", views.account, name="account"),
    path("account/token/", views.account_token_regenerate, name="account-token-regenerate"),
]
