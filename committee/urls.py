from django.urls import path

from committee.views import committees, decisions, history

app_name = "committee"

urlpatterns = [
    path("", decisions.decision_list, name="decision-list"),
    path("new/", decisions.decision_create, name="decision-create"),
    path("record-past/", history.decision_record_past, name="decision-record-past"),
    path("<int:pk>/", decisions.decision_detail, name="decision-detail"),
    path("<int:pk>/vote/", decisions.decision_vote, name="decision-vote"),
    path("<int:pk>/open/", decisions.decision_open, name="decision-open"),
    path("<int:pk>/endorse/", decisions.decision_endorse, name="decision-endorse"),
    path("<int:pk>/refuse-endorsement/", decisions.decision_refuse_endorsement, name="decision-refuse-endorsement"),
    path("register/", decisions.decision_register, name="decision-register"),
    path("register.csv", decisions.decision_register_csv, name="decision-register-csv"),
    path("register.md", decisions.decision_register_markdown, name="decision-register-markdown"),
    path("committees/", committees.committee_list, name="committee-list"),
    # Before the committees' own pages: "new" is no committee's slug (``services.committees.RESERVED_SLUGS``).
    path("committees/new/", committees.committee_create, name="committee-create"),
    # Committee.get_absolute_url: the committees page showing that one committee.
    path("committees/<committee_slug:slug>/", committees.committee_list, name="committee-detail"),
    path("committees/<committee_slug:slug>/seats/", committees.seat_add, name="seat-add"),
    path("committees/<committee_slug:slug>/quorum/", committees.committee_quorum, name="committee-quorum"),
    path("seats/<int:seat_pk>/delegate/", committees.delegation_create, name="delegation-create"),
    path("seats/<int:seat_pk>/holder/", committees.seat_assign, name="seat-assign"),
    path("seats/<int:seat_pk>/vacate/", committees.seat_vacate, name="seat-vacate"),
    path("seats/<int:seat_pk>/chair/", committees.seat_chair, name="seat-chair"),
    path("seats/<int:seat_pk>/remove/", committees.seat_remove, name="seat-remove"),
    path("delegations/<int:pk>/end/", committees.delegation_end, name="delegation-end"),
]
