from django.contrib import admin

from committee.models import Committee, Seat
from console.admin import ReadOnlyAdmin


@admin.register(Committee)
class CommitteeAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind"]


@admin.register(Seat)
class SeatAdmin(ReadOnlyAdmin):
    list_display = ["committee", "area", "holder", "chair"]
    list_select_related = ["committee", "holder"]
