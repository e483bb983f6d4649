from django.urls import path

from committee import views

app_name = "committee"

urlpatterns = [
    path("", views.decision_list, name="decision-list"),
    path("new/", views.decision_create, name="decision-create"),
    path("<int:pk>/", views.decision_detail, name="decision-detail"),
    path("<int:pk>/vote/", views.decision_vote, name="decision-vote"),
    path("<int:pk>/open/", views.decision_open, name="decision-open"),
    path("<int:pk>/endorse/", views.decision_endorse, name="decision-endorse"),
    path("<int:pk>/refuse-endorsement/", views.decision_refuse_endorsement, name="decision-refuse-endorsement"),
    path("register/", views.decision_register, name="decision-register"),
    path("register.csv", views.decision_register_csv, name="decision-register-csv"),
    path("register.md", views.decision_register_markdown, name="decision-register-markdown"),
    path("committees/", views.committee_list, name="committee-list"),
    # Committee.get_absolute_url: the committees page showing that one committee.
    path("committees/<committee_slug:slug>/", views.committee_list, name="committee-detail"),
    path("seats/<int:seat_pk>/delegate/", views.delegation_create, name="delegation-create"),
]
