from django.urls import path

from releases import views

app_name = "releases"

urlpatterns = [
    path("", views.release_list, name="release-list"),
    path("new/", views.release_create, name="release-create"),
    path("backports/", views.backport_list, name="backport-list"),
    path("backports/new/", views.backport_create, name="backport-create"),
    path("backports/<rfc_id:rfc_id>/", views.backport_detail, name="backport-detail"),
    path("backports/<rfc_id:rfc_id>/merge/", views.backport_merge, name="backport-merge"),
    path("backports/<rfc_id:rfc_id>/ship/", views.backport_ship, name="backport-ship"),
    path("<release_version:version>/", views.release_detail, name="release-detail"),
    path("<release_version:version>/supported/", views.release_mark_supported, name="release-mark-supported"),
    path("<release_version:version>/end-support/", views.release_end_support, name="release-end-support"),
    path("<release_version:version>/withdraw/", views.release_withdraw, name="release-withdraw"),
    path("<release_version:version>/support-window/", views.release_support_window, name="release-support-window"),
    path("<release_version:version>/record-history/", views.release_record_history, name="release-record-history"),
]
